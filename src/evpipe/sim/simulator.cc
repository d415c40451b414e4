// The order simulator (placeholder until the lifecycle lands: emits nothing).
#include "evpipe/sim/simulator.h"

namespace evpipe::sim {

std::string ValidateOptions(const Options& options) {
  if (options.orders < 0) return "--orders must be >= 0";
  if (options.tenants < 1) return "--tenants must be >= 1";
  if (options.span_days < 1) return "--span-days must be >= 1";
  return "";
}

struct Simulator::Impl {
  Options options;
};

Simulator::Simulator(Options options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }
Simulator::~Simulator() = default;
bool Simulator::Next(Record*) { return false; }
int64_t Simulator::orders_started() const { return 0; }

}  // namespace evpipe::sim
