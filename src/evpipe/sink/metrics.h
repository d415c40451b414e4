// The sink's counters and per-partition gauges, rendered as Prometheus text,
// and the loopback HTTP server that serves them (--metrics-port).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "evpipe/core/status.h"

namespace evpipe::sink {

// Written by the consumer thread, read by the metrics server thread.
class SinkMetrics {
 public:
  struct PartitionGauges {
    int64_t committed = -1;  // last offset committed to the group
    int64_t durable = -1;    // next offset not yet durable in RAW_DIR
    int64_t lag = -1;        // high watermark - next offset to land (-1: unknown)
  };

  std::atomic<uint64_t> records{0};      // records landed (raw + quarantine)
  std::atomic<uint64_t> bytes{0};        // value bytes landed
  std::atomic<uint64_t> files{0};        // files published
  std::atomic<uint64_t> rolls{0};
  std::atomic<uint64_t> commits{0};      // offset commits acknowledged by the group
  std::atomic<uint64_t> quarantined{0};
  std::atomic<uint64_t> skipped{0};      // redelivered records below the durable offset
  std::atomic<uint64_t> open_files{0};
  std::atomic<int64_t> oldest_roll_age_us{0};  // age of the oldest open, non-empty roll (0: none)

  void SetCommitted(int32_t partition, int64_t offset);
  void SetDurable(int32_t partition, int64_t offset);
  void SetLag(int32_t partition, int64_t lag);
  void Forget(int32_t partition);
  // The sum of the known lags (0 when none is known).
  int64_t TotalLag() const;
  // The total lag for the status line: "unknown" while no partition's high
  // watermark is known (nothing assigned, broker unreachable).
  std::string LagText() const;
  std::map<int32_t, PartitionGauges> Partitions() const;

  // The Prometheus text exposition (version 0.0.4).
  std::string Render(const std::string& topic) const;

 private:
  mutable std::mutex mu_;
  std::map<int32_t, PartitionGauges> partitions_;
};

// Serves GET /metrics on 127.0.0.1:<port> from its own thread until destroyed.
class MetricsServer {
 public:
  // port 0 picks a free one (see port()).
  static Result<std::unique_ptr<MetricsServer>> Start(int port, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const { return port_; }

 private:
  struct Impl;
  MetricsServer() = default;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace evpipe::sink
