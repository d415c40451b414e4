// Request and response structs for every API the broker supports, with
// version-aware Decode (requests) and Encode (responses); requests also have
// Encode so that tests and tools can build them. Field names follow the
// message definitions of the Kafka protocol; see docs/formats/kafka_protocol.md.
//
// Decode reads from a Reader over the request body (after the header); the
// string_views inside a decoded request point into that body, so the body
// must outlive the struct. Decode returns false on malformed input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

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

// ---- ApiVersions (18) ----
struct ApiVersionsRequest {
  std::string client_software_name;     // v3+
  std::string client_software_version;  // v3+
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct ApiVersionsResponse {
  int16_t error_code = 0;
  struct Api {
    int16_t api_key, min_version, max_version;
  };
  std::vector<Api> api_keys;
  int32_t throttle_time_ms = 0;  // v1+
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- Metadata (3) ----
struct MetadataRequest {
  std::optional<std::vector<std::string>> topics;  // null (v1+) or empty (v0) = all
  bool allow_auto_topic_creation = true;           // v4+
  bool include_cluster_authorized_operations = false;  // v8+
  bool include_topic_authorized_operations = false;    // v8+
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct MetadataResponse {
  int32_t throttle_time_ms = 0;
  struct Broker {
    int32_t node_id;
    std::string host;
    int32_t port;
    std::optional<std::string> rack;
  };
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  struct Partition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = 0;
    int32_t leader_epoch = 0;
    std::vector<int32_t> replica_nodes, isr_nodes, offline_replicas;
  };
  struct Topic {
    int16_t error_code = 0;
    std::string name;
    bool is_internal = false;
    std::vector<Partition> partitions;
    int32_t topic_authorized_operations = INT32_MIN;
  };
  std::vector<Topic> topics;
  int32_t cluster_authorized_operations = INT32_MIN;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- Produce (0) ----
struct ProduceRequest {
  std::optional<std::string> transactional_id;  // v3+
  int16_t acks = -1;
  int32_t timeout_ms = 0;
  struct Partition {
    int32_t index = 0;
    std::optional<std::string_view> records;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct ProduceResponse {
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = -1;
    int64_t log_append_time_ms = -1;  // v2+
    int64_t log_start_offset = -1;    // v5+
    std::optional<std::string> error_message;  // v8+
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t throttle_time_ms = 0;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- Fetch (1) ----
struct FetchRequest {
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;  // v3+
  int8_t isolation_level = 0;      // v4+
  int32_t session_id = 0;          // v7+
  int32_t session_epoch = -1;      // v7+
  struct Partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;  // v9+
    int64_t fetch_offset = 0;
    int64_t log_start_offset = -1;  // v5+
    int32_t partition_max_bytes = 0;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  struct Forgotten {
    std::string topic;
    std::vector<int32_t> partitions;
  };
  std::vector<Forgotten> forgotten;  // v7+
  std::string rack_id;               // v11+
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct FetchResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // v7+
  int32_t session_id = 0;  // v7+
  struct Partition {
    int32_t partition = 0;
    int16_t error_code = 0;
    int64_t high_watermark = -1;
    int64_t last_stable_offset = -1;  // v4+
    int64_t log_start_offset = -1;    // v5+
    int32_t preferred_read_replica = -1;  // v11+
    std::string records;  // whole record batches
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- ListOffsets (2) ----
struct ListOffsetsRequest {
  int32_t replica_id = -1;
  int8_t isolation_level = 0;  // v2+
  struct Partition {
    int32_t partition_index = 0;
    int32_t current_leader_epoch = -1;  // v4+
    int64_t timestamp = -1;             // -1 latest, -2 earliest
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct ListOffsetsResponse {
  int32_t throttle_time_ms = 0;  // v2+
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;  // v4+
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

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
};
struct SyncGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::string assignment;
  void Encode(Writer& w, int16_t v) const;
};

// ---- Heartbeat (12) ----
struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  bool Decode(Reader& r, int16_t v);
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
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  bool Decode(Reader& r, int16_t v);
};
struct OffsetCommitResponse {
  int32_t throttle_time_ms = 0;  // v3+
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  void Encode(Writer& w, int16_t v) const;
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
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int16_t error_code = 0;  // v2+
  void Encode(Writer& w, int16_t v) const;
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
};

// ---- DescribeGroups (15) ----
struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+
  bool Decode(Reader& r, int16_t v);
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
};

// ---- CreateTopics (19) ----
struct CreateTopicsRequest {
  struct Config {
    std::string name;
    std::optional<std::string> value;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::vector<std::pair<int32_t, std::vector<int32_t>>> assignments;
    std::vector<Config> configs;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;  // v1+
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct CreateTopicsResponse {
  int32_t throttle_time_ms = 0;  // v2+
  struct Topic {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
  };
  std::vector<Topic> topics;
  void Encode(Writer& w, int16_t v) const;
};

// ---- DeleteTopics (20) ----
struct DeleteTopicsRequest {
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;
  bool Decode(Reader& r, int16_t v);
};
struct DeleteTopicsResponse {
  int32_t throttle_time_ms = 0;  // v1+
  struct Topic {
    std::string name;
    int16_t error_code = 0;
  };
  std::vector<Topic> responses;
  void Encode(Writer& w, int16_t v) const;
};

// ---- InitProducerId (22) ----
struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  bool Decode(Reader& r, int16_t v);
};
struct InitProducerIdResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  void Encode(Writer& w, int16_t v) const;
};

// ---- DescribeConfigs (32) ----
struct DescribeConfigsRequest {
  struct Resource {
    int8_t resource_type = 0;  // 2 topic, 4 broker
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys;
  };
  std::vector<Resource> resources;
  bool include_synonyms = false;       // v1+
  bool include_documentation = false;  // v3+
  bool Decode(Reader& r, int16_t v);
};
struct DescribeConfigsResponse {
  int32_t throttle_time_ms = 0;
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;  // v0
    int8_t config_source = 5;  // v1+: 5 = DEFAULT_CONFIG
    bool is_sensitive = false;
    int8_t config_type = 0;  // v3+
  };
  struct Result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
  };
  std::vector<Result> results;
  void Encode(Writer& w, int16_t v) const;
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
