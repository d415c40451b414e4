// A read-only memory map of a whole file: the one way evpipe maps files (the
// raw-to-parquet job reads raw files through it, produce --from its input).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe::io {

struct MapOptions {
  // Fault every page in at Open (MAP_POPULATE): for a reader that walks the
  // whole file at once. Either way the kernel is told the reads are sequential.
  bool populate = false;
};

// A private, read-only map. Owned by one user; data() may be read from any
// thread. An empty file, or one that is not a regular file (a pipe, a
// device), maps to nothing: size() 0 and an empty data(). Release() drops
// pages from this process's resident set (they stay in the page cache and are
// read back on the next access), so that a reader can keep its peak memory far
// below the file's size.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Errors (from errno) name the path: "open <path>", "stat <path>", "mmap <path>".
  static Result<MappedFile> Open(const std::string& path, MapOptions options = {});

  std::string_view data() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  // Drops the whole pages inside [begin, end) from memory (a hint; no-op on error).
  void Release(uint64_t begin, uint64_t end) const;
  void ReleaseAll() const { Release(0, size_); }

 private:
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace evpipe::io
