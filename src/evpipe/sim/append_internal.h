// Private to sim: a writer of the simulator's text at a raw pointer. The caller
// makes the buffer big enough (every simulated value has a bounded length), so
// there are no bounds checks and no allocation. Simulator strings never need
// JSON escaping.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "evpipe/core/digit_tables.h"
#include "evpipe/core/short_copy.h"

namespace evpipe::sim::internal {

class Writer {
 public:
  explicit Writer(char* at) : p_(at) {}
  char* end() const { return p_; }

  void Char(char c) { *p_++ = c; }
  void Raw(std::string_view s) {
    CopyShort(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Int(int64_t v) { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
  // v in decimal, zero-padded to at least `width` digits. Inline: the widths
  // are constants, so the usual case (v has at most `width` digits) becomes a
  // fixed run of digit pairs.
  void Padded(uint64_t v, int width) {
    if (width < 1 || width > 19 || v >= Pow10(width)) {
      PaddedWide(v, width);
      return;
    }
    char* p = p_ + width;
    p_ = p;
    if (width <= 9) {
      FixedDigits(static_cast<uint32_t>(v), width, p);
    } else {
      FixedDigits(v, width, p);
    }
  }
  // The low `digits` hex digits of v, lowercase.
  void Hex(uint64_t v, int digits);
  // The number in an order's ids (ORD-, PAY-, SHP-, RFD-): order + 1 in 11 digits.
  void OrderNumber(uint64_t order) { Padded(order + 1, 11); }
  // A random (version 4) UUID from 128 bits.
  void Uuid(uint64_t hi, uint64_t lo);
  // `,"name":` (the value follows).
  void Field(std::string_view name) {
    Raw(",\"");
    Raw(name);
    Raw("\":");
  }
  void StringField(std::string_view name, std::string_view value) {
    Field(name);
    Char('"');
    Raw(value);
    Char('"');
  }
  void IntField(std::string_view name, int64_t value) {
    Field(name);
    Int(value);
  }

 private:
  static constexpr uint64_t Pow10(int n) {
    uint64_t r = 1;
    while (n-- > 0) r *= 10;
    return r;
  }
  // The low `n` digits of v, ending at `end`.
  template <typename U>
  static void FixedDigits(U v, int n, char* end) {
    for (; n >= 2; n -= 2) {
      end -= 2;
      std::memcpy(end, kDigitPairs + 2 * (v % 100), 2);
      v /= 100;
    }
    if (n == 1) end[-1] = static_cast<char>('0' + v);
  }
  // Padded for a v with more than `width` digits.
  void PaddedWide(uint64_t v, int width);

  char* p_;
};

}  // namespace evpipe::sim::internal
