// Encode/decode for the request and response structs (see messages.h).
#include "evpipe/broker/protocol/messages.h"

#include "evpipe/broker/protocol/api.h"

namespace evpipe::kafka_protocol {
namespace {

constexpr int16_t K(ApiKey k) { return static_cast<int16_t>(k); }

void Tags(Reader& r, bool fx) {
  if (fx) r.SkipTaggedFields();
}
void Tags(Writer& w, bool fx) {
  if (fx) w.EmptyTaggedFields();
}

std::vector<std::string> StringArray(Reader& r, bool fx) {
  std::vector<std::string> out;
  int32_t n = r.ArrayLength(fx, 2);
  for (int32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.String(fx));
  return out;
}


std::vector<int32_t> Int32Array(Reader& r, bool fx) {
  std::vector<int32_t> out;
  int32_t n = r.ArrayLength(fx, 4);
  for (int32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.Int32());
  return out;
}

void Int32Array(Writer& w, const std::vector<int32_t>& v, bool fx) {
  w.ArrayLength(static_cast<int32_t>(v.size()), fx);
  for (int32_t x : v) w.Int32(x);
}

}  // namespace

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

// ---- Produce ----

bool ProduceRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  if (v >= 3) transactional_id = r.NullableString(fx);
  acks = r.Int16();
  timeout_ms = r.Int32();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 8);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.index = r.Int32();
      p.records = r.NullableBytes(fx);
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

void ProduceRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  if (v >= 3) w.NullableString(transactional_id, fx);
  w.Int16(acks);
  w.Int32(timeout_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.index);
      w.NullableBytes(p.records, fx);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

void ProduceResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.index);
      w.Int16(p.error_code);
      w.Int64(p.base_offset);
      if (v >= 2) w.Int64(p.log_append_time_ms);
      if (v >= 5) w.Int64(p.log_start_offset);
      if (v >= 8) {
        w.ArrayLength(0, fx);  // record_errors
        w.NullableString(p.error_message, fx);
      }
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  if (v >= 1) w.Int32(throttle_time_ms);
  Tags(w, fx);
}

bool ProduceResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 14);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.index = r.Int32();
      p.error_code = r.Int16();
      p.base_offset = r.Int64();
      if (v >= 2) p.log_append_time_ms = r.Int64();
      if (v >= 5) p.log_start_offset = r.Int64();
      if (v >= 8) {
        int32_t ne = r.ArrayLength(fx, 6);
        for (int32_t k = 0; k < ne && r.ok(); ++k) {
          r.Int32();
          r.NullableString(fx);
          Tags(r, fx);
        }
        p.error_message = r.NullableString(fx);
      }
      Tags(r, fx);
      t.partitions.push_back(std::move(p));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  if (v >= 1) throttle_time_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

// ---- Fetch ----

bool FetchRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  replica_id = r.Int32();
  max_wait_ms = r.Int32();
  min_bytes = r.Int32();
  if (v >= 3) max_bytes = r.Int32();
  if (v >= 4) isolation_level = r.Int8();
  if (v >= 7) {
    session_id = r.Int32();
    session_epoch = r.Int32();
  }
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.topic = r.String(fx);
    int32_t np = r.ArrayLength(fx, 16);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition = r.Int32();
      if (v >= 9) p.current_leader_epoch = r.Int32();
      p.fetch_offset = r.Int64();
      if (v >= 5) p.log_start_offset = r.Int64();
      p.partition_max_bytes = r.Int32();
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  if (v >= 7) {
    int32_t nf = r.ArrayLength(fx, 6);
    for (int32_t i = 0; i < nf && r.ok(); ++i) {
      Forgotten f;
      f.topic = r.String(fx);
      f.partitions = Int32Array(r, fx);
      Tags(r, fx);
      forgotten.push_back(std::move(f));
    }
  }
  if (v >= 11) rack_id = r.String(fx);
  Tags(r, fx);
  return r.ok();
}

void FetchRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  w.Int32(replica_id);
  w.Int32(max_wait_ms);
  w.Int32(min_bytes);
  if (v >= 3) w.Int32(max_bytes);
  if (v >= 4) w.Int8(isolation_level);
  if (v >= 7) {
    w.Int32(session_id);
    w.Int32(session_epoch);
  }
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.topic, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition);
      if (v >= 9) w.Int32(p.current_leader_epoch);
      w.Int64(p.fetch_offset);
      if (v >= 5) w.Int64(p.log_start_offset);
      w.Int32(p.partition_max_bytes);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  if (v >= 7) {
    w.ArrayLength(static_cast<int32_t>(forgotten.size()), fx);
    for (const Forgotten& f : forgotten) {
      w.String(f.topic, fx);
      Int32Array(w, f.partitions, fx);
      Tags(w, fx);
    }
  }
  if (v >= 11) w.String(rack_id, fx);
  Tags(w, fx);
}

void FetchResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  if (v >= 7) {
    w.Int16(error_code);
    w.Int32(session_id);
  }
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.topic, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition);
      w.Int16(p.error_code);
      w.Int64(p.high_watermark);
      if (v >= 4) {
        w.Int64(p.last_stable_offset);
        if (v >= 5) w.Int64(p.log_start_offset);
        w.ArrayLength(0, fx);  // aborted_transactions: none (no transactions)
      }
      if (v >= 11) w.Int32(p.preferred_read_replica);
      w.Bytes(p.records, fx);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

bool FetchResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  if (v >= 1) throttle_time_ms = r.Int32();
  if (v >= 7) {
    error_code = r.Int16();
    session_id = r.Int32();
  }
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.topic = r.String(fx);
    int32_t np = r.ArrayLength(fx, 18);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition = r.Int32();
      p.error_code = r.Int16();
      p.high_watermark = r.Int64();
      if (v >= 4) {
        p.last_stable_offset = r.Int64();
        if (v >= 5) p.log_start_offset = r.Int64();
        int32_t na = r.ArrayLength(fx, 16);
        for (int32_t k = 0; k < na && r.ok(); ++k) {
          r.Int64();
          r.Int64();
          Tags(r, fx);
        }
      }
      if (v >= 11) p.preferred_read_replica = r.Int32();
      p.records = std::string(r.Bytes(fx));
      Tags(r, fx);
      t.partitions.push_back(std::move(p));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

// ---- ListOffsets ----

bool ListOffsetsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  replica_id = r.Int32();
  if (v >= 2) isolation_level = r.Int8();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 12);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition_index = r.Int32();
      if (v >= 4) p.current_leader_epoch = r.Int32();
      p.timestamp = r.Int64();
      if (v == 0) r.Int32();  // max_num_offsets
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

void ListOffsetsRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  w.Int32(replica_id);
  if (v >= 2) w.Int8(isolation_level);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition_index);
      if (v >= 4) w.Int32(p.current_leader_epoch);
      w.Int64(p.timestamp);
      if (v == 0) w.Int32(1);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

void ListOffsetsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  if (v >= 2) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition_index);
      w.Int16(p.error_code);
      if (v == 0) {
        w.ArrayLength(p.offset >= 0 ? 1 : 0, fx);
        if (p.offset >= 0) w.Int64(p.offset);
      } else {
        w.Int64(p.timestamp);
        w.Int64(p.offset);
      }
      if (v >= 4) w.Int32(p.leader_epoch);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

bool ListOffsetsResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  if (v >= 2) throttle_time_ms = r.Int32();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 6);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition_index = r.Int32();
      p.error_code = r.Int16();
      if (v >= 1) {
        p.timestamp = r.Int64();
        p.offset = r.Int64();
      }
      if (v >= 4) p.leader_epoch = r.Int32();
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

// ---- FindCoordinator ----

bool FindCoordinatorRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kFindCoordinator), v);
  key = r.String(fx);
  if (v >= 1) key_type = r.Int8();
  Tags(r, fx);
  return r.ok();
}

void FindCoordinatorRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kFindCoordinator), v);
  w.String(key, fx);
  if (v >= 1) w.Int8(key_type);
  Tags(w, fx);
}

void FindCoordinatorResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kFindCoordinator), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.Int16(error_code);
  if (v >= 1) w.NullableString(error_message, fx);
  w.Int32(node_id);
  w.String(host, fx);
  w.Int32(port);
  Tags(w, fx);
}

// ---- JoinGroup ----

bool JoinGroupRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kJoinGroup), v);
  group_id = r.String(fx);
  session_timeout_ms = r.Int32();
  rebalance_timeout_ms = v >= 1 ? r.Int32() : session_timeout_ms;
  member_id = r.String(fx);
  if (v >= 5) group_instance_id = r.NullableString(fx);
  protocol_type = r.String(fx);
  int32_t n = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    Protocol p;
    p.name = r.String(fx);
    p.metadata = std::string(r.Bytes(fx));
    Tags(r, fx);
    protocols.push_back(std::move(p));
  }
  Tags(r, fx);
  return r.ok();
}

void JoinGroupRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kJoinGroup), v);
  w.String(group_id, fx);
  w.Int32(session_timeout_ms);
  if (v >= 1) w.Int32(rebalance_timeout_ms);
  w.String(member_id, fx);
  if (v >= 5) w.NullableString(group_instance_id, fx);
  w.String(protocol_type, fx);
  w.ArrayLength(static_cast<int32_t>(protocols.size()), fx);
  for (const Protocol& p : protocols) {
    w.String(p.name, fx);
    w.Bytes(p.metadata, fx);
    Tags(w, fx);
  }
  Tags(w, fx);
}

void JoinGroupResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kJoinGroup), v);
  if (v >= 2) w.Int32(throttle_time_ms);
  w.Int16(error_code);
  w.Int32(generation_id);
  w.String(protocol_name, fx);
  w.String(leader, fx);
  w.String(member_id, fx);
  w.ArrayLength(static_cast<int32_t>(members.size()), fx);
  for (const Member& m : members) {
    w.String(m.member_id, fx);
    if (v >= 5) w.NullableString(m.group_instance_id, fx);
    w.Bytes(m.metadata, fx);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- SyncGroup ----

bool SyncGroupRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kSyncGroup), v);
  group_id = r.String(fx);
  generation_id = r.Int32();
  member_id = r.String(fx);
  if (v >= 3) group_instance_id = r.NullableString(fx);
  int32_t n = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    Assignment a;
    a.member_id = r.String(fx);
    a.assignment = std::string(r.Bytes(fx));
    Tags(r, fx);
    assignments.push_back(std::move(a));
  }
  Tags(r, fx);
  return r.ok();
}

void SyncGroupResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kSyncGroup), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.Int16(error_code);
  w.Bytes(assignment, fx);
  Tags(w, fx);
}

// ---- Heartbeat ----

bool HeartbeatRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kHeartbeat), v);
  group_id = r.String(fx);
  generation_id = r.Int32();
  member_id = r.String(fx);
  if (v >= 3) group_instance_id = r.NullableString(fx);
  Tags(r, fx);
  return r.ok();
}

void SimpleErrorResponse::Encode(Writer& w, int16_t v, int16_t throttle_from_version) const {
  if (v >= throttle_from_version) w.Int32(throttle_time_ms);
  w.Int16(error_code);
}

// ---- LeaveGroup ----

bool LeaveGroupRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kLeaveGroup), v);
  group_id = r.String(fx);
  if (v <= 2) {
    members.push_back({r.String(fx), std::nullopt});
  } else {
    int32_t n = r.ArrayLength(fx, 4);
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      Member m;
      m.member_id = r.String(fx);
      m.group_instance_id = r.NullableString(fx);
      Tags(r, fx);
      members.push_back(std::move(m));
    }
  }
  Tags(r, fx);
  return r.ok();
}

void LeaveGroupResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kLeaveGroup), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.Int16(error_code);
  if (v >= 3) {
    w.ArrayLength(static_cast<int32_t>(members.size()), fx);
    for (const Member& m : members) {
      w.String(m.member_id, fx);
      w.NullableString(m.group_instance_id, fx);
      w.Int16(m.error_code);
      Tags(w, fx);
    }
  }
  Tags(w, fx);
}

// ---- OffsetCommit ----

bool OffsetCommitRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kOffsetCommit), v);
  group_id = r.String(fx);
  if (v >= 1) {
    generation_id = r.Int32();
    member_id = r.String(fx);
  }
  if (v >= 7) group_instance_id = r.NullableString(fx);
  if (v >= 2 && v <= 4) retention_time_ms = r.Int64();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 14);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition_index = r.Int32();
      p.committed_offset = r.Int64();
      if (v >= 6) p.committed_leader_epoch = r.Int32();
      if (v == 1) p.commit_timestamp = r.Int64();
      p.committed_metadata = r.NullableString(fx);
      Tags(r, fx);
      t.partitions.push_back(std::move(p));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

void OffsetCommitResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kOffsetCommit), v);
  if (v >= 3) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition_index);
      w.Int16(p.error_code);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- OffsetFetch ----

bool OffsetFetchRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kOffsetFetch), v);
  group_id = r.String(fx);
  int32_t nt = r.ArrayLength(fx, 6);
  if (nt >= 0) {
    topics.emplace();
    for (int32_t i = 0; i < nt && r.ok(); ++i) {
      Topic t;
      t.name = r.String(fx);
      t.partition_indexes = Int32Array(r, fx);
      Tags(r, fx);
      topics->push_back(std::move(t));
    }
  }
  Tags(r, fx);
  return r.ok();
}

void OffsetFetchResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kOffsetFetch), v);
  if (v >= 3) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition_index);
      w.Int64(p.committed_offset);
      if (v >= 5) w.Int32(p.committed_leader_epoch);
      w.NullableString(p.metadata, fx);
      w.Int16(p.error_code);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  if (v >= 2) w.Int16(error_code);
  Tags(w, fx);
}

// ---- ListGroups ----

void ListGroupsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kListGroups), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.Int16(error_code);
  w.ArrayLength(static_cast<int32_t>(groups.size()), fx);
  for (const Group& g : groups) {
    w.String(g.group_id, fx);
    w.String(g.protocol_type, fx);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- DescribeGroups ----

bool DescribeGroupsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDescribeGroups), v);
  groups = StringArray(r, fx);
  if (v >= 3) include_authorized_operations = r.Bool();
  Tags(r, fx);
  return r.ok();
}

void DescribeGroupsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDescribeGroups), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(groups.size()), fx);
  for (const Group& g : groups) {
    w.Int16(g.error_code);
    w.String(g.group_id, fx);
    w.String(g.group_state, fx);
    w.String(g.protocol_type, fx);
    w.String(g.protocol_data, fx);
    w.ArrayLength(static_cast<int32_t>(g.members.size()), fx);
    for (const Member& m : g.members) {
      w.String(m.member_id, fx);
      if (v >= 4) w.NullableString(m.group_instance_id, fx);
      w.String(m.client_id, fx);
      w.String(m.client_host, fx);
      w.Bytes(m.member_metadata, fx);
      w.Bytes(m.member_assignment, fx);
      Tags(w, fx);
    }
    if (v >= 3) w.Int32(g.authorized_operations);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- CreateTopics ----

bool CreateTopicsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kCreateTopics), v);
  int32_t nt = r.ArrayLength(fx, 10);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    t.num_partitions = r.Int32();
    t.replication_factor = r.Int16();
    int32_t na = r.ArrayLength(fx, 8);
    for (int32_t j = 0; j < na && r.ok(); ++j) {
      int32_t index = r.Int32();
      t.assignments.emplace_back(index, Int32Array(r, fx));
      Tags(r, fx);
    }
    int32_t nc = r.ArrayLength(fx, 4);
    for (int32_t j = 0; j < nc && r.ok(); ++j) {
      Config c;
      c.name = r.String(fx);
      c.value = r.NullableString(fx);
      Tags(r, fx);
      t.configs.push_back(std::move(c));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  timeout_ms = r.Int32();
  if (v >= 1) validate_only = r.Bool();
  Tags(r, fx);
  return r.ok();
}

void CreateTopicsRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kCreateTopics), v);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.Int32(t.num_partitions);
    w.Int16(t.replication_factor);
    w.ArrayLength(static_cast<int32_t>(t.assignments.size()), fx);
    for (const auto& [index, brokers] : t.assignments) {
      w.Int32(index);
      Int32Array(w, brokers, fx);
      Tags(w, fx);
    }
    w.ArrayLength(static_cast<int32_t>(t.configs.size()), fx);
    for (const Config& c : t.configs) {
      w.String(c.name, fx);
      w.NullableString(c.value, fx);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  w.Int32(timeout_ms);
  if (v >= 1) w.Bool(validate_only);
  Tags(w, fx);
}

void CreateTopicsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kCreateTopics), v);
  if (v >= 2) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.Int16(t.error_code);
    if (v >= 1) w.NullableString(t.error_message, fx);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- DeleteTopics ----

bool DeleteTopicsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDeleteTopics), v);
  topic_names = StringArray(r, fx);
  timeout_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

void DeleteTopicsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDeleteTopics), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(responses.size()), fx);
  for (const Topic& t : responses) {
    w.String(t.name, fx);
    w.Int16(t.error_code);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- InitProducerId ----

bool InitProducerIdRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kInitProducerId), v);
  transactional_id = r.NullableString(fx);
  transaction_timeout_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

void InitProducerIdResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kInitProducerId), v);
  w.Int32(throttle_time_ms);
  w.Int16(error_code);
  w.Int64(producer_id);
  w.Int16(producer_epoch);
  Tags(w, fx);
}

// ---- DescribeConfigs ----

bool DescribeConfigsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDescribeConfigs), v);
  int32_t n = r.ArrayLength(fx, 7);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    Resource res;
    res.resource_type = r.Int8();
    res.resource_name = r.String(fx);
    int32_t nk = r.ArrayLength(fx, 2);
    if (nk >= 0) {
      res.configuration_keys.emplace();
      for (int32_t j = 0; j < nk && r.ok(); ++j) res.configuration_keys->push_back(r.String(fx));
    }
    Tags(r, fx);
    resources.push_back(std::move(res));
  }
  if (v >= 1) include_synonyms = r.Bool();
  if (v >= 3) include_documentation = r.Bool();
  Tags(r, fx);
  return r.ok();
}

void DescribeConfigsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDescribeConfigs), v);
  w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(results.size()), fx);
  for (const Result& res : results) {
    w.Int16(res.error_code);
    w.NullableString(res.error_message, fx);
    w.Int8(res.resource_type);
    w.String(res.resource_name, fx);
    w.ArrayLength(static_cast<int32_t>(res.configs.size()), fx);
    for (const Config& c : res.configs) {
      w.String(c.name, fx);
      w.NullableString(c.value, fx);
      w.Bool(c.read_only);
      if (v == 0) {
        w.Bool(c.is_default);
      } else {
        w.Int8(c.config_source);
      }
      w.Bool(c.is_sensitive);
      if (v >= 1) w.ArrayLength(0, fx);  // synonyms
      if (v >= 3) {
        w.Int8(c.config_type);
        w.NullableString(std::nullopt, fx);  // documentation
      }
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- DeleteGroups ----

bool DeleteGroupsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDeleteGroups), v);
  groups_names = StringArray(r, fx);
  Tags(r, fx);
  return r.ok();
}

void DeleteGroupsRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDeleteGroups), v);
  w.ArrayLength(static_cast<int32_t>(groups_names.size()), fx);
  for (const std::string& g : groups_names) w.String(g, fx);
  Tags(w, fx);
}

void DeleteGroupsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDeleteGroups), v);
  w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(results.size()), fx);
  for (const Result& r : results) {
    w.String(r.group_id, fx);
    w.Int16(r.error_code);
    Tags(w, fx);
  }
  Tags(w, fx);
}

bool DeleteGroupsResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDeleteGroups), v);
  throttle_time_ms = r.Int32();
  int32_t n = r.ArrayLength(fx, 4);
  results.clear();
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    Result res;
    res.group_id = r.String(fx);
    res.error_code = r.Int16();
    Tags(r, fx);
    results.push_back(std::move(res));
  }
  Tags(r, fx);
  return r.ok();
}

}  // namespace evpipe::kafka_protocol
