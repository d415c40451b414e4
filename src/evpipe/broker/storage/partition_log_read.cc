// PartitionLog's read side: the slice of a segment a fetch serves (with the
// CRC check of batches in sealed segments trusted at Open), and the offset
// for a timestamp (ListOffsets).
#include <algorithm>
#include <limits>

#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/storage/partition_log.h"
#include "evpipe/broker/storage/partition_log_internal.h"
#include "evpipe/broker/storage/segment.h"
#include "evpipe/core/logging.h"
#include "fmt/core.h"

namespace evpipe::broker::storage {
namespace {

// In an uncompressed batch, the first record with timestamp >= ts: (offset, timestamp).
bool FindRecordAtTime(std::string_view data, const batch::BatchHeader& h, int64_t ts, TimestampOffset* out) {
  if (h.compression() != batch::kCodecNone || (h.attributes & batch::kAttrLogAppendTime) != 0) return false;
  std::string_view in = data.substr(batch::kBatchHeaderBytes);
  std::string why;
  for (int32_t i = 0; i < h.record_count; ++i) {
    batch::RecordView r;
    if (!batch::ParseRecord(in, &r, &why)) return false;
    if (h.base_timestamp + r.timestamp_delta >= ts) {
      out->offset = h.base_offset + r.offset_delta;
      out->timestamp = h.base_timestamp + r.timestamp_delta;
      return true;
    }
  }
  return false;
}

}  // namespace

Result<FileSlice> PartitionLog::SliceLocked(int64_t offset, int32_t max_bytes) {
  if (closed_) return Status::Unavailable("partition " + name_ + " is closed or deleted");
  const int64_t hwm = high_watermark_.load();
  if (offset < log_start_offset_.load() || offset > hwm) {
    return Status::NotFound(fmt::format("offset {} out of range [{}, {}] in partition {}", offset,
                                        log_start_offset_.load(), hwm, name_));
  }
  FileSlice slice;
  if (offset == hwm) return slice;
  auto it = segments_.upper_bound(offset);
  --it;
  // Skip empty segments and gaps: the batch containing offset is in the first
  // segment whose last offset reaches it.
  while (it != segments_.end() && it->second->last_offset < offset) ++it;
  if (it == segments_.end()) return slice;
  const Segment& seg = *it->second;
  int64_t pos = std::max<int64_t>(0, seg.IndexLookup(offset));
  // Walk batch headers from the index entry to the batch holding `offset`.
  int64_t first_total = 0;
  {
    const int64_t window = std::min<int64_t>(seg.size - pos, options_.index_interval_bytes * 2 + 4096);
    std::string buf(static_cast<size_t>(window), '\0');
    EVPIPE_ASSIGN_OR_RETURN(size_t got, seg.reader->ReadAt(static_cast<uint64_t>(pos), buf.size(), buf.data()));
    buf.resize(got);
    int64_t buf_pos = pos;
    char header[batch::kBatchHeaderBytes];
    for (;;) {
      if (pos >= seg.size) return Status::Internal(fmt::format("offset {} not found in {}", offset, seg.log_path));
      const char* p;
      if (pos + static_cast<int64_t>(batch::kBatchHeaderBytes) <= buf_pos + static_cast<int64_t>(buf.size())) {
        p = buf.data() + (pos - buf_pos);
      } else {
        EVPIPE_ASSIGN_OR_RETURN(size_t n, seg.reader->ReadAt(static_cast<uint64_t>(pos), sizeof header, header));
        if (n != sizeof header) return Status::Corruption(fmt::format("{}: short read at {}", seg.log_path, pos));
        p = header;
      }
      int64_t total = int64_t{batch::LoadBe32(p + batch::kBatchLengthPos)} + int64_t{batch::kBatchLogOverhead};
      int64_t last = batch::LoadBe64(p + batch::kBaseOffsetPos) + batch::LoadBe32(p + batch::kLastOffsetDeltaPos);
      if (total < static_cast<int64_t>(batch::kBatchHeaderBytes) || pos + total > seg.size) {
        return Status::Corruption(fmt::format("{}: bad batch at position {}", seg.log_path, pos));
      }
      if (last >= offset) {
        first_total = total;
        break;
      }
      pos += total;
    }
  }
  int64_t end;
  if (seg.size - pos <= int64_t{max_bytes}) {
    end = seg.size;
  } else {
    end = seg.IndexBoundaryAtMost(pos, pos + std::max<int64_t>(max_bytes, 0));
    if (end < pos + first_total) end = pos + first_total;
  }
  slice.file = seg.reader;
  slice.unverified = !seg.verified;
  slice.position = static_cast<uint64_t>(pos);
  slice.length = static_cast<uint32_t>(end - pos);
  return slice;
}

Result<FileSlice> PartitionLog::ReadSlice(int64_t offset, int32_t max_bytes) {
  MutexLock lock(mu_);
  EVPIPE_ASSIGN_OR_RETURN(FileSlice slice, SliceLocked(offset, max_bytes));
  counters_.bytes_read += slice.length;
  return slice;
}

Result<std::string> PartitionLog::Read(int64_t offset, int32_t max_bytes) {
  FileSlice slice;
  {
    MutexLock lock(mu_);
    EVPIPE_ASSIGN_OR_RETURN(slice, SliceLocked(offset, max_bytes));
  }
  std::string out;
  if (slice.length == 0) return out;
  out.resize(slice.length);
  EVPIPE_ASSIGN_OR_RETURN(size_t got, slice.file->ReadAt(slice.position, out.size(), out.data()));
  if (got != out.size()) {
    return Status::Corruption(fmt::format("{}: short read at {} ({} of {} bytes)", slice.file->path(),
                                          slice.position, got, out.size()));
  }
  if (slice.unverified) {
    // A sealed segment trusted by its index at Open: check each batch now.
    std::string_view rest = out;
    while (!rest.empty()) {
      batch::BatchHeader h;
      if (batch::CheckFrame(rest, kRecoveryMaxBatchBytes, /*verify_crc=*/true, &h) != batch::FrameCheck::kOk) break;
      rest.remove_prefix(static_cast<size_t>(h.total_bytes()));
    }
    if (!rest.empty()) {
      const uint64_t bad_at = slice.position + (out.size() - rest.size());
      counters_.crc_failures_on_read++;
      log::Error("partition {}: {}: the batch at position {} fails its CRC-32C check (disk damage); not served",
                 name_, slice.file->path(), bad_at);
      out.resize(out.size() - rest.size());
      if (out.empty()) {
        return Status::Corruption(fmt::format("{}: batch at position {} fails its CRC-32C check (disk damage)",
                                              slice.file->path(), bad_at));
      }
    }
  }
  counters_.bytes_read += static_cast<int64_t>(out.size());
  return out;
}

Result<TimestampOffset> PartitionLog::OffsetForTimestamp(int64_t ts_ms) {
  MutexLock lock(mu_);
  EVPIPE_RETURN_IF_ERROR(UsableLocked());
  TimestampOffset found;
  for (auto& [base, seg] : segments_) {
    if (seg->empty() || seg->max_timestamp < ts_ms) continue;
    EVPIPE_ASSIGN_OR_RETURN(
        ScanResult r, ScanBatches(*seg->reader, 0, seg->size, /*verify=*/true,
                                  std::max(options_.max_message_bytes, kRecoveryMaxBatchBytes),
                                  [&](int64_t, const batch::BatchHeader& h, std::string_view bytes) {
                                    if (h.max_timestamp < ts_ms) return true;
                                    if (!FindRecordAtTime(bytes, h, ts_ms, &found)) {
                                      found.offset = h.base_offset;  // compressed: the batch start
                                      found.timestamp = h.max_timestamp;
                                    }
                                    return false;
                                  }));
    if (r.fn_stopped) return found;
  }
  return found;
}

}  // namespace evpipe::broker::storage
