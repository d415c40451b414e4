// One column's values for a batch of rows, as the caller hands them to
// FileWriter::WriteBatch. Borrowed: nothing is kept after the call returns.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace evpipe::parquet {

// Exactly one of strings / int32s / int64s is set (the one matching the
// column's physical type), with one entry per row. For an optional column,
// `nulls` has one byte per row (non-zero = null, the value entry is then
// ignored) or is empty when no row is null. Required columns leave it empty.
struct ColumnValues {
  std::span<const std::string_view> strings;
  std::span<const int32_t> int32s;
  std::span<const int64_t> int64s;
  std::span<const uint8_t> nulls;

  static ColumnValues Strings(std::span<const std::string_view> v, std::span<const uint8_t> nulls = {}) {
    ColumnValues c;
    c.strings = v;
    c.nulls = nulls;
    return c;
  }
  static ColumnValues Int32s(std::span<const int32_t> v, std::span<const uint8_t> nulls = {}) {
    ColumnValues c;
    c.int32s = v;
    c.nulls = nulls;
    return c;
  }
  static ColumnValues Int64s(std::span<const int64_t> v, std::span<const uint8_t> nulls = {}) {
    ColumnValues c;
    c.int64s = v;
    c.nulls = nulls;
    return c;
  }
};

}  // namespace evpipe::parquet
