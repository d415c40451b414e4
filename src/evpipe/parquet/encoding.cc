// RLE/bit-packed hybrid encoder (see encoding.h).
#include "evpipe/parquet/encoding.h"

#include <bit>

namespace evpipe::parquet {

static_assert(std::endian::native == std::endian::little,
              "PLAIN encoding copies ints as they are in memory");

int BitWidth(uint64_t max_value) { return max_value == 0 ? 0 : 64 - std::countl_zero(max_value); }

namespace {

void Varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Generic over the element type so levels (uint8_t) and indices (uint32_t) share it.
template <typename T>
void Encode(std::span<const T> values, int bit_width, std::string* out) {
  const size_t n = values.size();
  const int value_bytes = (bit_width + 7) / 8;
  // Length of the run of equal values starting at i.
  auto run_at = [&](size_t i) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    return j - i;
  };
  size_t i = 0;
  while (i < n) {
    size_t run = run_at(i);
    if (run >= 8) {
      Varint(out, static_cast<uint64_t>(run) << 1);
      uint32_t v = static_cast<uint32_t>(values[i]);
      for (int b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(v >> (8 * b)));
      i += run;
      continue;
    }
    // Bit-packed run: whole groups of 8 until a group boundary where an RLE
    // run of >= 8 starts, or the end.
    size_t start = i;
    size_t groups = 0;
    do {
      i += 8;
      ++groups;
    } while (i < n && run_at(i) < 8);
    Varint(out, (static_cast<uint64_t>(groups) << 1) | 1);
    // Little-endian bit order: each value fills from the least significant
    // free bit; 8 values of bit_width bits are exactly bit_width bytes.
    uint64_t acc = 0;
    int acc_bits = 0;
    for (size_t k = start; k < start + groups * 8; ++k) {
      uint64_t v = k < n ? static_cast<uint64_t>(values[k]) : 0;
      acc |= v << acc_bits;
      acc_bits += bit_width;
      while (acc_bits >= 8) {
        out->push_back(static_cast<char>(acc & 0xff));
        acc >>= 8;
        acc_bits -= 8;
      }
    }
    if (i > n) i = n;
  }
}

}  // namespace

void RleHybridEncode(std::span<const uint32_t> values, int bit_width, std::string* out) {
  Encode(values, bit_width, out);
}

void RleHybridEncodeLevels(std::span<const uint8_t> levels, std::string* out) {
  Encode(levels, 1, out);
}

}  // namespace evpipe::parquet
