// Wall and monotonic clocks in microseconds, and a millisecond UTC formatter for logs.
#pragma once

#include <cstdint>
#include <string>

namespace evpipe {

// Microseconds since the Unix epoch (UTC wall clock).
int64_t NowMicros();
// Monotonic microseconds, for durations and deadlines.
int64_t MonotonicMicros();
// "2026-02-05T10:11:12.123Z".
std::string FormatMillisUtc(int64_t micros);

}  // namespace evpipe
