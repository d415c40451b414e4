// Request and response structs of the cluster APIs: request and response
// headers, ApiVersions and Metadata
// (conventions: messages.h).
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

}  // namespace evpipe::kafka_protocol
