// The raw side of raw-to-parquet: which dates and files exist, and read-only
// memory maps of complete raw files (docs/formats/raw_to_parquet.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/file_system.h"

namespace evpipe::jobs {

// Dates are checked with event::ParseDate (the one calendar); folders are named
// by io::DatePartitionDir (the one path rule).

// Where the lines of a raw file start: after a UTF-8 byte order mark at its
// very beginning (an editor's export), so that the first event is kept.
uint64_t RawDataStart(std::string_view data);

struct RawFile {
  std::string name;  // e.g. "part-00000.ndjson"
  std::string path;
  uint64_t size = 0;
};

// The complete raw files of one date directory, sorted by name: regular files
// named *.ndjson that are not hidden (the sink writes ".<name>" temp files and
// renames them when complete). NotFound when the directory does not exist.
Result<std::vector<RawFile>> ListRawFiles(io::FileSystem& fs, const std::string& date_dir);

// Dates that have a raw partition under <raw_root>/<topic>, sorted. Directories
// named ingest_date=<not a date> are skipped. NotFound when the topic directory
// does not exist.
Result<std::vector<std::string>> ListRawDates(io::FileSystem& fs, std::string_view raw_root,
                                              std::string_view topic);

// A read-only, private memory map of a whole file. Owned by one job; data() may
// be read from any thread. Release() drops pages from this process's resident
// set (they stay in the page cache and are read back on the next access): the
// job calls it behind itself so that peak memory stays far below the input size.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  static Result<MappedFile> Open(const std::string& path);

  std::string_view data() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  // Drops the whole pages inside [begin, end) from memory (a hint; no-op on error).
  void Release(uint64_t begin, uint64_t end) const;
  void ReleaseAll() const { Release(0, size_); }

 private:
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace evpipe::jobs
