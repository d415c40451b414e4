// Encode/decode of the headers, ApiVersions and Metadata (see messages_cluster.h).
#include "evpipe/broker/protocol/messages_cluster.h"

#include "evpipe/broker/protocol/api.h"
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

bool ApiVersionsRequest::Decode(Reader& r, int16_t v) {
  if (v >= 3) {
    client_software_name = r.String(true);
    client_software_version = r.String(true);
    r.SkipTaggedFields();
  }
  return r.ok();
}

void ApiVersionsRequest::Encode(Writer& w, int16_t v) const {
  if (v >= 3) {
    w.String(client_software_name, true);
    w.String(client_software_version, true);
    w.EmptyTaggedFields();
  }
}

void ApiVersionsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = v >= 3;
  w.Int16(error_code);
  w.ArrayLength(static_cast<int32_t>(api_keys.size()), fx);
  for (const Api& a : api_keys) {
    w.Int16(a.api_key);
    w.Int16(a.min_version);
    w.Int16(a.max_version);
    Tags(w, fx);
  }
  if (v >= 1) w.Int32(throttle_time_ms);
  Tags(w, fx);
}

bool ApiVersionsResponse::Decode(Reader& r, int16_t v) {
  bool fx = v >= 3;
  error_code = r.Int16();
  int32_t n = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    Api a{};
    a.api_key = r.Int16();
    a.min_version = r.Int16();
    a.max_version = r.Int16();
    Tags(r, fx);
    api_keys.push_back(a);
  }
  if (v >= 1) throttle_time_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

// ---- Metadata ----

bool MetadataRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kMetadata), v);
  int32_t n = r.ArrayLength(fx, 2);
  if (n >= 0 && !(v == 0 && n == 0)) {
    topics.emplace();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      topics->push_back(r.String(fx));
      Tags(r, fx);
    }
  }
  if (v >= 4) allow_auto_topic_creation = r.Bool();
  if (v >= 8) {
    include_cluster_authorized_operations = r.Bool();
    include_topic_authorized_operations = r.Bool();
  }
  Tags(r, fx);
  return r.ok();
}

void MetadataRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kMetadata), v);
  if (!topics) {
    w.ArrayLength(v == 0 ? 0 : -1, fx);
  } else {
    w.ArrayLength(static_cast<int32_t>(topics->size()), fx);
    for (const auto& t : *topics) {
      w.String(t, fx);
      Tags(w, fx);
    }
  }
  if (v >= 4) w.Bool(allow_auto_topic_creation);
  if (v >= 8) {
    w.Bool(include_cluster_authorized_operations);
    w.Bool(include_topic_authorized_operations);
  }
  Tags(w, fx);
}

void MetadataResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kMetadata), v);
  if (v >= 3) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(brokers.size()), fx);
  for (const Broker& b : brokers) {
    w.Int32(b.node_id);
    w.String(b.host, fx);
    w.Int32(b.port);
    if (v >= 1) w.NullableString(b.rack, fx);
    Tags(w, fx);
  }
  if (v >= 2) w.NullableString(cluster_id, fx);
  if (v >= 1) w.Int32(controller_id);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.Int16(t.error_code);
    w.String(t.name, fx);
    if (v >= 1) w.Bool(t.is_internal);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int16(p.error_code);
      w.Int32(p.partition_index);
      w.Int32(p.leader_id);
      if (v >= 7) w.Int32(p.leader_epoch);
      Int32Array(w, p.replica_nodes, fx);
      Int32Array(w, p.isr_nodes, fx);
      if (v >= 5) Int32Array(w, p.offline_replicas, fx);
      Tags(w, fx);
    }
    if (v >= 8) w.Int32(t.topic_authorized_operations);
    Tags(w, fx);
  }
  if (v >= 8) w.Int32(cluster_authorized_operations);
  Tags(w, fx);
}

bool MetadataResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kMetadata), v);
  if (v >= 3) throttle_time_ms = r.Int32();
  int32_t nb = r.ArrayLength(fx, 10);
  for (int32_t i = 0; i < nb && r.ok(); ++i) {
    Broker b;
    b.node_id = r.Int32();
    b.host = r.String(fx);
    b.port = r.Int32();
    if (v >= 1) b.rack = r.NullableString(fx);
    Tags(r, fx);
    brokers.push_back(std::move(b));
  }
  if (v >= 2) cluster_id = r.NullableString(fx);
  if (v >= 1) controller_id = r.Int32();
  int32_t nt = r.ArrayLength(fx, 4);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.error_code = r.Int16();
    t.name = r.String(fx);
    if (v >= 1) t.is_internal = r.Bool();
    int32_t np = r.ArrayLength(fx, 10);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.error_code = r.Int16();
      p.partition_index = r.Int32();
      p.leader_id = r.Int32();
      if (v >= 7) p.leader_epoch = r.Int32();
      p.replica_nodes = Int32Array(r, fx);
      p.isr_nodes = Int32Array(r, fx);
      if (v >= 5) p.offline_replicas = Int32Array(r, fx);
      Tags(r, fx);
      t.partitions.push_back(std::move(p));
    }
    if (v >= 8) t.topic_authorized_operations = r.Int32();
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  if (v >= 8) cluster_authorized_operations = r.Int32();
  Tags(r, fx);
  return r.ok();
}

}  // namespace evpipe::kafka_protocol
