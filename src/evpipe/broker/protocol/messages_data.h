// Request and response structs of Produce, Fetch and ListOffsets
// (conventions: messages.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/protocol/messages_common.h"
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

// ---- Produce (0) ----
struct ProduceRequest {
  std::optional<std::string> transactional_id;  // v3+
  int16_t acks = -1;
  int32_t timeout_ms = 0;
  struct Partition {
    int32_t index = 0;
    std::optional<std::string_view> records;
  };
  using Topic = TopicPartitions<Partition>;
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
  using Topic = TopicPartitions<Partition>;
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
  using Topic = TopicPartitions<Partition>;
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
  using Topic = TopicPartitions<Partition>;
  std::vector<Topic> topics;
  void Encode(Writer& w, int16_t v) const;
  bool Decode(Reader& r, int16_t v);
};

}  // namespace evpipe::kafka_protocol
