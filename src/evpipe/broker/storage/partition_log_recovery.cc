// PartitionLog::Recover: what Open does to a partition directory after a
// clean stop or a crash (rules in docs/formats/broker_storage.md, "Recovery").
//
// - The checkpoint gives the recovery point: offsets below it were fsynced and
//   their sealed segments indexed; its producer snapshot covers exactly them.
// - A sealed segment whose index checks out is trusted without a scan. Bytes
//   after its indexed end cannot be batches (the index is written after the
//   segment's last fsync): they are cut and logged, nothing is lost. Its
//   batches are CRC-checked when read (PartitionLog::Read).
// - Any other segment (the newest always) is scanned and CRC-checked; it is
//   cut at the first torn or damaged batch.
// - A cut never deletes the segments after it: their offsets stay where they
//   are. When the cut lost offsets (damage in a sealed segment), the log has a
//   gap, logged as an error; consumers skip it as they skip compacted offsets,
//   and no offset is ever handed out twice.
// - A gap with no batch after it (the newest segment is empty) is bridged by
//   a gap batch: a record batch with no records covering the lost offsets, in
//   a segment of its own. Without it a fetch there would answer nothing while
//   the high watermark is above it, and a consumer would wait for ever.
// - A sealed segment's batches end below the next segment's base; batches that
//   reach it (a hand-made or damaged directory) are cut like damage.
#include <algorithm>
#include <limits>

#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/storage/checkpoint.h"
#include "evpipe/broker/storage/partition_log.h"
#include "evpipe/broker/storage/partition_log_internal.h"
#include "evpipe/broker/storage/producer_state.h"
#include "evpipe/broker/storage/segment.h"
#include "evpipe/core/logging.h"
#include "fmt/core.h"

namespace evpipe::broker::storage {
namespace {

bool ParseSegmentName(std::string_view name, int64_t* base) {
  if (name.size() != 20 + kLogSuffix.size() || name.substr(20) != kLogSuffix) return false;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    if (v > (std::numeric_limits<int64_t>::max() - (name[i] - '0')) / 10) return false;
    v = v * 10 + (name[i] - '0');
  }
  *base = v;
  return true;
}

// Gap batches bridge at most this many segments of lost offsets (each up to
// kMaxRelativeOffset + 1 offsets); a larger gap can only come from hand-made
// file names and is left to the next append (a fetch then skips to it).
constexpr int kMaxGapSegments = 4;

// A v2 record batch with no records covering offsets [base, last]: what Kafka's
// log cleaner leaves for a batch whose records are all gone. Consumers move past
// it to last + 1 (librdkafka and the Java client follow LastOffsetDelta).
std::string GapBatch(int64_t base, int64_t last, int64_t now_ms) {
  std::string b(batch::kBatchHeaderBytes, '\0');
  batch::SetBaseOffset(b.data(), base);
  batch::StoreBe32(&b[batch::kBatchLengthPos], static_cast<int32_t>(b.size() - batch::kBatchLogOverhead));
  batch::StoreBe32(&b[batch::kPartitionLeaderEpochPos], 0);
  b[batch::kMagicPos] = 2;
  batch::StoreBe32(&b[batch::kLastOffsetDeltaPos], static_cast<int32_t>(last - base));
  batch::StoreBe64(&b[batch::kBaseTimestampPos], now_ms);  // ages out with retention.ms like any batch
  batch::StoreBe64(&b[batch::kMaxTimestampPos], now_ms);
  batch::StoreBe64(&b[batch::kProducerIdPos], -1);
  batch::StoreBe16(&b[batch::kProducerEpochPos], -1);
  batch::StoreBe32(&b[batch::kBaseSequencePos], -1);
  batch::StoreBe32(&b[batch::kRecordCountPos], 0);
  batch::StoreBeU32(&b[batch::kCrcPos], batch::ComputeBatchCrc(b));
  return b;
}

}  // namespace

Status PartitionLog::BridgeTrailingGapLocked(int64_t now_ms) {
  if (segments_.size() < 2) return Status::Ok();
  const Segment& active = *segments_.rbegin()->second;
  if (!active.empty()) return Status::Ok();  // a fetch in a gap gets the next batch
  const int64_t end = active.base_offset;
  int64_t from = std::next(segments_.rbegin())->second->last_offset + 1;  // sealed segments are never empty here
  if (from >= end) return Status::Ok();
  log::Error("recovery: partition {}: no batch after the lost offsets {}..{}; a gap batch marks them so that "
             "consumers move past them",
             name_, from, end - 1);
  for (int i = 0; i < kMaxGapSegments && from < end; ++i) {
    const int64_t last = std::min(end - 1, from + kMaxRelativeOffset);
    auto seg = std::make_unique<Segment>();
    seg->base_offset = from;
    seg->log_path = io::JoinPath(dir_, SegmentFileName(from, kLogSuffix));
    seg->index_path = io::JoinPath(dir_, SegmentFileName(from, kIndexSuffix));
    seg->created_ms = now_ms;
    const std::string gap = GapBatch(from, last, now_ms);
    EVPIPE_ASSIGN_OR_RETURN(auto w, fs_.NewWritableFile(seg->log_path));
    EVPIPE_RETURN_IF_ERROR(w->AppendAndFlush(gap, {}));
    EVPIPE_RETURN_IF_ERROR(w->Sync());
    EVPIPE_RETURN_IF_ERROR(w->Close());
    EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(dir_));
    EVPIPE_ASSIGN_OR_RETURN(auto r, fs_.NewRandomAccessFile(seg->log_path));
    seg->reader = std::move(r);
    seg->Add(batch::DecodeBatchHeader(gap.data()), 0, options_.index_interval_bytes);
    size_bytes_ += seg->size;
    segments_.emplace(from, std::move(seg));
    from = last + 1;
  }
  if (from < end) {
    log::Error("recovery: partition {}: offsets {}..{} stay a gap without a batch; a fetch there answers nothing "
               "until the next append",
               name_, from, end - 1);
  }
  return Status::Ok();
}

Status PartitionLog::Recover() {
  MutexLock lock(mu_);
  const bool existed = fs_.Exists(dir_);
  EVPIPE_RETURN_IF_ERROR(fs_.CreateDirs(dir_));
  // A new partition directory must itself be durable before its data is.
  if (!existed) EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(io::DirName(dir_)));
  EVPIPE_ASSIGN_OR_RETURN(auto entries, fs_.ListDir(dir_));
  std::vector<int64_t> bases;
  for (const io::DirEntry& e : entries) {
    int64_t base = 0;
    if (ParseSegmentName(e.name, &base)) {
      bases.push_back(base);
    } else if (e.name.size() > 4 && e.name.substr(e.name.size() - 4) == ".tmp") {
      (void)fs_.Remove(io::JoinPath(dir_, e.name));  // a checkpoint/index write cut short
    }
  }
  std::sort(bases.begin(), bases.end());

  int64_t rp = 0;
  bool have_snapshot = false;
  {
    auto data = fs_.ReadFile(io::JoinPath(dir_, std::string(kCheckpointFileName)));
    if (data.ok()) {
      std::optional<Checkpoint> cp = DecodeCheckpoint(*data);
      if (cp && producers_->Parse(cp->producer_snapshot).ok()) {
        rp = cp->recovery_point;
        have_snapshot = true;
      } else {
        log::Warn("partition {}: checkpoint does not check out; scanning the whole log", name_);
      }
    } else if (data.status().code() != StatusCode::kNotFound) {
      return data.status();
    }
  }
  if (!have_snapshot) {
    rp = 0;
    producers_->Clear();
  }

  const int64_t now = NowMs();
  if (bases.empty()) {
    // A new partition, or one whose files were removed: never reuse offsets we
    // know were handed out.
    auto seg = std::make_unique<Segment>();
    seg->base_offset = rp;
    seg->log_path = io::JoinPath(dir_, SegmentFileName(rp, kLogSuffix));
    seg->index_path = io::JoinPath(dir_, SegmentFileName(rp, kIndexSuffix));
    seg->created_ms = now;
    seg->verified = true;
    EVPIPE_ASSIGN_OR_RETURN(auto w, fs_.NewWritableFile(seg->log_path));
    active_writer_ = std::move(w);
    EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(dir_));
    EVPIPE_ASSIGN_OR_RETURN(auto r, fs_.NewRandomAccessFile(seg->log_path));
    seg->reader = std::move(r);
    segments_.emplace(rp, std::move(seg));
    high_watermark_ = rp;
    log_start_offset_ = rp;
    durable_offset_ = rp;
    recovery_point_ = rp;
    return Status::Ok();
  }

  const int64_t max_batch = std::max(options_.max_message_bytes, kRecoveryMaxBatchBytes);
  bool lost_below_rp = false;  // damage cut offsets the producer snapshot covers
  ProducerStateTable* producers = producers_.get();
  for (size_t i = 0; i < bases.size(); ++i) {
    auto seg = std::make_unique<Segment>();
    seg->base_offset = bases[i];
    seg->log_path = io::JoinPath(dir_, SegmentFileName(bases[i], kLogSuffix));
    seg->index_path = io::JoinPath(dir_, SegmentFileName(bases[i], kIndexSuffix));
    seg->created_ms = now;
    EVPIPE_ASSIGN_OR_RETURN(uint64_t file_size, fs_.FileSize(seg->log_path));
    EVPIPE_ASSIGN_OR_RETURN(auto reader, fs_.NewRandomAccessFile(seg->log_path));
    seg->reader = std::move(reader);

    const bool last = i + 1 == bases.size();
    auto index_data = last ? Result<std::string>(Status::NotFound(seg->index_path)) : fs_.ReadFile(seg->index_path);
    const bool trusted = !last && index_data.ok() && seg->DecodeIndex(*index_data) &&
                         seg->size <= static_cast<int64_t>(file_size) && seg->last_offset < rp &&
                         seg->last_offset < bases[i + 1];
    if (trusted) {
      seg->verified = false;  // CRC-checked on read
      if (seg->size < static_cast<int64_t>(file_size)) {
        const int64_t stray = static_cast<int64_t>(file_size) - seg->size;
        log::Warn("recovery: {}: {} stray bytes after the indexed end at position {}; cut (no batch lost)",
                  seg->log_path, stray, seg->size);
        counters_.recovery_truncated_bytes += stray;
        EVPIPE_RETURN_IF_ERROR(fs_.Truncate(seg->log_path, static_cast<uint64_t>(seg->size)));
      }
    } else {
      seg->size = 0;
      seg->last_offset = -1;
      seg->max_timestamp = -1;
      seg->index.clear();
      seg->bytes_since_index = 0;
      seg->index_written = false;
      seg->verified = true;
      int64_t expected = seg->base_offset;
      const int64_t interval = options_.index_interval_bytes;
      Segment* sp = seg.get();
      bool offset_gap = false;
      EVPIPE_ASSIGN_OR_RETURN(
          ScanResult scan,
          ScanBatches(*seg->reader, 0, static_cast<int64_t>(file_size), /*verify=*/true, max_batch,
                      [&](int64_t pos, const batch::BatchHeader& h, std::string_view) {
                        if (h.base_offset != expected || h.last_offset_delta < 0 ||
                            h.last_offset() - sp->base_offset > kMaxRelativeOffset ||
                            (!last && h.last_offset() >= bases[i + 1])) {
                          offset_gap = true;
                          return false;
                        }
                        sp->Add(h, pos, interval);
                        expected = h.last_offset() + 1;
                        if (h.producer_id >= 0 && h.base_offset >= rp) producers->Update(h, now);
                        return true;
                      }));
      if (scan.end < static_cast<int64_t>(file_size)) {
        std::string why = offset_gap ? "offsets out of sequence" : std::string(batch::FrameCheckName(scan.stop));
        const int64_t cut = static_cast<int64_t>(file_size) - scan.end;
        log::Warn("recovery: {}: {} at position {}; truncated to the last good batch, cutting {} bytes",
                  seg->log_path, why, scan.end, cut);
        counters_.recovery_truncated_bytes += cut;
        EVPIPE_RETURN_IF_ERROR(fs_.Truncate(seg->log_path, static_cast<uint64_t>(scan.end)));
        const int64_t cut_at = seg->last_offset >= 0 ? seg->last_offset + 1 : seg->base_offset;
        if (!last && cut_at < bases[i + 1]) {
          log::Error("recovery: partition {}: offsets {}..{} lost to damage in {}; the later segments are kept",
                     name_, cut_at, bases[i + 1] - 1, seg->log_path);
        }
        if (cut_at < rp) lost_below_rp = true;
      }
    }
    if (!last && seg->empty()) {
      // Nothing of a sealed segment survived: drop its files (its offsets are a gap).
      log::Warn("recovery: {}: no whole batch left; removed", seg->log_path);
      seg->reader.reset();
      EVPIPE_RETURN_IF_ERROR(fs_.Remove(seg->log_path));
      (void)fs_.Remove(seg->index_path);
      continue;
    }
    size_bytes_ += seg->size;
    int64_t base = seg->base_offset;
    segments_.emplace(base, std::move(seg));
  }

  if (lost_below_rp) {
    // Bytes below the recovery point were lost (disk damage): the producer
    // snapshot may describe batches that are gone, so rebuild it from the log.
    log::Warn("partition {}: data below the recovery point {} was cut; rebuilding producer state", name_, rp);
    producers->Clear();
    for (auto& [base, seg] : segments_) {
      EVPIPE_RETURN_IF_ERROR(ScanBatches(*seg->reader, 0, seg->size, /*verify=*/false, max_batch,
                                         [&](int64_t, const batch::BatchHeader& h, std::string_view) {
                                           if (h.producer_id >= 0) producers->Update(h, now);
                                           return true;
                                         })
                                 .status());
    }
    rp = 0;
  }

  EVPIPE_RETURN_IF_ERROR(BridgeTrailingGapLocked(now));
  Segment& active = *segments_.rbegin()->second;
  high_watermark_ = active.last_offset >= 0 ? active.last_offset + 1 : active.base_offset;
  log_start_offset_ = segments_.begin()->first;
  EVPIPE_ASSIGN_OR_RETURN(auto w, fs_.OpenAppendable(active.log_path));
  active_writer_ = std::move(w);
  // What recovery kept may still be only in the page cache (the process died,
  // not the machine): make it durable before counting it as such.
  EVPIPE_RETURN_IF_ERROR(active_writer_->Sync());
  durable_offset_ = high_watermark_.load();
  recovery_point_ = std::min(rp, high_watermark_.load());
  // Sealed segments whose index was rebuilt get it written now.
  for (auto& [base, seg] : segments_) {
    if (seg.get() != &active && !seg->index_written) EVPIPE_RETURN_IF_ERROR(WriteIndexLocked(*seg));
  }
  log::Debug("partition {}: opened, offsets {}..{}, {} segments, {} producers", name_, log_start_offset_.load(),
             high_watermark_.load(), segments_.size(), producers_->size());
  return Status::Ok();
}

}  // namespace evpipe::broker::storage
