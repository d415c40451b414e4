// The consumer-group APIs, each message described once (see
// messages_internal.h and messages_groups.h).
#include "evpipe/broker/protocol/messages_groups.h"

#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

// ---- FindCoordinator ----

template <class Io>
void Visit(Io& io, FindCoordinatorRequest& m, int16_t v) {
  io.String(m.key);
  if (v >= 1) io.Int8(m.key_type);
  io.Tags();
}

template <class Io>
void Visit(Io& io, FindCoordinatorResponse& m, int16_t v) {
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Int16(m.error_code);
  if (v >= 1) io.NullableString(m.error_message);
  io.Int32(m.node_id);
  io.String(m.host);
  io.Int32(m.port);
  io.Tags();
}

// ---- JoinGroup ----

template <class Io>
void Visit(Io& io, JoinGroupRequest& m, int16_t v) {
  io.String(m.group_id);
  io.Int32(m.session_timeout_ms);
  if (v >= 1) {
    io.Int32(m.rebalance_timeout_ms);
  } else if (Io::kDecoding) {
    m.rebalance_timeout_ms = m.session_timeout_ms;  // v0 has one timeout for both
  }
  io.String(m.member_id);
  if (v >= 5) io.NullableString(m.group_instance_id);
  io.String(m.protocol_type);
  io.Array(m.protocols, 6, [&](JoinGroupRequest::Protocol& p) {
    io.String(p.name);
    io.Bytes(p.metadata);
    io.Tags();
  });
  io.Tags();
}

template <class Io>
void Visit(Io& io, JoinGroupResponse& m, int16_t v) {
  if (v >= 2) io.Int32(m.throttle_time_ms);
  io.Int16(m.error_code);
  io.Int32(m.generation_id);
  io.String(m.protocol_name);
  io.String(m.leader);
  io.String(m.member_id);
  io.Array(m.members, 3, [&](JoinGroupResponse::Member& mem) {
    io.String(mem.member_id);
    if (v >= 5) io.NullableString(mem.group_instance_id);
    io.Bytes(mem.metadata);
    io.Tags();
  });
  io.Tags();
}

// ---- SyncGroup ----

template <class Io>
void Visit(Io& io, SyncGroupRequest& m, int16_t v) {
  io.String(m.group_id);
  io.Int32(m.generation_id);
  io.String(m.member_id);
  if (v >= 3) io.NullableString(m.group_instance_id);
  io.Array(m.assignments, 6, [&](SyncGroupRequest::Assignment& a) {
    io.String(a.member_id);
    io.Bytes(a.assignment);
    io.Tags();
  });
  io.Tags();
}

template <class Io>
void Visit(Io& io, SyncGroupResponse& m, int16_t v) {
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Int16(m.error_code);
  io.Bytes(m.assignment);
  io.Tags();
}

// ---- Heartbeat ----

template <class Io>
void Visit(Io& io, HeartbeatRequest& m, int16_t v) {
  io.String(m.group_id);
  io.Int32(m.generation_id);
  io.String(m.member_id);
  if (v >= 3) io.NullableString(m.group_instance_id);
  io.Tags();
}

void SimpleErrorResponse::Encode(Writer& w, int16_t v, int16_t throttle_from_version) const {
  if (v >= throttle_from_version) w.Int32(throttle_time_ms);
  w.Int16(error_code);
}

// ---- LeaveGroup ----

template <class Io>
void Visit(Io& io, LeaveGroupRequest& m, int16_t v) {
  io.String(m.group_id);
  if (v <= 2) {  // one member, by id
    if (Io::kDecoding) m.members.assign(1, {});
    std::string none;
    io.String(m.members.empty() ? none : m.members[0].member_id);
  } else {
    io.Array(m.members, 4, [&](LeaveGroupRequest::Member& mem) {
      io.String(mem.member_id);
      io.NullableString(mem.group_instance_id);
      io.Tags();
    });
  }
  io.Tags();
}

template <class Io>
void Visit(Io& io, LeaveGroupResponse& m, int16_t v) {
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Int16(m.error_code);
  if (v >= 3) {
    io.Array(m.members, 4, [&](LeaveGroupResponse::Member& mem) {
      io.String(mem.member_id);
      io.NullableString(mem.group_instance_id);
      io.Int16(mem.error_code);
      io.Tags();
    });
  }
  io.Tags();
}

// ---- OffsetCommit ----

template <class Io>
void Visit(Io& io, OffsetCommitRequest& m, int16_t v) {
  io.String(m.group_id);
  if (v >= 1) {
    io.Int32(m.generation_id);
    io.String(m.member_id);
  }
  if (v >= 7) io.NullableString(m.group_instance_id);
  if (v >= 2 && v <= 4) io.Int64(m.retention_time_ms);
  TopicList<6, 14>(io, m.topics, [&](OffsetCommitRequest::Partition& p) {
    io.Int32(p.partition_index);
    io.Int64(p.committed_offset);
    if (v >= 6) io.Int32(p.committed_leader_epoch);
    if (v == 1) io.Int64(p.commit_timestamp);
    io.NullableString(p.committed_metadata);
    io.Tags();
  });
  io.Tags();
}

template <class Io>
void Visit(Io& io, OffsetCommitResponse& m, int16_t v) {
  if (v >= 3) io.Int32(m.throttle_time_ms);
  TopicList<3, 6>(io, m.topics, [&](OffsetCommitResponse::Partition& p) {
    io.Int32(p.partition_index);
    io.Int16(p.error_code);
    io.Tags();
  });
  io.Tags();
}

// ---- OffsetFetch ----

template <class Io>
void Visit(Io& io, OffsetFetchRequest& m, int16_t) {
  io.String(m.group_id);
  io.NullableArray(m.topics, 6, [&](OffsetFetchRequest::Topic& t) {  // null (v2+): all
    io.String(t.name);
    io.Int32Array(t.partition_indexes);
    io.Tags();
  });
  io.Tags();
}

template <class Io>
void Visit(Io& io, OffsetFetchResponse& m, int16_t v) {
  if (v >= 3) io.Int32(m.throttle_time_ms);
  TopicList<3, 14>(io, m.topics, [&](OffsetFetchResponse::Partition& p) {
    io.Int32(p.partition_index);
    io.Int64(p.committed_offset);
    if (v >= 5) io.Int32(p.committed_leader_epoch);
    io.NullableString(p.metadata);
    io.Int16(p.error_code);
    io.Tags();
  });
  if (v >= 2) io.Int16(m.error_code);
  io.Tags();
}

// ---- ListGroups ----

template <class Io>
void Visit(Io& io, ListGroupsResponse& m, int16_t v) {
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Int16(m.error_code);
  io.Array(m.groups, 3, [&](ListGroupsResponse::Group& g) {
    io.String(g.group_id);
    io.String(g.protocol_type);
    io.Tags();
  });
  io.Tags();
}

// ---- DescribeGroups ----

template <class Io>
void Visit(Io& io, DescribeGroupsRequest& m, int16_t v) {
  io.StringArray(m.groups);
  if (v >= 3) io.Bool(m.include_authorized_operations);
  io.Tags();
}

template <class Io>
void Visit(Io& io, DescribeGroupsResponse& m, int16_t v) {
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Array(m.groups, 8, [&](DescribeGroupsResponse::Group& g) {
    io.Int16(g.error_code);
    io.String(g.group_id);
    io.String(g.group_state);
    io.String(g.protocol_type);
    io.String(g.protocol_data);
    io.Array(g.members, 5, [&](DescribeGroupsResponse::Member& mem) {
      io.String(mem.member_id);
      if (v >= 4) io.NullableString(mem.group_instance_id);
      io.String(mem.client_id);
      io.String(mem.client_host);
      io.Bytes(mem.member_metadata);
      io.Bytes(mem.member_assignment);
      io.Tags();
    });
    if (v >= 3) io.Int32(g.authorized_operations);
    io.Tags();
  });
  io.Tags();
}

// ---- DeleteGroups ----

template <class Io>
void Visit(Io& io, DeleteGroupsRequest& m, int16_t) {
  io.StringArray(m.groups_names);
  io.Tags();
}

template <class Io>
void Visit(Io& io, DeleteGroupsResponse& m, int16_t) {
  io.Int32(m.throttle_time_ms);
  io.Array(m.results, 4, [&](DeleteGroupsResponse::Result& res) {
    io.String(res.group_id);
    io.Int16(res.error_code);
    io.Tags();
  });
  io.Tags();
}

// ---- Decode and Encode, from the descriptions above ----

EVPIPE_MESSAGE_CODEC(FindCoordinatorRequest, ApiKey::kFindCoordinator)
EVPIPE_MESSAGE_CODEC(FindCoordinatorResponse, ApiKey::kFindCoordinator)
EVPIPE_MESSAGE_CODEC(JoinGroupRequest, ApiKey::kJoinGroup)
EVPIPE_MESSAGE_CODEC(JoinGroupResponse, ApiKey::kJoinGroup)
EVPIPE_MESSAGE_CODEC(SyncGroupRequest, ApiKey::kSyncGroup)
EVPIPE_MESSAGE_CODEC(SyncGroupResponse, ApiKey::kSyncGroup)
EVPIPE_MESSAGE_CODEC(HeartbeatRequest, ApiKey::kHeartbeat)
EVPIPE_MESSAGE_CODEC(LeaveGroupRequest, ApiKey::kLeaveGroup)
EVPIPE_MESSAGE_CODEC(LeaveGroupResponse, ApiKey::kLeaveGroup)
EVPIPE_MESSAGE_CODEC(OffsetCommitRequest, ApiKey::kOffsetCommit)
EVPIPE_MESSAGE_CODEC(OffsetCommitResponse, ApiKey::kOffsetCommit)
EVPIPE_MESSAGE_CODEC(OffsetFetchRequest, ApiKey::kOffsetFetch)
EVPIPE_MESSAGE_CODEC(OffsetFetchResponse, ApiKey::kOffsetFetch)
EVPIPE_MESSAGE_CODEC(ListGroupsResponse, ApiKey::kListGroups)
EVPIPE_MESSAGE_CODEC(DescribeGroupsRequest, ApiKey::kDescribeGroups)
EVPIPE_MESSAGE_CODEC(DescribeGroupsResponse, ApiKey::kDescribeGroups)
EVPIPE_MESSAGE_CODEC(DeleteGroupsRequest, ApiKey::kDeleteGroups)
EVPIPE_MESSAGE_CODEC(DeleteGroupsResponse, ApiKey::kDeleteGroups)

}  // namespace evpipe::kafka_protocol
