// The order simulator: a Planner decides each record (plan.cc), a Renderer writes
// its line (render.cc, poison.cc); a line is rendered from (seed, order, step)
// alone, so the output is deterministic and duplicates are byte-identical.
#include "evpipe/sim/simulator.h"

#include "evpipe/sim/plan_internal.h"
#include "evpipe/sim/render_internal.h"
#include "evpipe/sim/rng_internal.h"

namespace evpipe::sim {

using internal::kDay;
using internal::kMinute;
using internal::kSecond;

std::string ValidateOptions(const Options& o) {
  if (o.orders < 0) return "--orders must be >= 0";
  if (o.orders > (int64_t{1} << 40)) return "--orders must be <= 2^40";
  if (o.tenants < 1 || o.tenants > 1000) return "--tenants must be in 1..1000";
  if (o.span_days < 1 || o.span_days > 3650) return "--span-days must be in 1..3650";
  auto rate = [](double r) { return r >= 0.0 && r <= 1.0; };
  if (!rate(o.duplicate_rate)) return "--duplicate-rate must be in 0..1";
  if (!rate(o.late_rate)) return "--late-rate must be in 0..1";
  if (!rate(o.poison_rate)) return "--poison-rate must be in 0..1";
  if (o.max_lateness_us < kMinute || o.max_lateness_us > 365 * kDay) {
    return "--max-lateness must be between 1 minute and 365 days";
  }
  // Keep every timestamp (lifecycles run up to ~5 weeks past the span) inside years 2000..9999.
  if (o.start_time_us < 946684800LL * kSecond || o.start_time_us > 253000000000LL * kSecond) {
    return "--start must be between 2000-01-01 and 9000-01-01";
  }
  for (char c : o.environment) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
      return "--environment must be printable ASCII without quotes or backslashes";
    }
  }
  return "";
}

struct Simulator::Impl {
  internal::Planner planner;
  internal::Renderer renderer;
  explicit Impl(const Options& o) : planner(o), renderer(o) {}
};

Simulator::Simulator(Options options) : impl_(std::make_unique<Impl>(options)) {}
Simulator::~Simulator() = default;

int64_t Simulator::orders_started() const { return impl_->planner.orders_started(); }

bool Simulator::Next(Record* out) {
  internal::Planned p;
  if (!impl_->planner.Next(&p)) return false;
  impl_->renderer.Render(p, out);
  return true;
}

}  // namespace evpipe::sim
