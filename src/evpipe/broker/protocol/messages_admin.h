// Request and response structs of the admin APIs: CreateTopics, DeleteTopics,
// InitProducerId and DescribeConfigs (conventions: messages.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

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
  bool Decode(Reader& r, int16_t v);
};

// ---- DeleteTopics (20) ----
struct DeleteTopicsRequest {
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct DeleteTopicsResponse {
  int32_t throttle_time_ms = 0;  // v1+
  struct Topic {
    std::string name;
    int16_t error_code = 0;
  };
  std::vector<Topic> responses;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

// ---- InitProducerId (22) ----
struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  bool Decode(Reader& r, int16_t v);
  void Encode(Writer& w, int16_t v) const;
};
struct InitProducerIdResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
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
  void Encode(Writer& w, int16_t v) const;
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
  bool Decode(Reader& r, int16_t v);
};

}  // namespace evpipe::kafka_protocol
