// PartitionLog: append, read, recovery, retention of one partition's segments.
#include "evpipe/broker/storage/partition_log.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "evpipe/broker/storage/byte_io.h"
#include "evpipe/broker/batch/crc32c.h"
#include "evpipe/broker/storage/producer_state.h"
#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/storage/segment.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"
#include "fmt/core.h"

namespace evpipe::broker::storage {
namespace {

constexpr std::string_view kLogSuffix = ".log";
constexpr std::string_view kIndexSuffix = ".index";
constexpr std::string_view kCheckpointName = "checkpoint";
constexpr char kCheckpointMagic[4] = {'E', 'V', 'P', 'C'};
constexpr uint32_t kCheckpointVersion = 1;
// Recovery reads batches up to this size even if max_message_bytes is lower now.
constexpr int64_t kRecoveryMaxBatchBytes = int64_t{64} << 20;
// Relative offsets in the index are 32-bit.
constexpr int64_t kMaxRelativeOffset = std::numeric_limits<int32_t>::max();

int64_t NowMs() { return NowMicros() / 1000; }

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
    std::lock_guard<std::mutex> lock(mu_);
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
    log->closed_ = true;  // nothing to checkpoint
    return s.WithContext("partition " + log->name_);
  }
  return log;
}

void PartitionLog::SetOptions(const LogOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  options_ = options;
  options_.segment_bytes = std::clamp<int64_t>(options_.segment_bytes, 1024, kMaxSegmentBytes);
}

int32_t PartitionLog::segment_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int32_t>(segments_.size());
}

Status PartitionLog::Recover() {
  std::lock_guard<std::mutex> lock(mu_);
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

  // The checkpoint: offsets below recovery_point were fsynced and indexed, and
  // the producer snapshot covers exactly them.
  int64_t rp = 0;
  bool have_snapshot = false;
  {
    auto data = fs_.ReadFile(io::JoinPath(dir_, std::string(kCheckpointName)));
    if (data.ok()) {
      std::string_view d = *data;
      bool good = d.size() >= 4 + 4 + 8 + 4 + 4 && std::memcmp(d.data(), kCheckpointMagic, 4) == 0 &&
                  GetAt<uint32_t>(d, d.size() - 4) == batch::Crc32c(d.substr(0, d.size() - 4)) &&
                  GetAt<uint32_t>(d, 4) == kCheckpointVersion;
      if (good) {
        uint32_t blob = GetAt<uint32_t>(d, 16);
        good = d.size() == 20 + size_t{blob} + 4 && producers_->Parse(d.substr(20, blob)).ok();
        if (good) {
          rp = GetAt<int64_t>(d, 8);
          have_snapshot = true;
        }
      }
      if (!good) log::Warn("partition {}: checkpoint does not check out; scanning the whole log", name_);
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
  int64_t cut_at_offset = -1;  // first offset lost to a cut, if any
  int64_t truncated_segment = -1;
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
    // A sealed segment was fsynced before its index was written, so an index that
    // checks out is trusted. The last segment is always re-read and CRC-checked:
    // that is where a crash leaves torn writes.
    const bool trusted = !last && index_data.ok() && seg->DecodeIndex(*index_data) &&
                         seg->size <= static_cast<int64_t>(file_size) && seg->last_offset < rp;
    if (!trusted) {
      seg->size = 0;
      seg->last_offset = -1;
      seg->max_timestamp = -1;
      seg->index.clear();
      seg->bytes_since_index = 0;
      seg->index_written = false;
    }
    const int64_t scan_from = seg->size;
    ScanResult scan;
    if (scan_from < static_cast<int64_t>(file_size)) {
      int64_t expected = seg->last_offset >= 0 ? seg->last_offset + 1 : seg->base_offset;
      const int64_t interval = options_.index_interval_bytes;
      Segment* sp = seg.get();
      ProducerStateTable* producers = producers_.get();
      bool offset_gap = false;
      EVPIPE_ASSIGN_OR_RETURN(
          scan, ScanBatches(*seg->reader, scan_from, static_cast<int64_t>(file_size), /*verify=*/true, max_batch,
                            [&](int64_t pos, const batch::BatchHeader& h, std::string_view) {
                              if (h.base_offset != expected || h.last_offset_delta < 0 ||
                                  h.last_offset() - sp->base_offset > kMaxRelativeOffset) {
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
        int64_t cut = static_cast<int64_t>(file_size) - scan.end;
        log::Warn("recovery: {}: {} at position {}; truncated to the last good batch, cutting {} bytes",
                  seg->log_path, why, scan.end, cut);
        counters_.recovery_truncated_bytes += cut;
        EVPIPE_RETURN_IF_ERROR(fs_.Truncate(seg->log_path, static_cast<uint64_t>(scan.end)));
        cut_at_offset = seg->last_offset >= 0 ? seg->last_offset + 1 : seg->base_offset;
        truncated_segment = static_cast<int64_t>(i);
      }
    }
    size_bytes_ += seg->size;
    int64_t base = seg->base_offset;
    segments_.emplace(base, std::move(seg));
    if (truncated_segment >= 0) {
      // Everything after a cut is unreachable: offsets must stay contiguous.
      for (size_t k = i + 1; k < bases.size(); ++k) {
        std::string path = io::JoinPath(dir_, SegmentFileName(bases[k], kLogSuffix));
        EVPIPE_ASSIGN_OR_RETURN(uint64_t sz, fs_.FileSize(path));
        log::Warn("recovery: {}: follows a truncated segment; deleted ({} bytes)", path, sz);
        counters_.recovery_truncated_bytes += static_cast<int64_t>(sz);
        EVPIPE_RETURN_IF_ERROR(fs_.Remove(path));
        (void)fs_.Remove(io::JoinPath(dir_, SegmentFileName(bases[k], kIndexSuffix)));
      }
      break;
    }
  }

  if (cut_at_offset >= 0 && cut_at_offset < rp) {
    // Bytes below the recovery point were lost (disk damage): the producer
    // snapshot may describe batches that are gone, so rebuild it from the log.
    log::Warn("partition {}: data below the recovery point {} was cut; rebuilding producer state", name_, rp);
    producers_->Clear();
    for (auto& [base, seg] : segments_) {
      EVPIPE_RETURN_IF_ERROR(ScanBatches(*seg->reader, 0, seg->size, /*verify=*/false, max_batch,
                                         [&](int64_t, const batch::BatchHeader& h, std::string_view) {
                                           if (h.producer_id >= 0) producers_->Update(h, now);
                                           return true;
                                         })
                                 .status());
    }
    rp = 0;
  }

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
  std::string out;
  out.append(kCheckpointMagic, 4);
  Put<uint32_t>(out, kCheckpointVersion);
  Put<int64_t>(out, high_watermark_.load());
  std::string blob = producers_->Serialize();
  Put<uint32_t>(out, static_cast<uint32_t>(blob.size()));
  out += blob;
  Put<uint32_t>(out, batch::Crc32c(out));
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(fs_, io::JoinPath(dir_, std::string(kCheckpointName)), out));
  recovery_point_ = high_watermark_.load();
  return Status::Ok();
}

Status PartitionLog::SyncLocked() {
  EVPIPE_RETURN_IF_ERROR(UsableLocked());
  const int64_t target = high_watermark_.load();
  if (durable_offset_.load() >= target) return Status::Ok();
  int64_t start = MonotonicMicros();
  Status s = active_writer_->Sync();
  if (!s.ok()) {
    poisoned_ = Status(s.code(), "partition " + name_ + ": an fsync failed, appends refused until restart: " +
                                     s.message());
    log::Error("{}", poisoned_.message());
    return s.WithContext("partition " + name_);
  }
  counters_.fsyncs++;
  counters_.fsync_micros += MonotonicMicros() - start;
  durable_offset_.store(target, std::memory_order_release);
  return Status::Ok();
}

Status PartitionLog::Sync() {
  // One fsync at a time per partition; appends and reads go on meanwhile (the
  // fsync goes through the segment's read handle, not the writer).
  std::lock_guard<std::mutex> sync_lock(sync_mu_);
  int64_t target;
  std::shared_ptr<io::RandomAccessFile> file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    EVPIPE_RETURN_IF_ERROR(UsableLocked());
    target = high_watermark_.load();
    if (durable_offset_.load() >= target) return Status::Ok();
    // Append hands every batch to the kernel before returning, and a roll
    // fsyncs the segment it seals, so syncing the active file covers target.
    file = segments_.rbegin()->second->reader;
  }
  int64_t start = MonotonicMicros();
  Status s = file->Sync();
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok()) {
    if (poisoned_.ok()) {
      poisoned_ = Status(s.code(), "partition " + name_ + ": an fsync failed, appends refused until restart: " +
                                       s.message());
      log::Error("{}", poisoned_.message());
    }
    return s.WithContext("partition " + name_);
  }
  counters_.fsyncs++;
  counters_.fsync_micros += MonotonicMicros() - start;
  if (durable_offset_.load() < target) durable_offset_.store(target, std::memory_order_release);
  return Status::Ok();
}

Status PartitionLog::RollLocked(int64_t now_ms) {
  Segment& old = *segments_.rbegin()->second;
  EVPIPE_RETURN_IF_ERROR(SyncLocked());
  EVPIPE_RETURN_IF_ERROR(active_writer_->Close());
  EVPIPE_RETURN_IF_ERROR(WriteIndexLocked(old));
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
  Status s = fs_.SyncDir(dir_);
  auto r = s.ok() ? fs_.NewRandomAccessFile(seg->log_path) : Result<std::unique_ptr<io::RandomAccessFile>>(s);
  if (!r.ok()) {
    poisoned_ = r.status();
    return r.status();
  }
  seg->reader = std::move(r).value();
  active_writer_ = std::move(w).value();
  segments_.emplace(base, std::move(seg));
  log::Debug("partition {}: rolled to segment {}", name_, base);
  // The checkpoint is an optimisation for the next Open; failing it loses nothing.
  Status c = CheckpointLocked();
  if (!c.ok()) log::Warn("partition {}: checkpoint: {}", name_, c.ToString());
  return Status::Ok();
}

Result<AppendResult> PartitionLog::Append(std::string_view records) {
  std::lock_guard<std::mutex> lock(mu_);
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
  // One write(2) per batch: both pieces go through the file's buffer.
  Status s = active_writer_->Append(std::string_view(header, batch::kBatchHeaderBytes));
  if (s.ok()) s = active_writer_->Append(rest);
  if (s.ok()) s = active_writer_->Flush();
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
  slice.position = static_cast<uint64_t>(pos);
  slice.length = static_cast<uint32_t>(end - pos);
  return slice;
}

Result<FileSlice> PartitionLog::ReadSlice(int64_t offset, int32_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  EVPIPE_ASSIGN_OR_RETURN(FileSlice slice, SliceLocked(offset, max_bytes));
  counters_.bytes_read += slice.length;
  return slice;
}

Result<std::string> PartitionLog::Read(int64_t offset, int32_t max_bytes) {
  FileSlice slice;
  {
    std::lock_guard<std::mutex> lock(mu_);
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
  counters_.bytes_read += static_cast<int64_t>(got);
  return out;
}

Result<TimestampOffset> PartitionLog::OffsetForTimestamp(int64_t ts_ms) {
  std::lock_guard<std::mutex> lock(mu_);
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

Result<RetentionReport> PartitionLog::ApplyRetention(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  EVPIPE_RETURN_IF_ERROR(UsableLocked());
  RetentionReport report;
  auto expired = [&](const Segment& s) {
    return options_.retention_ms >= 0 && s.max_timestamp >= 0 && now_ms - s.max_timestamp > options_.retention_ms;
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
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::Ok();
  Status s = SyncLocked();
  if (s.ok()) s = active_writer_->Close();
  // The active segment's index is rebuilt by the scan at Open; the checkpoint
  // saves replaying producer state from older segments.
  if (s.ok()) s = CheckpointLocked();
  closed_ = true;
  active_writer_.reset();
  return s;
}

void PartitionLog::MarkDeleted() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  active_writer_.reset();
}

}  // namespace evpipe::broker::storage
