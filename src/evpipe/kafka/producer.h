// Producer: enqueues records for one topic and counts every delivery report.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"
#include "evpipe/kafka/client.h"
#include "evpipe/kafka/config.h"

namespace evpipe::kafka {

// Our producer defaults, applied before -X (so -X wins): idempotent, acks=all,
// uncompressed, and batching sized for throughput rather than latency. No
// compression: on a local broker it costs more CPU than the bytes it saves
// (lz4 -1 of 208 MB of events: 0.40 s, and a validating broker decompresses
// each batch again), and librdkafka 2.0 sends gzip, snappy and lz4 uncompressed
// anyway to a broker whose Produce versions start above v0, such as ours
// (librdkafka issue 4956); zstd it does compress. See
// docs/decisions/producer-defaults.md.
inline constexpr const char* kDefaultCompression = "none";
// 100 ms rather than 20: librdkafka 2.0's idempotent broker thread polls
// without sleeping while records older than linger.ms wait behind the
// requests in flight (its wakeup time is then "now"), which on a loaded
// machine, with acks=all answers taking 10-40 ms, is most of a run (165k
// poll(2) calls for 300k records at 20 ms, 11-43k at 100 ms; producer CPU
// 0.80 -> 0.62 s). Full batches leave at once whatever the linger; a trickle
// of records (--rate, a slow pipe) waits up to this long: -X linger.ms=5 for latency.
inline constexpr const char* kDefaultLingerMs = "100";
inline constexpr const char* kDefaultBatchRecords = "100000";
inline constexpr const char* kDefaultQueueRecords = "1000000";

// How much librdkafka batches and how much it holds enqueued and not yet
// acknowledged (queue.buffering.max.kbytes), for a topic of `partitions`.
// librdkafka 2.0's idempotent producer keeps one request in flight per
// partition, and a batch leaves when full (or at linger.ms): the window must
// hold a full batch for every partition and one more, or no partition's
// batch fills while the others' sit in it, and every batch waits the whole
// linger (6 partitions with a 4 MiB window: 5.4 s for 300k events, 1.4 s
// with 7 MiB). At least 4 MiB, and not much more than that: while a full
// batch waits behind the one in flight librdkafka's broker thread polls
// without sleeping (76k poll(2) calls for 300k records with a 64 MiB window,
// 250 with 4 MiB). So 3 partitions or fewer get 1 MB / 4 MiB. Past
// kMaxWindowBytes the batches shrink instead, which bounds memory. See
// docs/decisions/producer-defaults.md.
struct BatchSizing {
  int64_t batch_bytes = 0;
  int64_t window_kbytes = 0;
  bool operator==(const BatchSizing&) const = default;
};
inline constexpr int64_t kBatchBytes = 1'000'000;
inline constexpr int64_t kMinWindowBytes = int64_t{4} << 20;
inline constexpr int64_t kMaxWindowBytes = int64_t{32} << 20;
BatchSizing SizeBatches(int partitions);

// Java's default partitioner, so that evpipe, kafka-python and Java clients
// put a key in the same partition.
inline constexpr const char* kDefaultPartitioner = "murmur2_random";

// The producer settings evpipe uses, batches sized for a topic of
// `partitions` (SizeBatches), then `properties` (-X key=value) on top.
Result<Config> ProducerConfig(const std::string& bootstrap, const std::string& compression,
                              const std::vector<std::string>& properties, int partitions = 1);

struct Header {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt: a null header value
};

// One record to send. With copy (the default) the views need only live until Produce returns.
struct OutRecord {
  std::optional<std::string_view> key;    // nullopt: null key (partitioner picks)
  std::optional<std::string_view> value;  // nullopt: null value (a tombstone)
  int32_t partition = RD_KAFKA_PARTITION_UA;  // UA: by key
  int64_t timestamp_ms = 0;                   // 0: now
  const std::vector<Header>* headers = nullptr;
  // false: the value bytes stay valid and unchanged until the delivery
  // report, so librdkafka need not copy them. (Keys and headers are always copied.)
  bool copy = true;
  // With copy false: what keeps the value alive; Released at the record's
  // delivery report (delivered or failed), not when Produce fails.
  ValueOwner* owner = nullptr;
};

// Owned and used by one thread: Produce, Poll and Flush serve delivery reports
// on the calling thread.
class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Create(Config config, std::string topic);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  Client& client() { return *client_; }
  const std::string& topic() const { return topic_; }

  // Enqueues one record. While the local queue is full it serves delivery
  // reports and waits. Fails for a record that can never be sent (too large,
  // no such partition) or after a fatal producer error.
  Status Produce(const OutRecord& record);
  // Serves delivery reports without blocking.
  void Poll() { rd_kafka_poll(client_->handle(), 0); }
  // Sends what lingers and waits for every delivery report, up to timeout_ms;
  // on_wait is called about every 100 ms while waiting.
  template <typename F>
  Status Flush(int64_t timeout_ms, F&& on_wait);

  uint64_t enqueued() const { return enqueued_; }
  uint64_t delivered() const { return client_->state().delivered.load(); }
  uint64_t failed() const { return client_->state().failed.load(); }
  std::string first_delivery_error();

 private:
  Producer(std::unique_ptr<Client> client, rd_kafka_topic_t* rkt, std::string topic);
  Status FlushStep(int timeout_ms, bool* done);

  std::unique_ptr<Client> client_;
  rd_kafka_topic_t* rkt_;
  std::string topic_;
  uint64_t enqueued_ = 0;
};

template <typename F>
Status Producer::Flush(int64_t timeout_ms, F&& on_wait) {
  int64_t waited = 0;
  while (true) {
    bool done = false;
    EVPIPE_RETURN_IF_ERROR(FlushStep(100, &done));
    if (done) return Status::Ok();
    waited += 100;
    on_wait();
    if (waited >= timeout_ms) {
      return Status::Timeout(std::to_string(rd_kafka_outq_len(client_->handle())) +
                             " records still unconfirmed after " + std::to_string(timeout_ms / 1000) + "s");
    }
  }
}

}  // namespace evpipe::kafka
