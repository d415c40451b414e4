// Private to sim: the renderer, which turns a planned record into its line. A
// rendered line depends only on the options and the Planned record, so several
// Renderers (one per thread) give the same bytes as one.
#pragma once

#include <string>

#include "evpipe/event/event.h"
#include "evpipe/sim/append_internal.h"
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
  static constexpr std::string_view kRecordSource = "evpipe-sim";
  // Room for one event's strings and payload: the envelope's strings (< 200
  // bytes), a payload (its longest, order_created with 5 items of bounded
  // numbers, < 800 bytes) and a checksum (64).
  static constexpr size_t kFieldsCapacity = 4096;

  // order_number: Writer::OrderNumber's text for p.order.
  void BuildPayload(const Planned& p, const OrderInfo& info, std::string_view order_number, Rng& rng,
                    Writer& w) const;
  // Writes a line breaking exactly one rule into *line, from the event `valid`.
  void RenderPoison(Poison variant, const ev::EventView& valid, std::string* line);

  Options options_;
  int64_t users_per_tenant_;
  std::string fields_;    // the strings an event's EventView points into, rewritten for every line
  ev::Event event_;       // reused for poison lines (which edit an owned copy)
  std::string scratch_;   // reused for poison rewrites
};

}  // namespace evpipe::sim::internal
