// Private to sim: a writer of the simulator's text at a raw pointer. The caller
// makes the buffer big enough (every simulated value has a bounded length), so
// there are no bounds checks and no allocation. Simulator strings never need
// JSON escaping.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace evpipe::sim::internal {

class Writer {
 public:
  explicit Writer(char* at) : p_(at) {}
  char* end() const { return p_; }

  void Char(char c) { *p_++ = c; }
  void Raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Int(int64_t v) { p_ = std::to_chars(p_, p_ + 20, v).ptr; }
  // v in decimal, zero-padded to at least `width` digits.
  void Padded(uint64_t v, int width);
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
  char* p_;
};

}  // namespace evpipe::sim::internal
