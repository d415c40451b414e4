// Consumer: reads one topic partition by partition (no group) or as a group member,
// and knows exactly when every partition it owns has been read to its end.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"
#include "evpipe/kafka/client.h"
#include "evpipe/kafka/config.h"
#include "evpipe/kafka/record_json.h"

namespace evpipe::kafka {

// Start positions, for callers that do not include librdkafka themselves.
inline constexpr int64_t kOffsetBeginning = RD_KAFKA_OFFSET_BEGINNING;
inline constexpr int64_t kOffsetEnd = RD_KAFKA_OFFSET_END;

struct ConsumeOptions {
  std::string topic;
  std::string group;          // empty: no group, partitions assigned directly, nothing committed
  int32_t partition = -1;     // -1: every partition
  // Where to start without a committed offset: RD_KAFKA_OFFSET_BEGINNING,
  // RD_KAFKA_OFFSET_END, an absolute offset, or RD_KAFKA_OFFSET_TAIL(n).
  int64_t start_offset = RD_KAFKA_OFFSET_END;
  // With a group: start_offset was asked for explicitly (--offset) and wins
  // over the committed offset; otherwise the committed offset wins and
  // start_offset only decides where a partition without one starts.
  bool explicit_offset = false;
  bool exit_at_end = false;   // report done once every owned partition is read to its end
  // With a group: offsets are committed only by Commit (no auto commit, no
  // auto offset store), for consumers that commit after their output is durable.
  bool manual_commit = false;
  // A group member that outlives a topic's absence: "unknown topic" is a
  // warning (the group reassigns when it exists again), not an error.
  bool retry_topic_errors = false;
  std::string client_id = "evpipe-consume";
};

// A partition and an offset (a start position, a commit, a committed offset).
struct PartitionOffset {
  int32_t partition = -1;
  int64_t offset = -1;
};

// What a group member does when the group hands it partitions or takes them
// back. Both run on the polling thread, inside Poll or Close.
struct GroupHooks {
  // Before fetching starts; may set each offset (-1 leaves the committed
  // offset, or the reset position, in force).
  std::function<void(std::vector<PartitionOffset>& assigned)> on_assign;
  // Before the partitions are given up: the last chance to commit them.
  std::function<void(const std::vector<int32_t>& revoked)> on_revoke;
  // A commit the group coordinator acknowledged (the partitions it accepted).
  std::function<void(const std::vector<PartitionOffset>& committed)> on_commit;
};

// The consumer settings evpipe uses, then `properties` (-X) on top.
Result<Config> ConsumerConfig(const std::string& bootstrap, const ConsumeOptions& options,
                              const std::vector<std::string>& properties);

// Messages from one poll; destroys them when cleared or destroyed.
class MessageBatch {
 public:
  MessageBatch() = default;
  ~MessageBatch() { Clear(); }
  MessageBatch(const MessageBatch&) = delete;
  MessageBatch& operator=(const MessageBatch&) = delete;
  void Clear();
  size_t size() const { return messages_.size(); }
  const rd_kafka_message_t& operator[](size_t i) const { return *messages_[i]; }
  int32_t partition(size_t i) const { return messages_[i]->partition; }
  int64_t offset(size_t i) const { return messages_[i]->offset; }
  std::string_view value(size_t i) const {
    const rd_kafka_message_t* m = messages_[i];
    return m->payload != nullptr ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
  }
  std::vector<rd_kafka_message_t*>& raw() { return messages_; }

 private:
  std::vector<rd_kafka_message_t*> messages_;
};

// A view of one consumed record for AppendRecordJson; points into `m`, which
// must outlive it.
RecordView ViewOf(const rd_kafka_message_t& m);

// Owned and used by one thread (rebalance callbacks run inside Poll on it).
class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> Create(Config config, ConsumeOptions options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Group hooks (before Start). Without them partitions are taken and given up as they come.
  void SetGroupHooks(GroupHooks hooks) { hooks_ = std::move(hooks); }
  // Waits for the broker, checks the topic (and partition) exist, then assigns
  // or subscribes. A missing topic is NotFound after `topic_wait_ms` (0: at once).
  Status Start(int connect_timeout_ms, int topic_wait_ms = 0);
  // Fills `batch` with up to `max` records: what is queued, or, when nothing
  // is, what arrives first within `timeout_ms` (errors and end-of-partition
  // events are handled here, not returned). Fails on a permanent error.
  Status Poll(MessageBatch& batch, size_t max, int timeout_ms);
  // With exit_at_end: every owned partition has been read to its end (the
  // last record below the high watermark its fetch reported, or an
  // end-of-partition event), without waiting for another fetch.
  bool AtEnd() const;
  // Every owned partition has been read to its end (with or without exit_at_end).
  bool CaughtUp() const;
  // The partitions assigned to us now.
  const std::set<int32_t>& owned() const { return owned_; }
  // The high watermark of a partition as the newest fetch reported it; nullopt before one.
  std::optional<int64_t> HighWatermark(int32_t partition);
  // The first offset the broker holds for `partition` (ListOffsets, earliest).
  Result<int64_t> QueryLowWatermark(int32_t partition, int timeout_ms);
  // Commits offsets (manual_commit); sync waits for the coordinator's answer.
  Status Commit(const std::vector<PartitionOffset>& offsets, bool sync);
  // The group's committed offsets of `partitions` (-1: none).
  Result<std::map<int32_t, int64_t>> Committed(const std::vector<int32_t>& partitions, int timeout_ms);
  // Moves the fetch position of an owned partition.
  Status Seek(int32_t partition, int64_t offset, int timeout_ms);
  // A fatal client error (the client cannot continue), or Ok.
  Status Health();
  // Leaves the group (committing what was read) and stops fetching.
  Status Close();

  Client& client() { return *client_; }
  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

 private:
  Consumer(std::unique_ptr<Client> client, ConsumeOptions options);

  void MarkRead(int32_t partition, int64_t offset);

  std::unique_ptr<Client> client_;
  ConsumeOptions options_;
  GroupHooks hooks_;
  rd_kafka_queue_t* queue_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;  // without a group: the simple (per-partition) consumer, like kcat
  std::set<int32_t> owned_;   // partitions assigned to us
  std::set<int32_t> at_end_;  // owned partitions whose end we reached and no record came since
  bool closed_ = false;
};

}  // namespace evpipe::kafka
