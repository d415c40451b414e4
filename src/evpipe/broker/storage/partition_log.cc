// PartitionLog: append, sync, roll and retention of one partition's segments
// (reads: partition_log_read.cc; recovery at Open: partition_log_recovery.cc).
#include "evpipe/broker/storage/partition_log.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "evpipe/broker/batch/crc32c.h"
#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/storage/checkpoint.h"
#include "evpipe/broker/storage/partition_log_internal.h"
#include "evpipe/broker/storage/producer_state.h"
#include "evpipe/broker/storage/segment.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"
#include "fmt/core.h"

namespace evpipe::broker::storage {

PartitionLog::PartitionLog(io::FileSystem& fs, std::string dir, LogOptions options, std::string name)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      name_(name.empty() ? io::BaseName(dir_) : std::move(name)),
      producers_(std::make_unique<ProducerStateTable>()) {
  options_.segment_bytes = std::clamp<int64_t>(options_.segment_bytes, 1024, kMaxSegmentBytes);
}

PartitionLog::~PartitionLog() {
  bool closed;
  {
    MutexLock lock(mu_);
    closed = closed_;
  }
  if (!closed) {
    Status s = Close();
    if (!s.ok()) log::Warn("partition {}: close: {}", name_, s.ToString());
  }
}

Result<std::unique_ptr<PartitionLog>> PartitionLog::Open(io::FileSystem& fs, std::string dir,
                                                         LogOptions options, std::string name) {
  std::unique_ptr<PartitionLog> log(new PartitionLog(fs, std::move(dir), options, std::move(name)));
  Status s = log->Recover();
  if (!s.ok()) {
    MutexLock lock(log->mu_);
    log->closed_ = true;  // nothing to checkpoint
    return s.WithContext("partition " + log->name_);
  }
  return log;
}

void PartitionLog::SetOptions(const LogOptions& options) {
  MutexLock lock(mu_);
  options_ = options;
  options_.segment_bytes = std::clamp<int64_t>(options_.segment_bytes, 1024, kMaxSegmentBytes);
}

int32_t PartitionLog::segment_count() const {
  MutexLock lock(mu_);
  return static_cast<int32_t>(segments_.size());
}

Status PartitionLog::UsableLocked() const {
  if (closed_) return Status::Unavailable("partition " + name_ + " is closed or deleted");
  if (!poisoned_.ok()) return poisoned_;
  return Status::Ok();
}

Status PartitionLog::WriteIndexLocked(Segment& seg) {
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(fs_, seg.index_path, seg.EncodeIndex()));
  seg.index_written = true;
  return Status::Ok();
}

Status PartitionLog::CheckpointLocked() {
  std::string out = EncodeCheckpoint({high_watermark_.load(), producers_->Serialize()});
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(fs_, io::JoinPath(dir_, std::string(kCheckpointFileName)), out));
  recovery_point_ = high_watermark_.load();
  return Status::Ok();
}

Status PartitionLog::SyncDirIfRolledLocked() {
  if (rolls_.segments_created_synced >= rolls_.segments_created) return Status::Ok();
  Status s = fs_.SyncDir(dir_);
  if (!s.ok()) return FsyncFailedLocked(s);
  rolls_.segments_created_synced = rolls_.segments_created;
  return Status::Ok();
}

Status PartitionLog::SyncLocked() {
  EVPIPE_RETURN_IF_ERROR(UsableLocked());
  EVPIPE_RETURN_IF_ERROR(SyncDirIfRolledLocked());
  const int64_t target = high_watermark_.load();
  if (durable_offset_.load() >= target) return Status::Ok();
  int64_t start = MonotonicMicros();
  Status s = active_writer_->Sync();
  if (!s.ok()) return FsyncFailedLocked(s);
  counters_.fsyncs++;
  counters_.fsync_micros += MonotonicMicros() - start;
  durable_offset_.store(target, std::memory_order_release);
  return Status::Ok();
}

Status PartitionLog::FsyncFailedLocked(const Status& s) {
  if (poisoned_.ok()) {
    poisoned_ = Status(s.code(), "partition " + name_ + ": an fsync failed, appends refused until restart: " +
                                     s.message());
    log::Error("{}", poisoned_.message());
  }
  return s.WithContext("partition " + name_);
}

Status PartitionLog::Sync() {
  {
    // One fsync at a time per partition; appends and reads go on meanwhile (the
    // fsync goes through the segment's read handle, not the writer).
    MutexLock sync_lock(sync_mu_);
    int64_t target;
    int64_t created;
    bool dir_due;
    std::shared_ptr<io::RandomAccessFile> file;
    {
      MutexLock lock(mu_);
      EVPIPE_RETURN_IF_ERROR(UsableLocked());
      target = high_watermark_.load();
      created = rolls_.segments_created;
      dir_due = rolls_.segments_created_synced < created;
      // Append hands every batch to the kernel before returning, and a roll
      // fsyncs the segment it seals, so syncing the active file covers target.
      if (durable_offset_.load() < target) file = segments_.rbegin()->second->reader;
    }
    if (dir_due) {
      // The segment files the rolls created: their names must be durable
      // before their data counts as such.
      Status s = fs_.SyncDir(dir_);
      MutexLock lock(mu_);
      if (!s.ok()) return FsyncFailedLocked(s);
      rolls_.segments_created_synced = std::max(rolls_.segments_created_synced, created);
    }
    if (file != nullptr) {
      int64_t start = MonotonicMicros();
      Status s = file->Sync();
      MutexLock lock(mu_);
      if (!s.ok()) return FsyncFailedLocked(s);
      counters_.fsyncs++;
      counters_.fsync_micros += MonotonicMicros() - start;
      if (durable_offset_.load() < target) durable_offset_.store(target, std::memory_order_release);
    }
  }
  return WriteRollFilesAfterSync();
}

Status PartitionLog::WriteRollFilesAfterSync() {
  MutexLock files_lock(roll_files_mu_);
  struct Due {
    int64_t base;
    std::string path;
    std::string data;
  };
  std::vector<Due> indexes;
  std::string checkpoint;
  int64_t point;
  {
    MutexLock lock(mu_);
    if (closed_ || (rolls_.unwritten_indexes.empty() && rolls_.checkpoint_point < 0)) return Status::Ok();
    for (int64_t base : rolls_.unwritten_indexes) {
      auto it = segments_.find(base);
      if (it != segments_.end() && !it->second->index_written) {
        indexes.push_back({base, it->second->index_path, it->second->EncodeIndex()});
      }
    }
    rolls_.unwritten_indexes.clear();
    checkpoint = std::move(rolls_.checkpoint);
    point = rolls_.checkpoint_point;
    rolls_.checkpoint_point = -1;
  }
  // Both are optimisations for the next Open (a sealed segment without an
  // index is scanned, a missing checkpoint means a longer scan): a failure is
  // logged and loses nothing. A sealed segment's data was fsynced at its roll,
  // so its index may be written now; the checkpoint goes after the indexes.
  bool indexes_ok = true;
  for (const Due& d : indexes) {
    Status s = io::WriteFileAtomically(fs_, d.path, d.data);
    MutexLock lock(mu_);
    if (!s.ok()) {
      indexes_ok = false;
      log::Warn("partition {}: index of segment {}: {}", name_, d.base, s.ToString());
      continue;
    }
    auto it = segments_.find(d.base);
    if (it == segments_.end()) {
      (void)fs_.Remove(d.path);  // retention deleted the segment meanwhile
    } else {
      it->second->index_written = true;
    }
  }
  if (point < 0 || !indexes_ok) return Status::Ok();
  Status c = io::WriteFileAtomically(fs_, io::JoinPath(dir_, std::string(kCheckpointFileName)), checkpoint);
  MutexLock lock(mu_);
  if (!c.ok()) {
    log::Warn("partition {}: checkpoint: {}", name_, c.ToString());
  } else if (!closed_) {
    recovery_point_ = std::max(recovery_point_, point);
  }
  return Status::Ok();
}

Status PartitionLog::RollLocked(int64_t now_ms) {
  Segment& old = *segments_.rbegin()->second;
  // The sealed segment's data is fsynced before the new one gets any, so a
  // crash never leaves a newer segment's batches after a torn older one.
  EVPIPE_RETURN_IF_ERROR(SyncLocked());
  EVPIPE_RETURN_IF_ERROR(active_writer_->Close());
  const int64_t base = high_watermark_.load();
  auto seg = std::make_unique<Segment>();
  seg->base_offset = base;
  seg->log_path = io::JoinPath(dir_, SegmentFileName(base, kLogSuffix));
  seg->index_path = io::JoinPath(dir_, SegmentFileName(base, kIndexSuffix));
  seg->created_ms = now_ms;
  auto w = fs_.NewWritableFile(seg->log_path);
  if (!w.ok()) {
    poisoned_ = w.status();  // no file to append to any more
    return w.status();
  }
  auto r = fs_.NewRandomAccessFile(seg->log_path);
  if (!r.ok()) {
    poisoned_ = r.status();
    return r.status();
  }
  seg->reader = std::move(r).value();
  active_writer_ = std::move(w).value();
  ++rolls_.segments_created;
  // The index and the checkpoint (about 4 fsyncs) are the next Sync's: the
  // appending thread (the broker's I/O thread) does not wait for them.
  rolls_.unwritten_indexes.push_back(old.base_offset);
  rolls_.checkpoint = EncodeCheckpoint({base, producers_->Serialize()});
  rolls_.checkpoint_point = base;
  segments_.emplace(base, std::move(seg));
  log::Debug("partition {}: rolled to segment {}", name_, base);
  return Status::Ok();
}

Result<AppendResult> PartitionLog::Append(std::string_view records) {
  MutexLock lock(mu_);
  EVPIPE_RETURN_IF_ERROR(UsableLocked());
  AppendResult res;
  res.log_start_offset = log_start_offset_.load();
  auto refuse = [&](AppendError e, std::string message) {
    res.error = e;
    res.error_message = std::move(message);
    counters_.rejected++;
    return res;
  };
  // Every batch is validated before any is written: a bad one refuses the set.
  std::string_view rest;
  std::vector<std::string_view> batches = batch::SplitBatches(records, &rest);
  if (!rest.empty() || batches.empty()) {
    batch::FrameCheck f = batch::CheckFrame(rest, options_.max_message_bytes, /*verify_crc=*/false, nullptr);
    if (f == batch::FrameCheck::kOk) f = batch::FrameCheck::kTooShort;
    return refuse(AppendError::kCorruptMessage,
                  fmt::format("record batch at byte {}: {}", records.size() - rest.size(), batch::FrameCheckName(f)));
  }
  std::vector<batch::BatchHeader> headers(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    batch::BatchVerdict v = batch::ValidateBatch(batches[i], options_.max_message_bytes, &headers[i]);
    if (!v.ok()) {
      std::string where = batches.size() > 1 ? fmt::format("batch {}: ", i) : std::string();
      return refuse(ToAppendError(v.error), where + v.reason);
    }
  }
  bool all_duplicates = true;
  for (size_t i = 0; i < batches.size(); ++i) {
    EVPIPE_ASSIGN_OR_RETURN(BatchAppend a, AppendOneLocked(batches[i], headers[i]));
    if (a.error != AppendError::kNone) return refuse(a.error, std::move(a.message));
    if (i == 0) res.base_offset = a.base_offset;
    res.last_offset = a.last_offset;
    if (a.duplicate) continue;
    all_duplicates = false;
    res.log_append_time = a.log_append_time;
    res.batches_appended++;
    res.records_appended += headers[i].record_count;
    res.bytes_appended += static_cast<int64_t>(batches[i].size());
  }
  res.duplicate = all_duplicates;
  return res;
}

Result<PartitionLog::BatchAppend> PartitionLog::AppendOneLocked(std::string_view bytes, batch::BatchHeader h) {
  BatchAppend res;
  if (h.producer_id >= 0) {
    ProducerStateTable::CheckResult c = producers_->Check(h);
    switch (c.verdict) {
      case ProducerStateTable::Verdict::kAppend:
        break;
      case ProducerStateTable::Verdict::kDuplicate:
        res.base_offset = c.duplicate_of.base_offset;
        res.last_offset = c.duplicate_of.last_offset;
        res.duplicate = true;
        counters_.duplicates++;
        return res;
      case ProducerStateTable::Verdict::kOutOfOrder:
        res.error = AppendError::kOutOfOrderSequence;
        res.message = std::move(c.message);
        return res;
      case ProducerStateTable::Verdict::kStaleEpoch:
        res.error = AppendError::kInvalidProducerEpoch;
        res.message = std::move(c.message);
        return res;
    }
  }

  const int64_t now = NowMs();
  {
    Segment& active = *segments_.rbegin()->second;
    const int64_t next_last = high_watermark_.load() + h.last_offset_delta;
    bool full = active.size + h.total_bytes() > options_.segment_bytes;
    bool old = options_.segment_ms >= 0 && now - active.created_ms > options_.segment_ms;
    bool offsets = next_last - active.base_offset > kMaxRelativeOffset;
    if (!active.empty() && (full || old || offsets)) {
      if (static_cast<int64_t>(segments_.size()) >= options_.max_segments) {
        res.error = AppendError::kPolicyViolation;
        res.message = fmt::format(
            "partition {} has {} segments, the limit (--max-segments-per-partition); lower retention or raise it",
            name_, segments_.size());
        return res;
      }
      EVPIPE_RETURN_IF_ERROR(RollLocked(now));
    }
  }
  Segment& active = *segments_.rbegin()->second;
  const int64_t position = active.size;

  h.base_offset = high_watermark_.load();
  char header[batch::kBatchHeaderBytes];
  std::memcpy(header, bytes.data(), batch::kBatchHeaderBytes);
  batch::SetBaseOffset(header, h.base_offset);
  std::string_view rest = bytes.substr(batch::kBatchHeaderBytes);
  if (options_.log_append_time) {
    h.attributes = static_cast<int16_t>(h.attributes | batch::kAttrLogAppendTime);
    h.max_timestamp = now;
    batch::StoreBe16(header + batch::kAttributesPos, h.attributes);
    batch::StoreBe64(header + batch::kMaxTimestampPos, now);
    uint32_t crc = batch::Crc32cExtend(0, header + batch::kAttributesPos, batch::kBatchHeaderBytes - batch::kAttributesPos);
    crc = batch::Crc32cExtend(crc, rest.data(), rest.size());
    batch::StoreBeU32(header + batch::kCrcPos, crc);
    res.log_append_time = now;
  }
  // One writev(2) per batch, the records written from the request without a copy.
  Status s = active_writer_->AppendAndFlush(std::string_view(header, batch::kBatchHeaderBytes), rest);
  if (!s.ok()) {
    // Take back whatever part of the batch reached the file, so the next
    // append starts at a batch boundary; if that fails too, stop appending.
    active_writer_.reset();
    Status t = fs_.Truncate(active.log_path, static_cast<uint64_t>(position));
    if (t.ok()) {
      auto w = fs_.OpenAppendable(active.log_path);
      if (w.ok()) {
        active_writer_ = std::move(w).value();
      } else {
        t = w.status();
      }
    }
    if (!t.ok()) {
      poisoned_ = Status(s.code(), "partition " + name_ + ": a failed write could not be rolled back (" +
                                       t.message() + "), appends refused until restart");
      log::Error("{}", poisoned_.message());
    }
    return s.WithContext("partition " + name_);
  }
  active.Add(h, position, options_.index_interval_bytes);
  if (h.producer_id >= 0) producers_->Update(h, now);
  size_bytes_ += h.total_bytes();
  high_watermark_.store(h.last_offset() + 1, std::memory_order_release);
  counters_.batches_appended++;
  counters_.records_appended += h.record_count;
  counters_.bytes_appended += h.total_bytes();
  res.base_offset = h.base_offset;
  res.last_offset = h.last_offset();
  return res;
}

Result<RetentionReport> PartitionLog::ApplyRetention(int64_t now_ms) {
  MutexLock lock(mu_);
  EVPIPE_RETURN_IF_ERROR(UsableLocked());
  RetentionReport report;
  const int64_t retention_ms = options_.retention_ms;
  auto expired = [retention_ms, now_ms](const Segment& s) {
    return retention_ms >= 0 && s.max_timestamp >= 0 && now_ms - s.max_timestamp > retention_ms;
  };
  // An active segment that has aged out is rolled so that it can go too.
  {
    Segment& active = *segments_.rbegin()->second;
    if (!active.empty() && expired(active)) EVPIPE_RETURN_IF_ERROR(RollLocked(now_ms));
  }
  while (segments_.size() > 1) {
    Segment& first = *segments_.begin()->second;
    const char* reason = nullptr;
    if (options_.retention_bytes >= 0 && size_bytes_.load() - first.size >= options_.retention_bytes) {
      reason = "retention.bytes";
    } else if (expired(first)) {
      reason = "retention.ms";
    }
    if (reason == nullptr) break;
    std::unique_ptr<Segment> seg = std::move(segments_.begin()->second);
    segments_.erase(segments_.begin());
    log_start_offset_.store(segments_.begin()->first, std::memory_order_release);
    size_bytes_ -= seg->size;
    log::Info("retention: partition {}: deleted segment {} (offsets {}..{}, {} bytes, newest timestamp {}) by {}",
              name_, seg->log_path, seg->base_offset, seg->last_offset, seg->size, seg->max_timestamp, reason);
    // Readers holding the file keep it open; the name goes now.
    EVPIPE_RETURN_IF_ERROR(fs_.Remove(seg->log_path));
    if (fs_.Exists(seg->index_path)) EVPIPE_RETURN_IF_ERROR(fs_.Remove(seg->index_path));
    report.segments_deleted++;
    report.bytes_deleted += seg->size;
    counters_.segments_deleted++;
    counters_.bytes_deleted += seg->size;
  }
  report.new_log_start_offset = log_start_offset_.load();
  report.producers_expired = producers_->Expire(now_ms, options_.producer_id_expiration_ms);
  return report;
}

Status PartitionLog::Close() {
  MutexLock files_lock(roll_files_mu_);
  MutexLock lock(mu_);
  if (closed_) return Status::Ok();
  Status s = SyncLocked();
  // The sealed segments' indexes the rolls left.
  for (int64_t base : rolls_.unwritten_indexes) {
    auto it = segments_.find(base);
    if (s.ok() && it != segments_.end() && !it->second->index_written) s = WriteIndexLocked(*it->second);
  }
  rolls_.unwritten_indexes.clear();
  rolls_.checkpoint_point = -1;
  if (s.ok()) s = active_writer_->Close();
  // The active segment's index is rebuilt by the scan at Open; the checkpoint
  // saves replaying producer state from older segments.
  if (s.ok()) s = CheckpointLocked();
  closed_ = true;
  active_writer_.reset();
  return s;
}

void PartitionLog::MarkDeleted() {
  MutexLock lock(mu_);
  closed_ = true;
  active_writer_.reset();
}

}  // namespace evpipe::broker::storage
