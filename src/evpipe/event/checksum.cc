// SHA-256 of payload bytes as lowercase hex, through OpenSSL.
// The low-level SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP,
// but EVP costs ~130 ns of dispatch per call, as much as hashing a 200-byte
// payload with SHA-NI; the low-level calls go straight to the same assembly.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "evpipe/core/digit_tables.h"
#include "evpipe/event/event.h"

namespace evpipe::event {
namespace {

// The 32 digest bytes as 64 lowercase hex digits. With SSE2, sixteen bytes at
// a time: each nibble n becomes '0' + n, plus 'a' - '0' - 10 when n > 9, and
// the high and low nibbles are interleaved (a byte-pair table lookup per byte
// cost about as much as a third of hashing a 300-byte payload).
void HexOfDigest(const unsigned char digest[32], char out[64]) {
#if defined(__SSE2__)
  const __m128i low_mask = _mm_set1_epi8(0x0f);
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i zero_char = _mm_set1_epi8('0');
  const __m128i letter_gap = _mm_set1_epi8('a' - '0' - 10);
  auto chars = [&](__m128i nibbles) {
    const __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(nibbles, nine), letter_gap);
    return _mm_add_epi8(_mm_add_epi8(nibbles, zero_char), letters);
  };
  for (int half = 0; half < 2; ++half) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(digest + 16 * half));
    const __m128i high = chars(_mm_and_si128(_mm_srli_epi16(bytes, 4), low_mask));
    const __m128i low = chars(_mm_and_si128(bytes, low_mask));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32 * half), _mm_unpacklo_epi8(high, low));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32 * half + 16), _mm_unpackhi_epi8(high, low));
  }
#else
  for (int i = 0; i < 32; ++i) std::memcpy(out + 2 * i, kHexPairs.data() + 2 * digest[i], 2);
#endif
}

}  // namespace

void Sha256HexTo(std::string_view bytes, char out[64]) {
  SHA256_CTX ctx;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, bytes.data(), bytes.size());
  SHA256_Final(digest, &ctx);
  HexOfDigest(digest, out);
}
std::string Sha256Hex(std::string_view bytes) {
  std::string s(64, '\0');
  Sha256HexTo(bytes, s.data());
  return s;
}

void SetChecksum(Event* e) {
  if (!e->checksum) e->checksum.emplace();
  e->checksum->resize(64);
  Sha256HexTo(e->payload, e->checksum->data());
}

}  // namespace evpipe::event
