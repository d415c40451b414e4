// `evpipe broker`: a single-node, durable Kafka-protocol broker. RunBroker
// owns everything: the Kafka listener and its I/O thread, the group-commit
// fsync path, the group coordinator and the admin HTTP endpoint.
// See docs/readme/broker.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "evpipe/broker/log_store.h"
#include "evpipe/core/status.h"

namespace evpipe::broker {

inline constexpr const char* kDefaultListen = "127.0.0.1:9092";
inline constexpr const char* kDefaultAdminListen = "127.0.0.1:9644";
inline constexpr int32_t kDefaultPartitionCount = 3;
inline constexpr int32_t kMaxRequestBytes = 100 * 1024 * 1024;
// Resource bounds (docs/readme/broker.md, "Limits"); the flag is in brackets.
inline constexpr int32_t kDefaultMaxConnections = 1000;               // [--max-connections]
inline constexpr int64_t kDefaultConnectionsMaxIdleMs = 10 * 60 * 1000;  // [--connections-max-idle-ms], Kafka's
inline constexpr int64_t kDefaultRequestDeadlineMs = 30 * 1000;       // [--request-deadline-ms] a started frame
inline constexpr int32_t kDefaultMaxRequestEntries = 100'000;         // [--max-request-entries] all arrays of one request
inline constexpr int32_t kDefaultFetchMaxBytes = 55 * 1024 * 1024;    // [--fetch-max-bytes] Kafka's fetch.max.bytes
inline constexpr int32_t kMaxFetchMaxBytes = 1 << 30;                 // keeps every response below 2^31

struct BrokerOptions {
  std::string data_dir = "./data/broker";
  std::string listen = kDefaultListen;
  std::string admin_listen = kDefaultAdminListen;
  int32_t default_partitions = kDefaultPartitionCount;
  bool auto_create_topics = true;
  int64_t retention_bytes = -1;  // per partition; -1 = unlimited
  int64_t retention_ms = -1;     // -1 = forever
  int64_t segment_bytes = 128 * 1024 * 1024;
  std::string ready_file;  // written atomically once both listeners are up
  int32_t max_connections = kDefaultMaxConnections;
  int64_t connections_max_idle_ms = kDefaultConnectionsMaxIdleMs;
  int64_t request_deadline_ms = kDefaultRequestDeadlineMs;
  int32_t max_request_entries = kDefaultMaxRequestEntries;
  int32_t fetch_max_bytes = kDefaultFetchMaxBytes;
};

// Runs until SIGTERM or SIGINT, then shuts down cleanly (answers what is in
// flight, syncs the logs). `store` holds the topics; RunBroker owns it.
Status RunBroker(const BrokerOptions& options, std::unique_ptr<LogStore> store);

// Splits "host:port" (port 0 = any free port).
Result<std::pair<std::string, uint16_t>> ParseHostPort(const std::string& s);

}  // namespace evpipe::broker
