// A partition's log: append-only segment files of Kafka record batches (magic v2)
// as received, with broker-assigned offsets, an offset index, idempotent-producer
// checks, recovery at open and retention. On-disk format: docs/formats/broker_storage.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/storage/log_types.h"
#include "evpipe/core/mutex.h"
#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::broker::storage {

inline constexpr int64_t kDefaultSegmentBytes = int64_t{128} << 20;
inline constexpr int64_t kDefaultSegmentMs = int64_t{7} * 24 * 3600 * 1000;
inline constexpr int64_t kDefaultIndexIntervalBytes = 4096;
inline constexpr int64_t kDefaultMaxMessageBytes = 1048588;  // Kafka's message.max.bytes
inline constexpr int64_t kDefaultProducerIdExpirationMs = int64_t{24} * 3600 * 1000;
// Each segment holds an open file; a partition past this many refuses appends
// that would roll (finding 8 of the security audit: offsets jumping by 2^31
// rolled one segment per batch). 1000 default-sized segments are 128 GiB.
inline constexpr int64_t kDefaultMaxSegmentsPerPartition = 1000;
// Segments are addressed with 32-bit positions in the index.
inline constexpr int64_t kMaxSegmentBytes = int64_t{1} << 30;

// Per-partition settings; the Kafka topic config each maps to is in brackets.
struct LogOptions {
  int64_t segment_bytes = kDefaultSegmentBytes;  // [segment.bytes] roll when the next batch would pass it
  int64_t segment_ms = kDefaultSegmentMs;        // [segment.ms] roll a segment this old (-1 never)
  int64_t retention_bytes = -1;                  // [retention.bytes] -1 unlimited
  int64_t retention_ms = -1;                     // [retention.ms] -1 unlimited
  int64_t index_interval_bytes = kDefaultIndexIntervalBytes;  // [index.interval.bytes]
  int64_t max_message_bytes = kDefaultMaxMessageBytes;        // [max.message.bytes] largest batch
  bool log_append_time = false;  // [message.timestamp.type=LogAppendTime] broker stamps maxTimestamp
  int64_t producer_id_expiration_ms = kDefaultProducerIdExpirationMs;  // [producer.id.expiration.ms]
  // Segments one partition may hold (broker flag --max-segments-per-partition);
  // an append that would roll past it is refused with POLICY_VIOLATION.
  int64_t max_segments = kDefaultMaxSegmentsPerPartition;
};

// Bytes in a segment file for a zero-copy send; the shared_ptr keeps the file
// open even if retention deletes it meanwhile.
struct FileSlice {
  std::shared_ptr<io::RandomAccessFile> file;
  uint64_t position = 0;
  uint32_t length = 0;
  bool unverified = false;  // from a sealed segment not CRC-checked since Open
};

// ListOffsets by time: the first offset whose record timestamp is >= the asked
// time, and that timestamp; offset -1 when there is none.
struct TimestampOffset {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

struct RetentionReport {
  int32_t segments_deleted = 0;
  int64_t bytes_deleted = 0;
  int64_t new_log_start_offset = 0;
  int32_t producers_expired = 0;
};

// Counters since Open, for /metrics. Read from any thread.
struct LogCounters {
  std::atomic<int64_t> batches_appended{0};
  std::atomic<int64_t> records_appended{0};
  std::atomic<int64_t> bytes_appended{0};
  std::atomic<int64_t> duplicates{0};
  std::atomic<int64_t> rejected{0};
  std::atomic<int64_t> fsyncs{0};
  std::atomic<int64_t> fsync_micros{0};
  std::atomic<int64_t> bytes_read{0};
  std::atomic<int64_t> segments_deleted{0};
  std::atomic<int64_t> bytes_deleted{0};
  std::atomic<int64_t> recovery_truncated_bytes{0};
  std::atomic<int64_t> crc_failures_on_read{0};  // damaged batches found (and not served) by Read
};

class ProducerStateTable;
struct Segment;

// One partition's log in directory `dir`. Owned by the Store (or a test).
// Thread-safe: an internal mutex serialises Append, Read and retention; Sync
// does its fsync outside it, so appends and reads on the partition go on while
// another thread (the group commit) waits for the disk. The offset getters are
// atomics readable from any thread.
//
// Durability contract: Append writes the batch to the kernel (one write) before
// returning (acks=1 may answer then); Sync fsyncs everything appended so far
// (acks=all answers after it). A failed write is rolled back (the file is
// truncated to the last whole batch); a failed fsync poisons the log: every
// later Append/Sync fails until the broker restarts and recovery runs, because
// after a failed fsync the kernel may have dropped the dirty pages (fsyncgate).
class PartitionLog {
 public:
  // Creates the directory if needed and runs recovery: a torn or corrupt tail
  // is truncated to the last good batch (logged: file, position, bytes cut),
  // indexes are loaded or rebuilt, producer state is restored.
  // `name` labels log lines and errors ("events-2").
  static Result<std::unique_ptr<PartitionLog>> Open(io::FileSystem& fs, std::string dir,
                                                    LogOptions options, std::string name = "");
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Appends one or more whole v2 batches (a Produce partition's records).
  // Each is validated first (batch::ValidateBatch: frame, CRC-32C once,
  // header rules, every record), so a bad batch refuses the whole set; then
  // per batch: idempotent sequences (producerId >= 0), offsets assigned
  // (baseOffset rewritten, which the CRC does not cover) and one write. A
  // refused set comes back ok() with `error` set; a not-ok Result is a
  // storage failure (KAFKA_STORAGE_ERROR) and nothing was acknowledged.
  Result<AppendResult> Append(std::string_view records);

  // Whole batches from the one containing `offset`, up to max_bytes (at least
  // one batch when any exists at/after offset, even if larger). Stops at a
  // segment end: the caller fetches again. Empty when offset == high_watermark.
  // NotFound ("offset out of range") when offset < log_start_offset or > high_watermark.
  // Batches from sealed segments that recovery trusted by their index (not
  // scanned since Open) are CRC-checked here: a damaged batch is never served;
  // the good batches before it are, and when it is the first, Read returns
  // Corruption (logged; counters().crc_failures_on_read).
  Result<std::string> Read(int64_t offset, int32_t max_bytes);
  // The same bytes as a file range, for sendfile(2). length 0 when offset ==
  // high_watermark. Not CRC-checked: `unverified` says when the caller should.
  Result<FileSlice> ReadSlice(int64_t offset, int32_t max_bytes);

  int64_t high_watermark() const { return high_watermark_.load(std::memory_order_acquire); }
  int64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_acquire); }
  int64_t durable_offset() const { return durable_offset_.load(std::memory_order_acquire); }
  bool dirty() const { return durable_offset() < high_watermark(); }
  int64_t size_bytes() const { return size_bytes_.load(std::memory_order_relaxed); }
  int32_t segment_count() const;

  // fsyncs what was appended before the call (a cheap no-op when clean);
  // durable_offset() covers it on success. Callable from any thread, also
  // while appends, reads, rolls and retention run (it holds the file it fsyncs).
  // It also does what the rolls since the last call left (see RollLocked): the
  // directory fsync for the new segment files before their data counts as
  // durable, and after that the sealed segments' index files and the
  // checkpoint, outside the lock that serialises the fsyncs.
  Status Sync();

  // The first offset with timestamp >= ts_ms (-1 latest / -2 earliest are the caller's).
  Result<TimestampOffset> OffsetForTimestamp(int64_t ts_ms);

  // Deletes whole old segments beyond retention_bytes / older than retention_ms
  // (by the newest timestamp in the segment), never the active one; logs one
  // line per deleted segment. Also expires idle producer state.
  Result<RetentionReport> ApplyRetention(int64_t now_ms);

  // Syncs and writes the index and the checkpoint so the next Open needs no
  // scan. Later calls fail. The destructor does this too, ignoring errors.
  Status Close();

  // Marks the log deleted (the Store then removes its directory): later calls fail.
  void MarkDeleted();

  const LogCounters& counters() const { return counters_; }
  const std::string& dir() const { return dir_; }
  const std::string& name() const { return name_; }
  const LogOptions& options() const { return options_; }
  // New options apply to later appends and retention runs.
  void SetOptions(const LogOptions& options);

 private:
  PartitionLog(io::FileSystem& fs, std::string dir, LogOptions options, std::string name);

  struct BatchAppend {
    int64_t base_offset = -1;
    int64_t last_offset = -1;
    bool duplicate = false;
    int64_t log_append_time = -1;
    AppendError error = AppendError::kNone;
    std::string message;
  };
  // One validated batch: producer check, roll if due, write.
  Result<BatchAppend> AppendOneLocked(std::string_view bytes, batch::BatchHeader h) EVPIPE_REQUIRES(mu_);
  // partition_log_recovery.cc
  Status Recover() EVPIPE_EXCLUDES(mu_);
  // Writes a gap batch over lost offsets that have no batch after them.
  Status BridgeTrailingGapLocked(int64_t now_ms) EVPIPE_REQUIRES(mu_);
  // Seals the active segment (its data fsynced) and opens a new one; the
  // directory fsync, the sealed segment's index and the checkpoint are left to
  // the next Sync (or Close), off the appending thread.
  Status RollLocked(int64_t now_ms) EVPIPE_REQUIRES(mu_);
  // The index files and the checkpoint the rolls left (Sync, after the fsync).
  Status WriteRollFilesAfterSync() EVPIPE_EXCLUDES(mu_, sync_mu_);
  // SyncDir when a roll created a segment file since the last one.
  Status SyncDirIfRolledLocked() EVPIPE_REQUIRES(mu_);
  Status CheckpointLocked() EVPIPE_REQUIRES(mu_);
  Status WriteIndexLocked(Segment& seg) EVPIPE_REQUIRES(mu_);
  Status SyncLocked() EVPIPE_REQUIRES(mu_);
  // After a failed fsync `s`: appends are refused until restart (the first
  // failure is the one kept and logged); returns `s` naming the partition.
  Status FsyncFailedLocked(const Status& s) EVPIPE_REQUIRES(mu_);
  Result<FileSlice> SliceLocked(int64_t offset, int32_t max_bytes) EVPIPE_REQUIRES(mu_);
  Status UsableLocked() const EVPIPE_REQUIRES(mu_);

  io::FileSystem& fs_;
  const std::string dir_;
  LogOptions options_;  // written only under mu_ (SetOptions); read unlocked by options()
  const std::string name_;

  // Lock order: roll_files_mu_, sync_mu_, then mu_ (Sync fsyncs holding only
  // sync_mu_; the roll's index and checkpoint files are written holding only
  // roll_files_mu_, so the next fsync need not wait for them).
  Mutex roll_files_mu_ EVPIPE_ACQUIRED_BEFORE(sync_mu_);
  Mutex sync_mu_ EVPIPE_ACQUIRED_BEFORE(mu_);
  mutable Mutex mu_;
  std::map<int64_t, std::unique_ptr<Segment>> segments_ EVPIPE_GUARDED_BY(mu_);  // by base offset; last is active
  std::unique_ptr<io::WritableFile> active_writer_ EVPIPE_GUARDED_BY(mu_);
  std::unique_ptr<ProducerStateTable> producers_ EVPIPE_PT_GUARDED_BY(mu_);
  int64_t recovery_point_ EVPIPE_GUARDED_BY(mu_) = 0;  // offsets below it are fsynced and indexed on disk
  Status poisoned_ EVPIPE_GUARDED_BY(mu_);             // sticky after a failed fsync
  // What the rolls leave to the next Sync (RollLocked fills it, Sync and
  // Close drain it).
  struct RollBacklog {
    // Segment files created, and how many of them a directory fsync covers
    // (generation counts, so a roll during a SyncDir is not taken as synced).
    int64_t segments_created = 0;
    int64_t segments_created_synced = 0;
    std::vector<int64_t> unwritten_indexes;  // sealed segments, by base offset
    int64_t checkpoint_point = -1;           // the newest roll's recovery point; -1: none
    std::string checkpoint;                  // and its checkpoint, encoded
  };
  RollBacklog rolls_ EVPIPE_GUARDED_BY(mu_);
  bool closed_ EVPIPE_GUARDED_BY(mu_) = false;

  std::atomic<int64_t> high_watermark_{0};
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> durable_offset_{0};
  std::atomic<int64_t> size_bytes_{0};
  LogCounters counters_;
};

}  // namespace evpipe::broker::storage
