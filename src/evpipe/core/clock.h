// Wall and monotonic clocks in microseconds, a millisecond UTC formatter for logs,
// and the duration syntax of flags ("36h").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe {

// Microseconds since the Unix epoch (UTC wall clock).
int64_t NowMicros();
// Monotonic microseconds, for durations and deadlines.
int64_t MonotonicMicros();
// "2026-02-05T10:11:12.123Z".
std::string FormatMillisUtc(int64_t micros);
// A duration in microseconds from "90s", "15m", "36h", "2d" (also "1500ms",
// "250us"; a bare number is seconds).
Result<int64_t> ParseDurationMicros(std::string_view text);

}  // namespace evpipe
