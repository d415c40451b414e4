// Prometheus text rendering of the broker metrics (see metrics.h).
#include "evpipe/broker/metrics.h"

#include <fmt/core.h>

#include "evpipe/broker/protocol/api.h"

namespace evpipe::broker {

void Metrics::CountRequest(int16_t key) {
  int i = (key >= 0 && key < kMaxApiKey) ? key : kMaxApiKey;
  requests[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountError(int16_t key) {
  int i = (key >= 0 && key < kMaxApiKey) ? key : kMaxApiKey;
  errors[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RecordFsync(uint64_t micros) {
  fsyncs.fetch_add(1, std::memory_order_relaxed);
  fsync_micros_total.fetch_add(micros, std::memory_order_relaxed);
  uint64_t prev = fsync_micros_max.load(std::memory_order_relaxed);
  while (micros > prev && !fsync_micros_max.compare_exchange_weak(prev, micros)) {
  }
}

void Metrics::SetHighWatermark(const std::string& topic, int32_t partition, int64_t hw) {
  std::lock_guard lock(mu_);
  high_watermarks_[{topic, partition}] = hw;
}

void Metrics::RemoveTopic(const std::string& topic) {
  std::lock_guard lock(mu_);
  for (auto it = high_watermarks_.begin(); it != high_watermarks_.end();) {
    it = it->first.first == topic ? high_watermarks_.erase(it) : std::next(it);
  }
}

void Metrics::SetGroupState(const std::string& group, const std::string& state, int members) {
  std::lock_guard lock(mu_);
  groups_[group] = {state, members};
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  counter("evpipe_broker_bytes_in_total", "Record batch bytes accepted by Produce.", bytes_in.load());
  counter("evpipe_broker_bytes_out_total", "Record batch bytes returned by Fetch.", bytes_out.load());
  counter("evpipe_broker_records_in_total", "Records accepted by Produce.", records_in.load());
  counter("evpipe_broker_records_out_total", "Records (batch record counts) returned by Fetch.", records_out.load());
  counter("evpipe_broker_fsync_total", "fsync calls on partition logs.", fsyncs.load());
  out += fmt::format(
      "# HELP evpipe_broker_fsync_seconds Time spent in fsync.\n# TYPE evpipe_broker_fsync_seconds summary\n"
      "evpipe_broker_fsync_seconds_sum {:.6f}\nevpipe_broker_fsync_seconds_count {}\n",
      static_cast<double>(fsync_micros_total.load()) / 1e6, fsyncs.load());
  out += fmt::format("# HELP evpipe_broker_fsync_seconds_max Longest fsync.\n# TYPE evpipe_broker_fsync_seconds_max gauge\n"
                     "evpipe_broker_fsync_seconds_max {:.6f}\n",
                     static_cast<double>(fsync_micros_max.load()) / 1e6);
  counter("evpipe_broker_connections_total", "Accepted Kafka connections.", connections_total.load());
  out += fmt::format("# TYPE evpipe_broker_connections_open gauge\nevpipe_broker_connections_open {}\n",
                     connections_open.load());
  counter("evpipe_broker_malformed_requests_total", "Requests that could not be decoded (connection closed).",
          malformed_requests.load());
  out += "# HELP evpipe_broker_requests_total Requests received, per API.\n# TYPE evpipe_broker_requests_total counter\n";
  for (int i = 0; i <= kMaxApiKey; ++i) {
    uint64_t n = requests[static_cast<size_t>(i)].load();
    if (n == 0) continue;
    out += fmt::format("evpipe_broker_requests_total{{api=\"{}\"}} {}\n",
                       i == kMaxApiKey ? "Unknown" : kafka_protocol::ApiName(static_cast<int16_t>(i)), n);
  }
  out += "# HELP evpipe_broker_errors_total Responses carrying an error code, per API.\n# TYPE evpipe_broker_errors_total counter\n";
  for (int i = 0; i <= kMaxApiKey; ++i) {
    uint64_t n = errors[static_cast<size_t>(i)].load();
    if (n == 0) continue;
    out += fmt::format("evpipe_broker_errors_total{{api=\"{}\"}} {}\n",
                       i == kMaxApiKey ? "Unknown" : kafka_protocol::ApiName(static_cast<int16_t>(i)), n);
  }
  std::lock_guard lock(mu_);
  out += "# HELP evpipe_broker_high_watermark Next offset to be written, per partition.\n# TYPE evpipe_broker_high_watermark gauge\n";
  for (const auto& [k, hw] : high_watermarks_) {
    out += fmt::format("evpipe_broker_high_watermark{{topic=\"{}\",partition=\"{}\"}} {}\n", k.first, k.second, hw);
  }
  out += "# HELP evpipe_broker_group_members Members per consumer group, labelled with the group state.\n# TYPE evpipe_broker_group_members gauge\n";
  for (const auto& [g, s] : groups_) {
    out += fmt::format("evpipe_broker_group_members{{group=\"{}\",state=\"{}\"}} {}\n", g, s.first, s.second);
  }
  return out;
}

}  // namespace evpipe::broker
