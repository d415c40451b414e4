// The console: a read-only web page and JSON API over a Kafka cluster (topics,
// records, consumer groups and lag) and the lake on disk (raw, quarantine,
// Parquet, Iceberg per ingest_date). docs/readme/console.md has the API.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::console {

inline constexpr int kDefaultPort = 8080;               // CONSOLE_PORT
inline constexpr int kDefaultBrokerTimeoutMs = 3000;     // --broker-timeout: each broker call
inline constexpr int kDefaultRecordLimit = 20;           // /api/records without limit=
inline constexpr int kMaxRecordLimit = 500;

// What the console reads. Every path may be missing; the page then says so.
struct ConsoleOptions {
  std::string host = "127.0.0.1";
  int port = kDefaultPort;    // 0: any free port
  bool allow_remote = false;  // bind and answer a non-loopback address (no authentication!)
  std::string bootstrap;
  std::vector<std::string> properties;  // -X for librdkafka
  int broker_timeout_ms = kDefaultBrokerTimeoutMs;
  std::string topic;  // the lake's default topic
  std::string raw_dir, parquet_dir, quarantine_dir;
  std::string broker_data_dir;  // evpipe broker's data dir, for partition sizes on disk ("" or missing: unknown)
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(std::string_view host);

// An answer of the API: an HTTP status and a JSON body. Errors are
// {"error":"<one line>","code":"<status code name>"}.
struct ApiResponse {
  int status = 200;
  std::string body;
};
ApiResponse ErrorResponse(const Status& status);

// Owns the HTTP server. Bind and Serve are called by one thread; Stop may be
// called from any thread and makes Serve return.
class Console {
 public:
  explicit Console(ConsoleOptions options);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // Binds host:port. InvalidArgument for a non-loopback host without allow_remote.
  // Returns the port bound (the free one chosen for port 0).
  Result<int> Bind();
  // Answers requests until Stop.
  Status Serve();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evpipe::console
