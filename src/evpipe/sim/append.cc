// Small fast text appenders for the simulator's lines (no allocation once `out` has grown).
#include "evpipe/sim/append_internal.h"

#include <charconv>
#include <cstring>

namespace evpipe::sim::internal {

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(end - buf));
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// v in decimal, zero-padded to at least `width` digits.
void AppendPadded(uint64_t v, int width, std::string* out) {
  char buf[24];
  char* p = buf + sizeof buf;
  while (v >= 100) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * v, 2);
  } else {
    *--p = static_cast<char>('0' + v);
  }
  while (buf + sizeof buf - p < width) *--p = '0';
  out->append(p, static_cast<size_t>(buf + sizeof buf - p));
}

void AppendHex(uint64_t v, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[16];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = kHex[v & 15];
    v >>= 4;
  }
  out->append(buf, static_cast<size_t>(digits));
}

void AppendOrderId(uint64_t order, std::string* out) {
  out->append("ORD-");
  AppendPadded(order + 1, 11, out);
}

// A random (version 4) UUID from 128 bits.
void AppendUuid(uint64_t hi, uint64_t lo, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  hi = (hi & ~0xf000ULL) | 0x4000ULL;
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
  char buf[36];
  int at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[at++] = '-';
    const unsigned byte = static_cast<unsigned>(((i < 8 ? hi : lo) >> (8 * (7 - (i & 7)))) & 0xff);
    buf[at++] = kHex[byte >> 4];
    buf[at++] = kHex[byte & 15];
  }
  out->append(buf, sizeof buf);
}

void AppendField(std::string_view name, std::string* out) {
  out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":");
}

void AppendStringField(std::string_view name, std::string_view value, std::string* out) {
  AppendField(name, out);
  out->push_back('"');
  out->append(value);  // simulator strings never need escaping
  out->push_back('"');
}

void AppendIntField(std::string_view name, int64_t value, std::string* out) {
  AppendField(name, out);
  AppendInt(value, out);
}

void SetString(std::optional<std::string>* slot, std::string_view value) {
  if (!*slot) slot->emplace();
  (*slot)->assign(value);
}

}  // namespace evpipe::sim::internal
