// The simulator's command-line flags.
#include "evpipe/sim/flags.h"

#include <charconv>

#include "evpipe/event/event.h"

namespace evpipe::sim {

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
  return ValidateOptions(options);
}

Result<int64_t> ParseDurationMicros(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || value < 0) {
    return Status::InvalidArgument("bad duration '" + std::string(text) + "' (want e.g. 90m, 36h, 2d)");
  }
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t scale;
  if (unit.empty() || unit == "s") {
    scale = 1000000;
  } else if (unit == "us") {
    scale = 1;
  } else if (unit == "ms") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60LL * 1000000;
  } else if (unit == "h") {
    scale = 3600LL * 1000000;
  } else if (unit == "d") {
    scale = 86400LL * 1000000;
  } else {
    return Status::InvalidArgument("bad duration unit in '" + std::string(text) + "' (use us, ms, s, m, h or d)");
  }
  if (value > INT64_MAX / scale) return Status::InvalidArgument("duration too large: " + std::string(text));
  return value * scale;
}

}  // namespace evpipe::sim
