// All topics on disk under one data directory: topic metadata, one PartitionLog
// per partition, committed group offsets and the producer-id counter.
// Layout: docs/formats/broker_storage.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "evpipe/broker/storage/offset_store.h"
#include "evpipe/broker/storage/partition_log.h"
#include "evpipe/core/mutex.h"
#include "evpipe/core/names.h"
#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::broker::storage {

inline constexpr int32_t kDefaultPartitions = 3;
inline constexpr int32_t kMaxPartitions = 10000;

struct TopicInfo {
  std::string name;
  std::array<uint8_t, 16> id{};  // topic UUID, random at creation, persisted
  int32_t partitions = 0;
  TopicConfigs configs;          // only those set explicitly
};

struct StoreOptions {
  LogOptions log_defaults;                       // broker-wide defaults for every topic
  int32_t default_partitions = kDefaultPartitions;  // for auto-created topics
};

// Checks a topic name the way Kafka does (core/names.h, the one home of the rule).
using ::evpipe::ValidateTopicName;
// Applies Kafka topic configs on top of `base`; InvalidArgument for an unknown
// key, an unsupported value (cleanup.policy=compact) or a bad number.
Result<LogOptions> ApplyTopicConfigs(const LogOptions& base, const TopicConfigs& configs);

// Owns every PartitionLog and the OffsetStore. Thread-safe (one mutex for the
// topic table; logs are thread-safe themselves). Partition() hands out shared
// pointers, so a log stays valid for a caller that holds it while the topic is
// deleted (its later appends then fail).
class Store {
 public:
  // Opens (creating if needed) `data_dir` and every topic in it, running log
  // recovery for each partition. Directories of unknown topics (a crash during
  // a create or delete) are removed, with a log line.
  static Result<std::unique_ptr<Store>> Open(io::FileSystem& fs, std::string data_dir,
                                             StoreOptions options = {});
  ~Store();

  // AlreadyExists when the topic exists; InvalidArgument for a bad name,
  // partition count (1..kMaxPartitions) or config.
  Result<TopicInfo> CreateTopic(const std::string& name, int32_t partitions,
                                const TopicConfigs& configs = {});
  // NotFound when it does not exist.
  Status DeleteTopic(const std::string& name);
  // Adds partitions (Kafka's CreatePartitions); InvalidArgument when not more.
  Status CreatePartitions(const std::string& name, int32_t new_total);
  std::vector<TopicInfo> ListTopics() const;
  Result<TopicInfo> GetTopic(const std::string& name) const;
  // Every config Kafka clients usually ask for, with the effective value.
  Result<std::vector<ConfigEntry>> DescribeConfigs(const std::string& name) const;

  // nullptr when the topic or partition does not exist.
  std::shared_ptr<PartitionLog> Partition(const std::string& topic, int32_t partition) const;
  // Every partition log, for group commit (Sync the dirty ones) and retention.
  std::vector<std::shared_ptr<PartitionLog>> AllPartitions() const;

  // Syncs every dirty partition, in parallel (up to 16 threads: concurrent
  // fsyncs share one journal commit); returns the first error after trying
  // all. This is the group commit: call it once per batch of acks=all requests.
  Status SyncAll();
  // Runs retention on every partition.
  Result<RetentionReport> ApplyRetention(int64_t now_ms);

  // A new producer id for InitProducerId; never reused across restarts (ids are
  // reserved on disk in blocks, so a restart skips the rest of a block).
  Result<int64_t> NextProducerId();

  OffsetStore& offsets() { return *offsets_; }
  const StoreOptions& options() const { return options_; }
  const std::string& data_dir() const { return data_dir_; }

  // Closes every log (sync + checkpoint) and the offset store.
  Status Close();

 private:
  struct Topic {
    TopicInfo info;
    std::vector<std::shared_ptr<PartitionLog>> logs;
  };
  Store(io::FileSystem& fs, std::string data_dir, StoreOptions options);
  Status Load();
  Status SaveTopicsLocked() EVPIPE_REQUIRES(mu_);
  std::string PartitionDir(const std::string& topic, int32_t partition) const;
  Result<std::shared_ptr<PartitionLog>> OpenPartitionLocked(const TopicInfo& info, int32_t partition)
      EVPIPE_REQUIRES(mu_);

  io::FileSystem& fs_;
  const std::string data_dir_;
  const StoreOptions options_;
  mutable Mutex mu_;
  std::map<std::string, Topic> topics_ EVPIPE_GUARDED_BY(mu_);
  std::unique_ptr<OffsetStore> offsets_;
  Mutex pid_mu_;
  int64_t next_producer_id_ EVPIPE_GUARDED_BY(pid_mu_) = 0;
  int64_t reserved_producer_id_end_ EVPIPE_GUARDED_BY(pid_mu_) = 0;  // ids below it are reserved on disk
};

}  // namespace evpipe::broker::storage
