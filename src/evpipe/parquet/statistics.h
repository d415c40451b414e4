// Min/max/null-count statistics of a page or column chunk, in the order the
// Parquet spec defines for our types: signed for INT32/INT64, unsigned
// byte-wise for BYTE_ARRAY. Not thread-safe; one per column writer.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "evpipe/parquet/schema.h"

namespace evpipe::parquet {

// Longest string min/max we store by default; longer ones are truncated
// (docs/formats/parquet.md, Statistics).
inline constexpr size_t kDefaultStatisticsMaxBytes = 1024;

// What goes into a thrift Statistics struct. min/max are PLAIN-encoded
// without a length prefix (ints little-endian).
struct EncodedStatistics {
  bool has_min_max = false;
  std::string min;
  std::string max;
  bool min_exact = true;
  bool max_exact = true;
  int64_t null_count = 0;
  // Also write the deprecated min/max fields (only for signed-order types,
  // which the old fields assume).
  bool legacy_min_max = false;
};

class StatisticsAccumulator {
 public:
  explicit StatisticsAccumulator(PhysicalType type) : type_(type) {}

  void AddNulls(int64_t n) { null_count_ += n; }
  // Widen the range by [lo, hi] (lo <= hi in the type's order).
  void AddIntRange(int64_t lo, int64_t hi);
  void AddStringRange(std::string_view lo, std::string_view hi);
  void Merge(const StatisticsAccumulator& other);
  void Reset();

  bool has_min_max() const { return has_; }
  int64_t null_count() const { return null_count_; }
  int64_t int_min() const { return int_min_; }
  int64_t int_max() const { return int_max_; }
  const std::string& string_min() const { return str_min_; }
  const std::string& string_max() const { return str_max_; }

  // Strings longer than max_bytes are truncated: min to a prefix, max to a
  // prefix whose last character is incremented (both stay valid UTF-8 when
  // the input is), flagged inexact. If no valid max fits, min/max are left out.
  EncodedStatistics Encode(size_t max_bytes) const;

 private:
  PhysicalType type_;
  bool has_ = false;
  int64_t null_count_ = 0;
  int64_t int_min_ = 0, int_max_ = 0;
  std::string str_min_, str_max_;
};

// Unsigned byte-wise comparison (memcmp order), the order of BYTE_ARRAY/STRING.
// The first 8 bytes are compared as one big-endian word first: ids and
// checksums almost always differ there, and the writer compares every value.
inline bool BytesLess(std::string_view a, std::string_view b) {
  if (a.size() >= 8 && b.size() >= 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data(), 8);
    std::memcpy(&y, b.data(), 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
      }
      return x < y;
    }
  }
  return a.compare(b) < 0;  // char_traits<char>::compare uses memcmp: unsigned bytes
}

// Exposed for tests: the truncations Encode applies.
std::string TruncateMin(std::string_view v, size_t max_bytes);
// Empty optional-like result: returns false when no upper bound fits.
bool TruncateMax(std::string_view v, size_t max_bytes, std::string* out);

}  // namespace evpipe::parquet
