// Private to sim: the renderer, which turns a planned record into its line. A
// rendered line depends only on the options and the Planned record, so several
// Renderers (one per thread) give the same bytes as one.
#pragma once

#include <string>

#include "evpipe/event/event.h"
#include "evpipe/sim/plan_internal.h"
#include "evpipe/sim/rng_internal.h"

namespace evpipe::sim::internal {

// Not thread-safe (it reuses its buffers); use one per thread.
class Renderer {
 public:
  explicit Renderer(const Options& options);

  // Fills *out (reusing its buffers) with the record `p` describes. With
  // `joined`, the line and a '\n' are appended there instead and out->line is
  // left empty.
  void Render(const Planned& p, Record* out, std::string* joined = nullptr);

 private:
  void BuildPayload(const Planned& p, const OrderInfo& info, Rng& rng, std::string* out) const;
  // Writes a line breaking exactly one rule into *line, from the event in event_.
  void RenderPoison(Poison variant, std::string* line);

  Options options_;
  int64_t users_per_tenant_;
  ev::Event event_;       // reused for every rendered line
  std::string scratch_;   // reused for poison rewrites
};

}  // namespace evpipe::sim::internal
