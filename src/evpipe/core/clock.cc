// Clocks.
#include "evpipe/core/clock.h"

#include <charconv>
#include <chrono>
#include <ctime>

#include <fmt/core.h>

namespace evpipe {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string FormatMillisUtc(int64_t micros) {
  time_t secs = static_cast<time_t>(micros / 1000000);
  int millis = static_cast<int>((micros % 1000000) / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
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

}  // namespace evpipe
