// Copying short strings (ids, names, numbers' text: mostly under 32 bytes)
// inline. A memcpy of a length the compiler cannot see is a call through the
// PLT into glibc's size dispatch; for the text writers that call was a tenth
// of gen's time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace evpipe {

// memcpy(dst, src, n), for buffers that do not overlap. Up to 32 bytes with
// two (possibly overlapping) fixed-size copies of each end, longer ones by memcpy.
inline void CopyShort(char* dst, const char* src, size_t n) {
  if (n >= 8) {
    if (n > 32) {
      std::memcpy(dst, src, n);
    } else if (n > 16) {
      std::memcpy(dst, src, 16);
      std::memcpy(dst + n - 16, src + n - 16, 16);
    } else {
      std::memcpy(dst, src, 8);
      std::memcpy(dst + n - 8, src + n - 8, 8);
    }
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else if (n > 0) {
    // 1 to 3 bytes: first, middle and last (some the same byte).
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

}  // namespace evpipe
