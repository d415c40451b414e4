// The hand-written parts of the message codec (conventions: messages.h): the
// request and response headers (their flexibility comes from the header
// itself), SimpleErrorResponse, and TopicPartitions, which the generated
// messages share. Every request and response body struct is generated from
// spec/*.json (docs/decisions/protocol-message-specs.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

// A topic by name with its partitions: the topic list of Produce, ListOffsets,
// OffsetCommit and OffsetFetch (requests and responses). Each message keeps
// its own Partition; `Msg::Topic` names this for it (spec: "common":
// "TopicPartitions"). Fetch has its own Topic, whose name field is `topic` as
// in Kafka's Fetch definitions.
template <class Partition>
struct TopicPartitions {
  std::string name;
  std::vector<Partition> partitions;
};

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  // Header v2 (tagged fields) follows for flexible request versions.
  bool Decode(Reader& r);
  void Encode(Writer& w) const;
};

// Writes a response header: correlation id, plus tags for flexible versions
// (except ApiVersions, whose response header is always v0).
void EncodeResponseHeader(Writer& w, int16_t api_key, int16_t api_version, int32_t correlation_id);

// Heartbeat and others whose response body is throttle + error.
struct SimpleErrorResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  void Encode(Writer& w, int16_t v, int16_t throttle_from_version) const;
};

}  // namespace evpipe::kafka_protocol
