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

  // Fills *out (reusing its buffers) with the record `p` describes.
  void Render(const Planned& p, Record* out);
  // The same, but the line and a '\n' go into *text at offset `at` instead
  // (out->line is left empty); returns where they end. *text is a buffer whose
  // size is its capacity: it grows (rarely) when the line would not fit.
  size_t RenderJoined(const Planned& p, Record* out, std::string* text, size_t at);

 private:
  static constexpr std::string_view kRecordSource = "evpipe-sim";
  // Room for one event's strings and payload: the envelope's strings (< 200
  // bytes), a payload (its longest, order_created with 5 items of bounded
  // numbers, < 800 bytes) and a checksum (64).
  static constexpr size_t kFieldsCapacity = 4096;
  // Room RenderJoined keeps for a payload written in place (over twice the longest).
  static constexpr size_t kMaxPayloadSize = 2048;

  // What BuildEnvelope works out for BuildPayload.
  struct Parts {
    OrderInfo info{};
    Rng rng{0};
    std::string_view order_number;  // in fields_
  };

  char* BuildEnvelope(const Planned& p, Record* out, ev::EventView* out_event, Parts* parts);
  void Build(const Planned& p, Record* out, ev::EventView* out_event);
  // order_number: Writer::OrderNumber's text for p.order.
  void BuildPayload(const Planned& p, const OrderInfo& info, std::string_view order_number, Rng& rng,
                    Writer& w) const;
  // Writes a line breaking exactly one rule into *line, from the event `valid`.
  void RenderPoison(Poison variant, const ev::EventView& valid, std::string* line);

  Options options_;
  Streams streams_;
  int64_t users_per_tenant_;
  bool clean_environment_;  // --environment needs no JSON escaping (every other string is ours)
  std::string fields_;    // the strings an event's EventView points into, rewritten for every line
  ev::Event event_;       // reused for poison lines (which edit an owned copy)
  std::string scratch_;   // reused for poison rewrites
  std::string scratch_line_;  // RenderJoined: a poison line, or one with an escaped environment
};

}  // namespace evpipe::sim::internal
