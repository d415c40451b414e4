// Sixteen bytes as 32 lowercase hex digits at once (SSE2; a plain loop
// elsewhere): the checksum's digest and the simulator's ids.
#pragma once

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "evpipe/core/digit_tables.h"

namespace evpipe {

#if defined(__SSE2__)
// The 16 bytes of v (in memory order) as 32 hex digits at out. Each nibble n
// becomes '0' + n, plus 'a' - '0' - 10 when n > 9; the high and low nibbles
// are then interleaved (a table lookup per byte costs several times more).
inline void Hex128To(__m128i v, char out[32]) {
  const __m128i low_mask = _mm_set1_epi8(0x0f);
  auto chars = [](__m128i nibbles) {
    const __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
    return _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
  };
  const __m128i high = chars(_mm_and_si128(_mm_srli_epi16(v, 4), low_mask));
  const __m128i low = chars(_mm_and_si128(v, low_mask));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_unpacklo_epi8(high, low));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_unpackhi_epi8(high, low));
}
#endif

// out[2i], out[2i + 1] = the hex digits of bytes[i], high nibble first.
inline void Hex16To(const unsigned char bytes[16], char out[32]) {
#if defined(__SSE2__)
  Hex128To(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)), out);
#else
  for (int i = 0; i < 16; ++i) std::memcpy(out + 2 * i, kHexPairs.data() + 2 * bytes[i], 2);
#endif
}

// The 16 hex digits of hi, then those of lo (most significant first). From
// registers: bytes stored one way and loaded another would stall the load.
inline void HexWordsTo(uint64_t hi, uint64_t lo, char out[32]) {
#if defined(__SSE2__)
  Hex128To(_mm_set_epi64x(static_cast<long long>(__builtin_bswap64(lo)), static_cast<long long>(__builtin_bswap64(hi))),
           out);
#else
  for (int i = 0; i < 16; ++i) out[i] = kHexDigits[(hi >> (60 - 4 * i)) & 15];
  for (int i = 0; i < 16; ++i) out[16 + i] = kHexDigits[(lo >> (60 - 4 * i)) & 15];
#endif
}

}  // namespace evpipe
