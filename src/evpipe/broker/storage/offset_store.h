// Committed consumer-group offsets, persisted in an append-only file that is
// compacted now and then. Format: docs/formats/broker_storage.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::broker::storage {

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
};

// One partition's commit inside an OffsetCommit request.
struct OffsetCommitEntry {
  std::string topic;
  int32_t partition = 0;
  CommittedOffset committed;
};

// Thread-safe. Every Commit is written and fsynced before it returns, so the
// OffsetCommit response may be sent right after. Reads come from memory.
class OffsetStore {
 public:
  // Loads `path` (a torn tail is cut off with a log line) or creates it.
  static Result<std::unique_ptr<OffsetStore>> Open(io::FileSystem& fs, std::string path);
  ~OffsetStore();

  // All entries of one request in one write and one fsync.
  Status Commit(const std::string& group, const std::vector<OffsetCommitEntry>& entries);
  Status Commit(const std::string& group, const std::string& topic, int32_t partition,
                int64_t offset, const std::string& metadata = "", int32_t leader_epoch = -1);
  // Offset -1 when nothing is committed.
  CommittedOffset Fetch(const std::string& group, const std::string& topic, int32_t partition) const;
  // Every committed partition of a group: (topic, partition) -> offset.
  std::map<std::pair<std::string, int32_t>, CommittedOffset> FetchAll(const std::string& group) const;
  std::vector<std::string> Groups() const;
  // Forgets a group's offsets (DeleteGroups) or a topic's in every group (topic deleted).
  Status DeleteGroup(const std::string& group);
  Status DeleteTopic(const std::string& topic);

  // Rewrites the file with only the live entries (also done automatically when
  // the file is more than twice the live size and above 1 MiB).
  Status Compact();
  Status Close();

 private:
  using Key = std::tuple<std::string, std::string, int32_t>;  // group, topic, partition
  OffsetStore(io::FileSystem& fs, std::string path);
  Status Load();
  Status AppendLocked(const std::string& data, size_t records);
  Status CompactLocked();

  io::FileSystem& fs_;
  const std::string path_;
  mutable std::mutex mu_;
  std::map<Key, CommittedOffset> offsets_;
  std::unique_ptr<io::WritableFile> file_;
  uint64_t file_bytes_ = 0;
  size_t records_ = 0;  // records in the file, live or not
  Status poisoned_;
};

}  // namespace evpipe::broker::storage
