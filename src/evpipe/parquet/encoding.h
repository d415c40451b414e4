// Parquet value and level encodings: PLAIN and the RLE/bit-packed hybrid
// (Encodings.md of the Parquet format; our subset in docs/formats/parquet.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace evpipe::parquet {

// PLAIN: little-endian fixed width; BYTE_ARRAY is a 4-byte LE length then the bytes.
inline void AppendLe32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  out->append(b, 4);
}
inline void AppendLe64(std::string* out, uint64_t v) {
  AppendLe32(out, static_cast<uint32_t>(v));
  AppendLe32(out, static_cast<uint32_t>(v >> 32));
}
inline void PlainByteArray(std::string* out, std::string_view v) {
  AppendLe32(out, static_cast<uint32_t>(v.size()));
  out->append(v);
}
// Bulk PLAIN of fixed-width ints (the host is little-endian; checked in encoding.cc).
inline void PlainInt32(std::string* out, std::span<const int32_t> v) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size_bytes());
}
inline void PlainInt64(std::string* out, std::span<const int64_t> v) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size_bytes());
}

// Bits needed to store `max_value` (0 for 0).
int BitWidth(uint64_t max_value);

// Appends `values` (each < 2^bit_width, bit_width 0..32) as the RLE/bit-packed
// hybrid, without any length prefix. Runs of >= 8 equal values become RLE
// runs; everything else is bit-packed in groups of 8 (the last group padded
// with zeros; readers stop at the page's value count). Deterministic.
void RleHybridEncode(std::span<const uint32_t> values, int bit_width, std::string* out);
// The same for 0/1 levels stored as bytes (definition levels, max level 1).
void RleHybridEncodeLevels(std::span<const uint8_t> levels, std::string* out);

}  // namespace evpipe::parquet
