// One segment of a partition log (internal to PartitionLog): the .log file of
// whole batches, its sparse in-memory offset index and the .index file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::broker::storage {

struct IndexEntry {
  uint32_t relative_offset = 0;  // batch base offset - segment base offset
  uint32_t position = 0;         // byte position of the batch in the .log file
};

struct Segment {
  int64_t base_offset = 0;
  std::string log_path;
  std::string index_path;
  std::shared_ptr<io::RandomAccessFile> reader;
  int64_t size = 0;               // bytes of whole, checked batches
  int64_t last_offset = -1;       // -1 while empty
  int64_t max_timestamp = -1;     // newest batch maxTimestamp, for retention by age
  int64_t created_ms = 0;         // broker time the segment was created or opened
  std::vector<IndexEntry> index;  // ascending; the first batch is always indexed
  int64_t bytes_since_index = 0;
  bool index_written = false;     // the .index file matches size/last_offset
  bool verified = true;           // every batch CRC-checked since Open (false: trusted by its index)

  bool empty() const { return size == 0; }
  // Records a batch appended at `position` with header `h` (offsets assigned).
  void Add(const batch::BatchHeader& h, int64_t position, int64_t index_interval_bytes);
  // Position of the last indexed batch whose base offset <= offset (0 if none).
  int64_t IndexLookup(int64_t offset) const;
  // Largest indexed batch position p with from < p <= limit, or -1.
  int64_t IndexBoundaryAtMost(int64_t from, int64_t limit) const;

  std::string EncodeIndex() const;
  // Loads an .index file written by EncodeIndex; false when it does not check out.
  bool DecodeIndex(std::string_view data);
};

// "00000000000000001234" + suffix.
std::string SegmentFileName(int64_t base_offset, std::string_view suffix);

// Reads the batches of [from, to) of a file in chunks of about `chunk_bytes`
// (a larger batch is read whole, up to max_batch_bytes). Calls `fn(position,
// header, batch_bytes)` for each; stops at the first batch that is torn, too
// long or (when verify) fails its CRC, reporting where and why.
struct ScanResult {
  int64_t end = 0;  // position after the last good batch
  batch::FrameCheck stop = batch::FrameCheck::kOk;
  bool fn_stopped = false;
};
using BatchFn = std::function<bool(int64_t position, const batch::BatchHeader& h, std::string_view batch)>;
Result<ScanResult> ScanBatches(const io::RandomAccessFile& file, int64_t from, int64_t to, bool verify,
                               int64_t max_batch_bytes, const BatchFn& fn);

}  // namespace evpipe::broker::storage
