// Numbers for people (see format.h).
#include "evpipe/core/format.h"

#include <cmath>

#include <fmt/core.h>

namespace evpipe {

std::string FormatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  if (!(bytes >= 0)) bytes = 0;  // also NaN
  size_t u = 0;
  while (bytes >= 999.95 && u + 1 < std::size(kUnits)) {
    bytes /= 1000;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} B", bytes);
  return fmt::format("{:.1f} {}", bytes, kUnits[u]);
}

std::string FormatCount(double n) {
  if (!(n >= 0)) n = 0;
  if (n < 999.5) return fmt::format("{:.0f}", n);
  static constexpr const char* kSuffix[] = {"k", "M", "G", "T"};
  size_t s = 0;
  n /= 1000;
  while (n >= 999.5 && s + 1 < std::size(kSuffix)) {
    n /= 1000;
    ++s;
  }
  if (n < 9.995) return fmt::format("{:.2f}{}", n, kSuffix[s]);
  if (n < 99.95) return fmt::format("{:.1f}{}", n, kSuffix[s]);
  return fmt::format("{:.0f}{}", n, kSuffix[s]);
}

std::string FormatRate(double per_second, std::string_view unit) {
  if (unit == "B") return FormatBytes(per_second) + "/s";
  if (unit.empty()) return FormatCount(per_second) + "/s";
  return FormatCount(per_second) + " " + std::string(unit) + "/s";
}

std::string Plural(uint64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

}  // namespace evpipe
