// Request and response structs of the consumer-group APIs: FindCoordinator,
// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// ListGroups, DescribeGroups and DeleteGroups (conventions: messages.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/protocol/messages_common.h"
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

// ---- FindCoordinator (10) ----
struct FindCoordinatorRequest {
  std::string key;
  int8_t key_type = 0;  // v1+: 0 group, 1 transaction
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct FindCoordinatorResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- JoinGroup (11) ----
struct JoinGroupRequest {
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v1+ (v0: = session timeout)
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v5+
  std::string protocol_type;
  struct Protocol {
    std::string name;
    std::string metadata;
  };
  std::vector<Protocol> protocols;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct JoinGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string metadata;
  };
  std::vector<Member> members;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- SyncGroup (14) ----
struct SyncGroupRequest {
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  struct Assignment {
    std::string member_id;
    std::string assignment;
  };
  std::vector<Assignment> assignments;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct SyncGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::string assignment;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- Heartbeat (12) ----
struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct SimpleErrorResponse {  // Heartbeat and others whose body is throttle + error
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  void Encode(Writer& w, int16_t v, int16_t throttle_from_version) const;
};

// ---- LeaveGroup (13) ----
struct LeaveGroupRequest {
  std::string group_id;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
  };
  std::vector<Member> members;  // v0-2: exactly one (member_id)
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct LeaveGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int16_t error_code = 0;
  };
  std::vector<Member> members;  // v3+
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- OffsetCommit (8) ----
struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = -1;  // v1+
  std::string member_id;       // v1+
  std::optional<std::string> group_instance_id;  // v7+
  int64_t retention_time_ms = -1;  // v2-4
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;  // v6+
    int64_t commit_timestamp = -1;        // v1
    std::optional<std::string> committed_metadata;
  };
  using Topic = TopicPartitions<Partition>;
  std::vector<Topic> topics;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct OffsetCommitResponse {
  int32_t throttle_time_ms = 0;  // v3+
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
  };
  using Topic = TopicPartitions<Partition>;
  std::vector<Topic> topics;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- OffsetFetch (9) ----
struct OffsetFetchRequest {
  std::string group_id;
  struct Topic {
    std::string name;
    std::vector<int32_t> partition_indexes;
  };
  std::optional<std::vector<Topic>> topics;  // null (v2+) = all committed
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct OffsetFetchResponse {
  int32_t throttle_time_ms = 0;  // v3+
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = -1;
    int32_t committed_leader_epoch = -1;  // v5+
    std::optional<std::string> metadata;
    int16_t error_code = 0;
  };
  using Topic = TopicPartitions<Partition>;
  std::vector<Topic> topics;
  int16_t error_code = 0;  // v2+
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- ListGroups (16) ----
struct ListGroupsResponse {
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  struct Group {
    std::string group_id;
    std::string protocol_type;
  };
  std::vector<Group> groups;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- DescribeGroups (15) ----
struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct DescribeGroupsResponse {
  int32_t throttle_time_ms = 0;  // v1+
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v4+
    std::string client_id;
    std::string client_host;
    std::string member_metadata;
    std::string member_assignment;
  };
  struct Group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;
    std::vector<Member> members;
    int32_t authorized_operations = INT32_MIN;  // v3+
  };
  std::vector<Group> groups;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- DeleteGroups (42) ----
struct DeleteGroupsRequest {
  std::vector<std::string> groups_names;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct DeleteGroupsResponse {
  int32_t throttle_time_ms = 0;
  struct Result {
    std::string group_id;
    int16_t error_code = 0;
  };
  std::vector<Result> results;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

}  // namespace evpipe::kafka_protocol
