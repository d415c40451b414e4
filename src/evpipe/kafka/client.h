// Client: one owned rd_kafka_t plus the callbacks every evpipe client needs
// (errors, logs, delivery counting) and the metadata calls built on them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"
#include "evpipe/kafka/config.h"

namespace evpipe::kafka {

// How long commands wait for a first broker answer before giving up with a
// one-line error (librdkafka itself would retry for minutes).
inline constexpr int kDefaultConnectTimeoutMs = 5000;

struct PartitionMetadata {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isrs;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

struct TopicMetadata {
  std::string name;
  std::vector<PartitionMetadata> partitions;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

struct BrokerMetadata {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct ClusterMetadata {
  std::vector<BrokerMetadata> brokers;
  std::vector<TopicMetadata> topics;  // sorted by name; internal topics (names starting "__") left out
};

// Producers: keeps a record's value bytes alive until its delivery report
// (OutRecord::owner in producer.h). Release is called once per record that was
// enqueued, delivered or failed, on the thread that serves delivery reports.
class ValueOwner {
 public:
  virtual void Release() = 0;

 protected:
  ~ValueOwner() = default;
};

// What librdkafka's callbacks report back. Written from librdkafka threads
// (errors, logs) and from the thread that polls (delivery reports).
struct ClientState {
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<bool> all_brokers_down{false};
  std::atomic<bool> fatal{false};
  std::mutex mu;
  std::string last_error;           // the newest error_cb reason (not "all brokers down")
  std::string first_delivery_error; // why the first failed record failed
  // Consumers with a group: called (on the polling thread) for each rebalance.
  std::function<void(rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*)> on_rebalance;
  // Consumers: called (on the polling thread) when a commit is answered.
  std::function<void(rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*)> on_commit;
};

// Owns an rd_kafka_t. Producer, Consumer and Admin each hold one. The handle
// may be used from any thread as librdkafka allows; the metadata helpers
// block the caller.
class Client {
 public:
  enum class Kind { kProducer, kConsumer };

  // Installs our callbacks, then creates the handle. `bootstrap` is what the
  // user asked for (named in errors).
  static Result<std::unique_ptr<Client>> Create(Kind kind, Config config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  rd_kafka_t* handle() { return rk_; }
  ClientState& state() { return *state_; }
  const std::string& bootstrap() const { return bootstrap_; }

  // Waits until a broker answers, failing fast when every broker refuses or
  // cannot be resolved, and after timeout_ms otherwise. The error says what to do.
  Status WaitForBroker(int timeout_ms);
  // Every topic (and the brokers), sorted by topic name.
  Result<ClusterMetadata> Metadata(int timeout_ms);
  // One topic; NotFound (saying how to create it) when the broker does not know it.
  Result<TopicMetadata> DescribeTopic(const std::string& topic, int timeout_ms);
  // The newest error librdkafka reported, or "".
  std::string LastError();
  // A partition's log start and log end offsets, asked of its leader.
  struct Watermarks {
    int64_t low = -1;
    int64_t high = -1;
  };
  Result<Watermarks> QueryWatermarks(const std::string& topic, int32_t partition, int timeout_ms);
  // The cluster id the brokers report; empty when none answered in time.
  std::string ClusterId(int timeout_ms);

 private:
  Client(rd_kafka_t* rk, std::unique_ptr<ClientState> state, std::string bootstrap);

  rd_kafka_t* rk_;
  std::unique_ptr<ClientState> state_;
  std::string bootstrap_;
};

}  // namespace evpipe::kafka
