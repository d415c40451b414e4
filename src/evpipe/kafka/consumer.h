// Consumer: reads one topic partition by partition (no group) or as a group member,
// and knows exactly when every partition it owns has been read to its end.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"
#include "evpipe/kafka/client.h"
#include "evpipe/kafka/config.h"
#include "evpipe/kafka/record_json.h"

namespace evpipe::kafka {

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

  // Waits for the broker, checks the topic (and partition) exist, then assigns or subscribes.
  Status Start(int connect_timeout_ms);
  // Fills `batch` with up to `max` records (errors and end-of-partition
  // events are handled here, not returned). Fails on a permanent error.
  Status Poll(MessageBatch& batch, size_t max, int timeout_ms);
  // With exit_at_end: every owned partition has been read to its end.
  bool AtEnd() const;
  // Leaves the group (committing what was read) and stops fetching.
  Status Close();

  Client& client() { return *client_; }
  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

 private:
  Consumer(std::unique_ptr<Client> client, ConsumeOptions options);

  std::unique_ptr<Client> client_;
  ConsumeOptions options_;
  rd_kafka_queue_t* queue_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;  // without a group: the simple (per-partition) consumer, like kcat
  std::set<int32_t> owned_;   // partitions assigned to us
  std::set<int32_t> at_end_;  // owned partitions whose end we reached and no record came since
  bool closed_ = false;
};

}  // namespace evpipe::kafka
