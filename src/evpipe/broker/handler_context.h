// What the broker's request handlers (handle_data.h, handle_groups.h,
// handle_admin.h) work over: the log store, the metrics, the broker options
// and the address Metadata advertises. Handlers are functions from a decoded
// request struct to a response struct; none sees a socket or a connection,
// so each is unit-tested over a LogStore alone (handlers_test.cc). They run
// on the broker's I/O thread. Internal to the broker module.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evpipe/broker/broker.h"
#include "evpipe/broker/log_store.h"
#include "evpipe/broker/metrics.h"
#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages_common.h"

namespace evpipe::broker {

// The handlers' names for the protocol they answer.
namespace kp = evpipe::kafka_protocol;
using kp::ApiKey;
using kp::Code;
using kp::ErrorCode;

inline constexpr int32_t kNodeId = 1;
inline constexpr const char* kClusterId = "evpipe-broker";
inline constexpr int32_t kMaxPartitionsPerTopic = 10000;
inline constexpr int16_t kKafkaStorageError = 56;
// Topics one request (Metadata or Produce) may auto-create; the rest answer
// UNKNOWN_TOPIC_OR_PARTITION, which clients retry.
inline constexpr int kMaxAutoCreatedTopicsPerRequest = 16;
// ListOffsets by timestamp scans a segment per lookup: distinct lookups per
// request are capped (the rest answer INVALID_REQUEST), repeats are cached.
inline constexpr size_t kMaxTimestampLookupsPerRequest = 1000;

struct HandlerContext {
  LogStore* store = nullptr;
  Metrics* metrics = nullptr;
  BrokerOptions options;
  std::string host;  // advertised in Metadata and FindCoordinator
  int32_t port = 0;

  // Counts an error answer of `api` in the metrics.
  void CountError(ApiKey api) const { metrics->CountError(static_cast<int16_t>(api)); }
};

// The topic list of a response to a per-partition request (Produce,
// ListOffsets, OffsetCommit): for each topic of the request, one of the same
// name holding `answer(topic, partition)` for each of its partitions, in
// request order (a partition named twice is answered twice).
template <class Partition, class RequestTopic, class Answer>
std::vector<kp::TopicPartitions<Partition>> AnswerEachPartition(const std::vector<RequestTopic>& topics,
                                                                Answer&& answer) {
  std::vector<kp::TopicPartitions<Partition>> out;
  for (const RequestTopic& topic : topics) {
    kp::TopicPartitions<Partition>& answered = out.emplace_back();
    answered.name = topic.name;
    for (const auto& part : topic.partitions) answered.partitions.push_back(answer(topic, part));
  }
  return out;
}

// Kafka's topic-name rule (core/names.h: [a-zA-Z0-9._-], 1 to 249 characters, not "." or "..").
bool ValidTopicName(const std::string& topic);

}  // namespace evpipe::broker
