// The storage seam of the broker: what the request handlers need from the
// partition logs, the topic catalog, committed group offsets and producer
// ids. The durable implementation adapts evpipe_broker_storage (storage/); a
// handler unit test can implement these two small interfaces over memory.
// All methods are called from the broker's I/O thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "evpipe/broker/storage/log_types.h"
#include "evpipe/core/status.h"

namespace evpipe::broker {

// An append's outcome carries Kafka error codes (storage/log_types.h), which
// the handlers answer with unchanged.
using storage::AppendError;
using storage::AppendResult;
using storage::ConfigEntry;
using storage::TopicConfigs;

// ListOffsets by time: a record's offset and timestamp.
struct OffsetAtTime {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// One partition's log.
class PartitionLog {
 public:
  virtual ~PartitionLog() = default;
  // Validates and appends a Produce partition's records (one or more record
  // batches v2); the log assigns offsets. A refusal or a disk failure comes
  // back in `error` (KAFKA_STORAGE_ERROR for the disk).
  virtual AppendResult Append(std::string_view records) = 0;
  // Whole batches starting with the one holding `offset`, up to about
  // max_bytes (at least one batch when any exists at or after `offset`).
  virtual Result<std::string> Read(int64_t offset, int32_t max_bytes) = 0;
  virtual int64_t high_watermark() const = 0;
  virtual int64_t log_start_offset() const = 0;
  // Makes every appended batch durable (fsync).
  virtual Status Sync() = 0;
  // Offsets below this were synced (they survive a crash); any thread.
  virtual int64_t durable_offset() const = 0;
  // The first offset whose timestamp is >= ts, and that record's timestamp;
  // {-1, -1} when none.
  virtual Result<OffsetAtTime> OffsetForTimestamp(int64_t ts) = 0;
  // Bytes a Read at `offset` could return, counted without reading: exact
  // for recently appended data, INT64_MAX ("plenty") when the offset is older
  // than what the log keeps count of. 0 at the high watermark.
  virtual int64_t BytesAfter(int64_t offset) = 0;
};

struct CommittedOffset {
  int64_t offset = -1;
  std::string metadata;
};

// Topics, committed offsets and producer ids of one broker.
class LogStore {
 public:
  virtual ~LogStore() = default;
  // kAlreadyExists when the topic exists; kInvalidArgument for a config that
  // is unknown, unsupported or out of range (INVALID_CONFIG). With
  // validate_only nothing is created.
  virtual Status CreateTopic(const std::string& topic, int32_t partitions, const TopicConfigs& configs,
                             bool validate_only) = 0;
  // Every config of the topic with its effective value; kNotFound when unknown.
  virtual Result<std::vector<ConfigEntry>> DescribeTopicConfigs(const std::string& topic) = 0;
  virtual Status DeleteTopic(const std::string& topic) = 0;
  virtual std::vector<std::string> ListTopics() = 0;
  // -1 when the topic does not exist.
  virtual int32_t PartitionCount(const std::string& topic) = 0;
  // nullptr when the topic or partition does not exist. Valid until the topic is deleted.
  virtual PartitionLog* Partition(const std::string& topic, int32_t partition) = 0;

  // Durable when it returns ok.
  virtual Status CommitOffsets(const std::string& group,
                               const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) = 0;
  virtual std::optional<CommittedOffset> FetchOffset(const std::string& group, const std::string& topic,
                                                     int32_t partition) = 0;
  // Every (topic, partition, offset) committed for the group.
  virtual std::vector<std::tuple<std::string, int32_t, CommittedOffset>> GroupOffsets(const std::string& group) = 0;
  virtual std::vector<std::string> GroupsWithOffsets() = 0;
  // Forgets every committed offset of the group (DeleteGroups). Durable when it returns ok.
  virtual Status DeleteGroupOffsets(const std::string& group) = 0;

  // A producer id never handed out before (persists across restarts).
  virtual Result<int64_t> AllocateProducerId() = 0;
  // Applies retention now (called periodically, also while a partition's
  // Sync runs on another thread).
  virtual void ApplyRetention() = 0;
  // Syncs everything (clean shutdown).
  virtual Status Close() = 0;
};

}  // namespace evpipe::broker
