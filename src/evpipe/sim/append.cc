// The simulator's text writer (append_internal.h): digits and hex without temporaries.
#include "evpipe/sim/append_internal.h"

#include "evpipe/core/digit_tables.h"
#include "evpipe/core/hex16.h"

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
  if (digits == 16) {  // a whole word (session ids): all its bytes at once
    char hex[32];
    HexWordsTo(v, 0, hex);
    std::memcpy(p_, hex, 16);
    p_ += 16;
    return;
  }
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
  // The 32 hex digits of hi then lo (most significant first), in groups of
  // 8-4-4-4-12: hi gives the first three, lo the last two.
  char hex[32];
  HexWordsTo(hi, lo, hex);
  char* p = p_;
  std::memcpy(p, hex, 8);
  p[8] = '-';
  std::memcpy(p + 9, hex + 8, 4);
  p[13] = '-';
  std::memcpy(p + 14, hex + 12, 4);
  p[18] = '-';
  std::memcpy(p + 19, hex + 16, 4);
  p[23] = '-';
  std::memcpy(p + 24, hex + 20, 12);
  p_ = p + 36;
}

}  // namespace evpipe::sim::internal
