// The headers (hand-written: their flexibility comes from the header itself),
// and ApiVersions and Metadata, each message described once (see
// messages_internal.h and messages_cluster.h).
#include "evpipe/broker/protocol/messages_cluster.h"

#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

// ---- headers ----

bool RequestHeader::Decode(Reader& r) {
  api_key = r.Int16();
  api_version = r.Int16();
  correlation_id = r.Int32();
  client_id = r.NullableString(false);  // never compact, even in header v2
  if (!r.ok()) return false;
  if (IsFlexible(api_key, api_version)) r.SkipTaggedFields();
  return r.ok();
}

void RequestHeader::Encode(Writer& w) const {
  w.Int16(api_key);
  w.Int16(api_version);
  w.Int32(correlation_id);
  w.NullableString(client_id, false);
  if (IsFlexible(api_key, api_version)) w.EmptyTaggedFields();
}

void EncodeResponseHeader(Writer& w, int16_t api_key, int16_t api_version, int32_t correlation_id) {
  w.Int32(correlation_id);
  if (api_key != K(ApiKey::kApiVersions) && IsFlexible(api_key, api_version)) w.EmptyTaggedFields();
}

// ---- ApiVersions ----

template <class Io>
void Visit(Io& io, ApiVersionsRequest& m, int16_t v) {
  if (v >= 3) {
    io.String(m.client_software_name);
    io.String(m.client_software_version);
    io.Tags();
  }
}

template <class Io>
void Visit(Io& io, ApiVersionsResponse& m, int16_t v) {
  io.Int16(m.error_code);
  io.Array(m.api_keys, 6, [&](ApiVersionsResponse::Api& a) {
    io.Int16(a.api_key);
    io.Int16(a.min_version);
    io.Int16(a.max_version);
    io.Tags();
  });
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Tags();
}

// ---- Metadata ----

template <class Io>
void Visit(Io& io, MetadataRequest& m, int16_t v) {
  auto topic = [&](std::string& name) {
    io.String(name);
    io.Tags();
  };
  if (v == 0) {  // no null in v0: an empty list means all topics (null in v1+)
    std::vector<std::string> topics = m.topics.value_or(std::vector<std::string>{});
    io.Array(topics, 2, topic);
    if (Io::kDecoding && !topics.empty()) m.topics = std::move(topics);
  } else {
    io.NullableArray(m.topics, 2, topic);
  }
  if (v >= 4) io.Bool(m.allow_auto_topic_creation);
  if (v >= 8) {
    io.Bool(m.include_cluster_authorized_operations);
    io.Bool(m.include_topic_authorized_operations);
  }
  io.Tags();
}

template <class Io>
void Visit(Io& io, MetadataResponse& m, int16_t v) {
  if (v >= 3) io.Int32(m.throttle_time_ms);
  io.Array(m.brokers, 10, [&](MetadataResponse::Broker& b) {
    io.Int32(b.node_id);
    io.String(b.host);
    io.Int32(b.port);
    if (v >= 1) io.NullableString(b.rack);
    io.Tags();
  });
  if (v >= 2) io.NullableString(m.cluster_id);
  if (v >= 1) io.Int32(m.controller_id);
  io.Array(m.topics, 4, [&](MetadataResponse::Topic& t) {
    io.Int16(t.error_code);
    io.String(t.name);
    if (v >= 1) io.Bool(t.is_internal);
    io.Array(t.partitions, 10, [&](MetadataResponse::Partition& p) {
      io.Int16(p.error_code);
      io.Int32(p.partition_index);
      io.Int32(p.leader_id);
      if (v >= 7) io.Int32(p.leader_epoch);
      io.Int32Array(p.replica_nodes);
      io.Int32Array(p.isr_nodes);
      if (v >= 5) io.Int32Array(p.offline_replicas);
      io.Tags();
    });
    if (v >= 8) io.Int32(t.topic_authorized_operations);
    io.Tags();
  });
  if (v >= 8) io.Int32(m.cluster_authorized_operations);
  io.Tags();
}

// ---- Decode and Encode, from the descriptions above ----

EVPIPE_MESSAGE_CODEC(ApiVersionsRequest, ApiKey::kApiVersions)
EVPIPE_MESSAGE_CODEC(ApiVersionsResponse, ApiKey::kApiVersions)
EVPIPE_MESSAGE_CODEC(MetadataRequest, ApiKey::kMetadata)
EVPIPE_MESSAGE_CODEC(MetadataResponse, ApiKey::kMetadata)

}  // namespace evpipe::kafka_protocol
