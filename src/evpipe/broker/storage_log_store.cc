// LogStore over evpipe_broker_storage (see storage_log_store.h).
#include "evpipe/broker/storage_log_store.h"

#include <algorithm>
#include <deque>
#include <map>

#include "evpipe/broker/storage/store.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

class StoragePartition final : public PartitionLog {
 public:
  explicit StoragePartition(std::shared_ptr<storage::PartitionLog> log) : log_(std::move(log)) {}

  AppendResult Append(std::string_view records) override {
    int64_t before = log_->high_watermark();
    auto r = log_->Append(records);
    if (r.ok()) {
      if (r->error == AppendError::kNone && r->bytes_appended > 0) {
        recent_.push_back({before, log_->high_watermark(), appended_bytes_});
        appended_bytes_ += r->bytes_appended;
        if (recent_.size() > kRecentBatches) recent_.pop_front();
      }
      return std::move(r).value();
    }
    AppendResult out;
    out.error = AppendError::kKafkaStorageError;
    out.error_message = r.status().ToString();
    return out;
  }
  Result<std::string> Read(int64_t offset, int32_t max_bytes) override { return log_->Read(offset, max_bytes); }
  int64_t BytesAfter(int64_t offset) override {
    if (offset >= log_->high_watermark()) return 0;
    // The first recent batch ending after `offset` (a read starts at the batch holding it).
    auto it = std::upper_bound(recent_.begin(), recent_.end(), offset,
                               [](int64_t o, const Recent& r) { return o < r.end; });
    if (it == recent_.end() || (it == recent_.begin() && it->base > offset)) return INT64_MAX;
    return appended_bytes_ - it->bytes_before;
  }
  int64_t high_watermark() const override { return log_->high_watermark(); }
  int64_t log_start_offset() const override { return log_->log_start_offset(); }
  Status Sync() override { return log_->Sync(); }
  int64_t durable_offset() const override { return log_->durable_offset(); }
  Result<OffsetAtTime> OffsetForTimestamp(int64_t ts) override {
    EVPIPE_ASSIGN_OR_RETURN(auto t, log_->OffsetForTimestamp(ts));
    return OffsetAtTime{t.offset, t.timestamp};
  }

 private:
  // The last appends (offsets and bytes), so a parked fetch can count what it
  // would get without reading (BytesAfter).
  struct Recent {
    int64_t base = 0;
    int64_t end = 0;  // last offset + 1
    int64_t bytes_before = 0;
  };
  static constexpr size_t kRecentBatches = 4096;
  std::shared_ptr<storage::PartitionLog> log_;
  std::deque<Recent> recent_;
  int64_t appended_bytes_ = 0;
};

class StorageLogStore final : public LogStore {
 public:
  explicit StorageLogStore(std::unique_ptr<storage::Store> store) : store_(std::move(store)) {}

  Status CreateTopic(const std::string& topic, int32_t partitions, const TopicConfigs& configs,
                     bool validate_only) override {
    if (validate_only) return storage::ApplyTopicConfigs(store_->options().log_defaults, configs).status();
    return store_->CreateTopic(topic, partitions, configs).status();
  }
  Result<std::vector<ConfigEntry>> DescribeTopicConfigs(const std::string& topic) override {
    return store_->DescribeConfigs(topic);
  }
  Status DeleteTopic(const std::string& topic) override {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = it->first.first == topic ? cache_.erase(it) : std::next(it);
    }
    EVPIPE_RETURN_IF_ERROR(store_->DeleteTopic(topic));
    Status s = store_->offsets().DeleteTopic(topic);
    if (!s.ok()) log::Warn("topic={}: forgetting committed offsets: {}", topic, s.ToString());
    return Status::Ok();
  }
  std::vector<std::string> ListTopics() override {
    std::vector<std::string> out;
    for (const auto& t : store_->ListTopics()) out.push_back(t.name);
    return out;
  }
  int32_t PartitionCount(const std::string& topic) override {
    auto t = store_->GetTopic(topic);
    return t.ok() ? t->partitions : -1;
  }
  PartitionLog* Partition(const std::string& topic, int32_t partition) override {
    auto key = std::make_pair(topic, partition);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second.get();
    auto log = store_->Partition(topic, partition);
    if (!log) return nullptr;
    auto [ins, _] = cache_.emplace(key, std::make_unique<StoragePartition>(std::move(log)));
    return ins->second.get();
  }
  Status CommitOffsets(const std::string& group,
                       const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) override {
    std::vector<storage::OffsetCommitEntry> entries;
    int64_t now_ms = NowMicros() / 1000;
    for (const auto& [t, p, o] : offsets) {
      storage::OffsetCommitEntry e;
      e.topic = t;
      e.partition = p;
      e.committed.offset = o.offset;
      e.committed.metadata = o.metadata;
      e.committed.commit_timestamp_ms = now_ms;
      entries.push_back(std::move(e));
    }
    return store_->offsets().Commit(group, entries);
  }
  std::optional<CommittedOffset> FetchOffset(const std::string& group, const std::string& topic,
                                             int32_t partition) override {
    storage::CommittedOffset c = store_->offsets().Fetch(group, topic, partition);
    if (c.offset < 0) return std::nullopt;
    return CommittedOffset{c.offset, c.metadata};
  }
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> GroupOffsets(const std::string& group) override {
    std::vector<std::tuple<std::string, int32_t, CommittedOffset>> out;
    for (const auto& [k, c] : store_->offsets().FetchAll(group)) {
      out.emplace_back(k.first, k.second, CommittedOffset{c.offset, c.metadata});
    }
    return out;
  }
  std::vector<std::string> GroupsWithOffsets() override { return store_->offsets().Groups(); }
  Status DeleteGroupOffsets(const std::string& group) override { return store_->offsets().DeleteGroup(group); }
  Result<int64_t> AllocateProducerId() override { return store_->NextProducerId(); }
  void ApplyRetention() override {
    auto r = store_->ApplyRetention(NowMicros() / 1000);
    if (!r.ok()) {
      log::Error("retention: {}", r.status().ToString());
    } else if (r->segments_deleted > 0) {
      log::Info("retention: deleted {} segments ({} bytes)", r->segments_deleted, r->bytes_deleted);
    }
  }
  Status Close() override {
    cache_.clear();
    return store_->Close();
  }

 private:
  std::unique_ptr<storage::Store> store_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<StoragePartition>> cache_;
};

}  // namespace

Result<std::unique_ptr<LogStore>> OpenStorageLogStore(io::FileSystem& fs, const std::string& data_dir,
                                                      const StorageOptions& options) {
  storage::StoreOptions so;
  so.default_partitions = options.default_partitions;
  so.log_defaults.retention_bytes = options.retention_bytes;
  so.log_defaults.retention_ms = options.retention_ms;
  so.log_defaults.segment_bytes = options.segment_bytes;
  so.log_defaults.max_segments = options.max_segments_per_partition;
  EVPIPE_ASSIGN_OR_RETURN(auto store, storage::Store::Open(fs, data_dir, so));
  return std::unique_ptr<LogStore>(std::make_unique<StorageLogStore>(std::move(store)));
}

}  // namespace evpipe::broker
