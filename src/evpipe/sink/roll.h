// One open roll of one partition: the in-progress files (one per ingest date,
// plus quarantine files) that will be published together as one atomic unit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/sink/layout.h"
#include "evpipe/sink/roll_state.h"

namespace evpipe::sink {

// Folders created (mkdir -p) whose entries must be made durable in their
// parents before anything that depends on them is: Add creates a folder at
// once; MakeDurable fsyncs each distinct parent once (up to `stop_at`), before
// the state that names files in them is written. A folder made durable once is
// remembered for the process, so later rolls skip it.
class DurableDirs {
 public:
  // Creates `dir` (and missing parents up to `stop_at`, which must exist or be created too).
  Status Add(io::FileSystem& fs, const std::string& dir, const std::string& stop_at);
  Status MakeDurable(io::FileSystem& fs);
  void Clear() { pending_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> pending_;  // (dir, stop_at)
};

// Owned by the sink's consumer thread. Lines are appended in offset order;
// Publish makes them all durable and visible at once, Discard drops them.
// Memory is bounded by the write buffer of each open file, whatever the
// number of records.
class Roll {
 public:
  Roll(io::FileSystem& fs, const Layout& layout, int32_t partition, int64_t opened_us);
  ~Roll();
  Roll(const Roll&) = delete;
  Roll& operator=(const Roll&) = delete;

  // Appends `value` + '\n' to the raw file of `date`.
  Status AddLine(std::string_view date, std::string_view value, int64_t offset);
  // Appends a ready quarantine line (with its '\n') to the quarantine file of
  // `date` ("" = unknown).
  Status AddQuarantine(std::string_view date, std::string_view line, int64_t offset);

  bool empty() const { return last_offset_ < 0; }
  int64_t first_offset() const { return first_offset_; }
  int64_t last_offset() const { return last_offset_; }
  int64_t opened_us() const { return opened_us_; }
  uint64_t largest_file_bytes() const { return largest_file_bytes_; }
  size_t open_files() const { return files_.size(); }

  // Publishes the roll: fsyncs (all at once) and closes every file, stores the partition
  // state (next offset = last offset + 1, the files of this roll) -- the
  // instant the roll becomes durable --, renames the files into place and
  // fsyncs their folders. The caller holds the partition's lock and has
  // checked that RAW_DIR's state is the one this roll follows.
  Status Publish(PartitionState* published);

  // Makes every byte appended so far to the rolls' files durable (fsync),
  // all files at once; Publish then has only the state and the renames left.
  // Publishes nothing: a crash before Publish leaves the files hidden.
  static Status SyncFiles(const std::vector<Roll*>& rolls);

  // Closes and removes the in-progress files (after a failure or a fence).
  void Discard();

 private:
  struct File {
    bool quarantine = false;
    std::string date;
    std::string dir;
    std::unique_ptr<io::WritableFile> file;
    int64_t first = -1;
    int64_t last = -1;
    uint64_t writeback_at = 0;  // Size() when writeback was last started
    bool synced = false;        // fsynced since its last append
  };

  Result<File*> FileFor(bool quarantine, std::string_view date, int64_t offset);
  void Track(File* f, int64_t offset);

  io::FileSystem& fs_;
  const Layout& layout_;
  int32_t partition_;
  int64_t opened_us_;
  int64_t first_offset_ = -1;
  int64_t last_offset_ = -1;
  uint64_t largest_file_bytes_ = 0;
  std::vector<File> files_;
  File* last_file_ = nullptr;  // the file the previous line went to (dates repeat)
  DurableDirs new_dirs_;        // folders this roll created, made durable by Publish
};

}  // namespace evpipe::sink
