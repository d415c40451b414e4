// Broker metrics, rendered as Prometheus text by the admin endpoint.
// Counters are atomics (written by the I/O thread, read by the admin thread);
// gauges that describe state (high watermarks, group states) are snapshots
// the I/O thread publishes under a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace evpipe::broker {

// A Prometheus histogram of durations with fixed buckets (microseconds in,
// seconds out). Lock-free: any thread observes, the admin thread renders.
class LatencyHistogram {
 public:
  static constexpr std::array<uint64_t, 12> kBoundsMicros = {250,   500,   1000,   2000,   5000,   10000,
                                                             20000, 50000, 100000, 250000, 500000, 1000000};
  void Observe(uint64_t micros);
  // `name` with its _bucket/_sum/_count lines.
  void Render(std::string& out, const char* name, const char* help) const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsMicros.size() + 1> buckets_{};  // last: over the largest bound
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  static constexpr int kMaxApiKey = 64;

  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> records_in{0};
  std::atomic<uint64_t> records_out{0};
  std::atomic<uint64_t> fsyncs{0};
  std::atomic<uint64_t> fsync_micros_total{0};
  std::atomic<uint64_t> fsync_micros_max{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};    // over --max-connections or out of fds
  std::atomic<uint64_t> connections_timed_out{0};  // idle timeout or request deadline
  std::atomic<uint64_t> malformed_requests{0};
  std::array<std::atomic<uint64_t>, kMaxApiKey + 1> requests{};  // last slot: unknown keys
  std::array<std::atomic<uint64_t>, kMaxApiKey + 1> errors{};

  void CountRequest(int16_t key);
  void CountError(int16_t key);
  void RecordFsync(uint64_t micros);

  LatencyHistogram fsync_seconds;  // each partition sync of the group commit
  // acks=all produces: from the append to the answer (the group commit's wait).
  LatencyHistogram produce_sync_wait_seconds;
  // acks=all produces by the group commit rounds that ended between the
  // append and the answer: 1 is the least a produce can wait for.
  std::array<std::atomic<uint64_t>, 4> produce_sync_rounds{};  // 0, 1, 2, 3 or more
  void RecordProduceSyncWait(uint64_t micros, uint64_t rounds);

  void SetHighWatermark(const std::string& topic, int32_t partition, int64_t hw);
  void RemoveTopic(const std::string& topic);
  void SetGroupState(const std::string& group, const std::string& state, int members);
  void RemoveGroup(const std::string& group);

  std::string RenderPrometheus() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int32_t>, int64_t> high_watermarks_;
  std::map<std::string, std::pair<std::string, int>> groups_;
};

}  // namespace evpipe::broker
