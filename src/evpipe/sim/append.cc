// The simulator's text writer (append_internal.h): digits and hex without temporaries.
#include "evpipe/sim/append_internal.h"

#include "evpipe/core/digit_tables.h"

namespace evpipe::sim::internal {
namespace {

int DecimalDigits(uint64_t v) {
  int n = 1;
  while (v >= 100) {
    v /= 100;
    n += 2;
  }
  return v >= 10 ? n + 1 : n;
}

}  // namespace

void Writer::PaddedWide(uint64_t v, int width) {
  int n = DecimalDigits(v);
  if (n < width) n = width;  // the leading digits come out as '0' once v is exhausted
  char* p = p_ + n;
  p_ = p;
  for (; n >= 2; n -= 2) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (n == 1) *--p = static_cast<char>('0' + v);
}

void Writer::Hex(uint64_t v, int digits) {
  int i = digits;
  for (; i >= 2; i -= 2) {
    std::memcpy(p_ + i - 2, kHexPairs.data() + 2 * (v & 0xff), 2);
    v >>= 8;
  }
  if (i == 1) p_[0] = kHexDigits[v & 15];
  p_ += digits;
}

void Writer::Uuid(uint64_t hi, uint64_t lo) {
  hi = (hi & ~0xf000ULL) | 0x4000ULL;
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
  // 8-4-4-4-12 hex digits: hi gives the first three groups, lo the last two.
  Hex(hi >> 32, 8);
  Char('-');
  Hex(hi >> 16, 4);
  Char('-');
  Hex(hi, 4);
  Char('-');
  Hex(lo >> 48, 4);
  Char('-');
  Hex(lo, 12);
}

}  // namespace evpipe::sim::internal
