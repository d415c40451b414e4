// Lookup tables for writing numbers as text two digits at a time: JSON
// escapes (core/text), timestamps and checksums (event), the simulator's
// writer (sim/append). One copy of each, built at compile time.
#pragma once

#include <array>

namespace evpipe {

// Lowercase hex digits.
inline constexpr char kHexDigits[] = "0123456789abcdef";

// "000102...feff": the two lowercase hex digits of byte b at [2b] and [2b + 1].
inline constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> pairs{};
  for (int b = 0; b < 256; ++b) {
    pairs[2 * b] = kHexDigits[b >> 4];
    pairs[2 * b + 1] = kHexDigits[b & 15];
  }
  return pairs;
}();

// "000102...99": the two decimal digits of v < 100 at [2v] and [2v + 1].
inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace evpipe
