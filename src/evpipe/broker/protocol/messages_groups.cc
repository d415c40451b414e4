// Encode/decode of the consumer-group APIs (see messages_groups.h).
#include "evpipe/broker/protocol/messages_groups.h"

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

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
