// glibc heap settings for the commands that churn multi-MiB buffers (the
// broker's fetch responses, librdkafka's ~1 MB produce requests). Past glibc's
// default thresholds each such buffer is a fresh mmap, or heap growth trimmed
// again at free: a page fault and a page zeroing per 4 KiB. Freed blocks up
// to 32 MiB stay in the heap for reuse; `trim_bytes` bounds how much freed
// memory at the heap's top is kept before it goes back to the kernel.
#pragma once

#include <malloc.h>

#include <cstddef>

namespace evpipe::cli {

inline void KeepLargeBuffersOnTheHeap(size_t trim_bytes) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_bytes));
}

}  // namespace evpipe::cli
