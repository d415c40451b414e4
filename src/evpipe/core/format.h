// Numbers for people: the one formatter every summary line and progress bar
// uses (13.2 MB, 268k records/s, 1 record / 2 records). JSON outputs keep raw
// integers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace evpipe {

// Decimal units, one decimal place: "512 B", "1.5 kB", "13.2 MB", "1.0 GB".
std::string FormatBytes(double bytes);
// Three significant digits at most: "912", "22.7k", "268k", "1.20M", "3.40G".
std::string FormatCount(double n);
// "268k records/s"; for unit "B" the byte units: "391.9 MB/s".
std::string FormatRate(double per_second, std::string_view unit);
// "1 record", "2 records", "0 records" (the plural adds an "s").
std::string Plural(uint64_t n, std::string_view noun);

}  // namespace evpipe
