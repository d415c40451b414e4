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

// A Prometheus label value with `\`, `"` and newlines escaped (exposition format).
std::string EscapeLabelValue(std::string_view v);

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
