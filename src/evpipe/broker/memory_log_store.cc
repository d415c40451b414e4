// In-memory LogStore (see memory_log_store.h).
#include "evpipe/broker/memory_log_store.h"

#include <algorithm>
#include <deque>
#include <map>

#include "evpipe/broker/protocol/record_batch.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;

class MemoryPartition final : public PartitionLog {
 public:
  AppendResult Append(std::string_view batch) override {
    kp::BatchHeader h = kp::DecodeBatchHeader(batch);
    AppendResult res;
    if (h.producer_id >= 0) {
      Producer& p = producers_[h.producer_id];
      if (h.producer_epoch < p.epoch) {
        res.error = AppendError::kInvalidProducerEpoch;
        return res;
      }
      for (const auto& b : p.recent) {
        if (b.first_seq == h.base_sequence && h.producer_epoch == p.epoch) {
          res.base_offset = b.base;
          res.last_offset = b.last;
          res.duplicate = true;
          return res;
        }
      }
      bool new_epoch = h.producer_epoch > p.epoch;
      if (!new_epoch && p.last_seq >= 0 && h.base_sequence != p.last_seq + 1) {
        res.error = AppendError::kOutOfOrderSequence;
        res.message = "expected sequence " + std::to_string(p.last_seq + 1);
        return res;
      }
      if (new_epoch) p.recent.clear();
      p.epoch = h.producer_epoch;
      p.last_seq = h.base_sequence + h.record_count - 1;
      p.recent.push_back({h.base_sequence, next_offset_, next_offset_ + h.record_count - 1});
      if (p.recent.size() > 5) p.recent.pop_front();
    }
    std::string copy(batch);
    kp::SetBaseOffset(copy.data(), next_offset_);
    res.base_offset = next_offset_;
    res.last_offset = next_offset_ + h.record_count - 1;
    bases_.push_back(next_offset_);
    timestamps_.push_back(h.max_timestamp);
    batches_.push_back(std::move(copy));
    next_offset_ = res.last_offset + 1;
    return res;
  }

  Result<std::string> Read(int64_t offset, int32_t max_bytes) override {
    std::string out;
    auto it = std::upper_bound(bases_.begin(), bases_.end(), offset);
    size_t i = it == bases_.begin() ? 0 : static_cast<size_t>(it - bases_.begin() - 1);
    for (; i < batches_.size(); ++i) {
      const std::string& b = batches_[i];
      int64_t last = bases_[i] + kp::DecodeBatchHeader(b).last_offset_delta;
      if (last < offset) continue;
      if (!out.empty() && out.size() + b.size() > static_cast<size_t>(std::max(max_bytes, 0))) break;
      out += b;
    }
    return out;
  }

  int64_t BytesAfter(int64_t offset) override {
    int64_t n = 0;
    for (size_t i = 0; i < batches_.size(); ++i) {
      if (bases_[i] + kp::DecodeBatchHeader(batches_[i]).last_offset_delta >= offset) {
        n += static_cast<int64_t>(batches_[i].size());
      }
    }
    return n;
  }
  int64_t high_watermark() const override { return next_offset_; }
  int64_t log_start_offset() const override { return 0; }
  Status Sync() override { return Status::Ok(); }
  Result<int64_t> OffsetForTimestamp(int64_t ts) override {
    for (size_t i = 0; i < batches_.size(); ++i) {
      if (timestamps_[i] >= ts) return bases_[i];
    }
    return int64_t{-1};
  }

 private:
  struct Recent {
    int32_t first_seq;
    int64_t base, last;
  };
  struct Producer {
    int16_t epoch = -1;
    int32_t last_seq = -1;
    std::deque<Recent> recent;
  };
  std::vector<std::string> batches_;
  std::vector<int64_t> bases_;
  std::vector<int64_t> timestamps_;
  std::map<int64_t, Producer> producers_;
  int64_t next_offset_ = 0;
};

class MemoryLogStore final : public LogStore {
 public:
  Status CreateTopic(const std::string& topic, int32_t partitions) override {
    if (topics_.count(topic)) return Status::AlreadyExists("topic " + topic + " exists");
    auto& parts = topics_[topic];
    for (int32_t i = 0; i < partitions; ++i) parts.push_back(std::make_unique<MemoryPartition>());
    return Status::Ok();
  }
  Status DeleteTopic(const std::string& topic) override {
    if (topics_.erase(topic) == 0) return Status::NotFound("topic " + topic);
    return Status::Ok();
  }
  std::vector<std::string> ListTopics() override {
    std::vector<std::string> out;
    for (const auto& [name, _] : topics_) out.push_back(name);
    return out;
  }
  int32_t PartitionCount(const std::string& topic) override {
    auto it = topics_.find(topic);
    return it == topics_.end() ? -1 : static_cast<int32_t>(it->second.size());
  }
  PartitionLog* Partition(const std::string& topic, int32_t partition) override {
    auto it = topics_.find(topic);
    if (it == topics_.end() || partition < 0 || partition >= static_cast<int32_t>(it->second.size())) return nullptr;
    return it->second[static_cast<size_t>(partition)].get();
  }
  Status CommitOffsets(const std::string& group,
                       const std::vector<std::tuple<std::string, int32_t, CommittedOffset>>& offsets) override {
    for (const auto& [t, p, o] : offsets) offsets_[group][{t, p}] = o;
    return Status::Ok();
  }
  std::optional<CommittedOffset> FetchOffset(const std::string& group, const std::string& topic,
                                             int32_t partition) override {
    auto g = offsets_.find(group);
    if (g == offsets_.end()) return std::nullopt;
    auto it = g->second.find({topic, partition});
    if (it == g->second.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> GroupOffsets(const std::string& group) override {
    std::vector<std::tuple<std::string, int32_t, CommittedOffset>> out;
    auto g = offsets_.find(group);
    if (g == offsets_.end()) return out;
    for (const auto& [k, o] : g->second) out.emplace_back(k.first, k.second, o);
    return out;
  }
  std::vector<std::string> GroupsWithOffsets() override {
    std::vector<std::string> out;
    for (const auto& [g, _] : offsets_) out.push_back(g);
    return out;
  }
  Status DeleteGroupOffsets(const std::string& group) override {
    offsets_.erase(group);
    return Status::Ok();
  }
  Result<int64_t> AllocateProducerId() override { return next_producer_id_++; }
  void ApplyRetention() override {}
  Status Close() override { return Status::Ok(); }

 private:
  std::map<std::string, std::vector<std::unique_ptr<MemoryPartition>>> topics_;
  std::map<std::string, std::map<std::pair<std::string, int32_t>, CommittedOffset>> offsets_;
  int64_t next_producer_id_ = 1000;
};

}  // namespace

std::unique_ptr<LogStore> NewMemoryLogStore() { return std::make_unique<MemoryLogStore>(); }

}  // namespace evpipe::broker
