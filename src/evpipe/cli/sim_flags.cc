// The simulator's command-line flags.
#include "evpipe/cli/sim_flags.h"

#include "evpipe/core/clock.h"

#include "evpipe/event/event.h"

namespace evpipe::cli {

void SimulatorFlags::Add(CLI::App* app) {
  app->add_option("--tenants", options.tenants, "Tenants (shops) to spread orders over")->capture_default_str();
  app->add_option("--start", start, "Creation time of the first orders (RFC 3339)")->capture_default_str();
  app->add_option("--span-days", options.span_days, "Days over which orders are created")->capture_default_str();
  app->add_option("--duplicate-rate", options.duplicate_rate,
                  "Re-delivered duplicates per event (same bytes, same event_id)")
      ->capture_default_str();
  app->add_option("--late-rate", options.late_rate, "Fraction of events ingested late")->capture_default_str();
  app->add_option("--max-lateness", max_lateness,
                  "Largest ingest delay of a late event (e.g. 90m, 36h, 2d); late delays are in [max/2, max]")
      ->capture_default_str();
  app->add_option("--poison-rate", options.poison_rate,
                  "Extra invalid lines per event, each breaking one validation rule")
      ->capture_default_str();
  app->add_option("--environment", options.environment, "Value of the events' environment field")
      ->capture_default_str();
}

std::string SimulatorFlags::Resolve() {
  Result<int64_t> t = event::ParseTimestamp(start);
  if (!t.ok()) return "--start: " + t.status().message();
  options.start_time_us = *t;
  Result<int64_t> lateness = ParseDurationMicros(max_lateness);
  if (!lateness.ok()) return "--max-lateness: " + lateness.status().message();
  options.max_lateness_us = *lateness;
  return sim::ValidateOptions(options);
}

}  // namespace evpipe::cli
