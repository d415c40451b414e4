// Prometheus text rendering of the broker metrics (see metrics.h).
#include "evpipe/broker/metrics.h"

#include <fmt/core.h>

#include <algorithm>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/core/names.h"
#include "evpipe/core/prometheus.h"

namespace evpipe::broker {

void Metrics::CountRequest(int16_t key) {
  int i = (key >= 0 && key < kMaxApiKey) ? key : kMaxApiKey;
  requests[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountError(int16_t key) {
  int i = (key >= 0 && key < kMaxApiKey) ? key : kMaxApiKey;
  errors[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::Observe(uint64_t micros) {
  size_t i = 0;
  while (i < kBoundsMicros.size() && micros > kBoundsMicros[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
}

void LatencyHistogram::Render(std::string& out, const char* name, const char* help) const {
  AppendPrometheusHeader(name, help, "histogram", &out);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBoundsMicros.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, static_cast<double>(kBoundsMicros[i]) / 1e6, cumulative);
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  out += fmt::format("{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2:.6f}\n{0}_count {1}\n", name, cumulative,
                     static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
}

void Metrics::RecordFsync(uint64_t micros) {
  fsync_seconds.Observe(micros);
  fsyncs.fetch_add(1, std::memory_order_relaxed);
  fsync_micros_total.fetch_add(micros, std::memory_order_relaxed);
  uint64_t prev = fsync_micros_max.load(std::memory_order_relaxed);
  while (micros > prev && !fsync_micros_max.compare_exchange_weak(prev, micros)) {
  }
}

void Metrics::RecordProduceSyncWait(uint64_t micros, uint64_t rounds) {
  produce_sync_wait_seconds.Observe(micros);
  produce_sync_rounds[std::min<size_t>(rounds, produce_sync_rounds.size() - 1)].fetch_add(1, std::memory_order_relaxed);
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

void Metrics::RemoveGroup(const std::string& group) {
  std::lock_guard lock(mu_);
  groups_.erase(group);
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, uint64_t v) { AppendPrometheusCounter(name, help, v, &out); };
  counter("evpipe_broker_bytes_in_total", "Record batch bytes accepted by Produce.", bytes_in.load());
  counter("evpipe_broker_bytes_out_total", "Record batch bytes returned by Fetch.", bytes_out.load());
  counter("evpipe_broker_records_in_total", "Records accepted by Produce.", records_in.load());
  counter("evpipe_broker_records_out_total", "Records (batch record counts) returned by Fetch.", records_out.load());
  counter("evpipe_broker_fsync_total", "fsync calls on partition logs.", fsyncs.load());
  AppendPrometheusHeader("evpipe_broker_fsync_seconds", "Time spent in fsync.", "summary", &out);
  out += fmt::format("evpipe_broker_fsync_seconds_sum {:.6f}\nevpipe_broker_fsync_seconds_count {}\n",
                     static_cast<double>(fsync_micros_total.load()) / 1e6, fsyncs.load());
  AppendPrometheusHeader("evpipe_broker_fsync_seconds_max", "Longest fsync.", "gauge", &out);
  out += fmt::format("evpipe_broker_fsync_seconds_max {:.6f}\n", static_cast<double>(fsync_micros_max.load()) / 1e6);
  fsync_seconds.Render(out, "evpipe_broker_fsync_duration_seconds",
                       "Partition syncs of the group commit, by duration (the wait for the fsync lock included).");
  produce_sync_wait_seconds.Render(out, "evpipe_broker_produce_sync_wait_seconds",
                                   "acks=all produces, from the append to the answer (the group commit's wait).");
  AppendPrometheusHeader("evpipe_broker_produce_sync_rounds_total",
                         "acks=all produces by the group commit rounds that ended while they waited (3 = 3 or more).",
                         "counter", &out);
  for (size_t i = 0; i < produce_sync_rounds.size(); ++i) {
    out += fmt::format("evpipe_broker_produce_sync_rounds_total{{rounds=\"{}\"}} {}\n", i, produce_sync_rounds[i].load());
  }
  counter("evpipe_broker_connections_total", "Accepted Kafka connections.", connections_total.load());
  AppendPrometheusHeader("evpipe_broker_connections_open", "Kafka connections open now.", "gauge", &out);
  out += fmt::format("evpipe_broker_connections_open {}\n", connections_open.load());
  counter("evpipe_broker_connections_refused_total",
          "Connections closed at accept: over --max-connections or out of file descriptors.",
          connections_refused.load());
  counter("evpipe_broker_connections_timed_out_total",
          "Connections closed for idleness or an unfinished request frame.", connections_timed_out.load());
  counter("evpipe_broker_malformed_requests_total", "Requests that could not be decoded (connection closed).",
          malformed_requests.load());
  // A counter per API key (the last slot: keys we do not know); APIs never seen are left out.
  auto per_api = [&out](const char* name, const char* help, const auto& counts) {
    AppendPrometheusHeader(name, help, "counter", &out);
    for (int i = 0; i <= kMaxApiKey; ++i) {
      uint64_t n = counts[static_cast<size_t>(i)].load();
      if (n == 0) continue;
      out += fmt::format("{}{{api=\"{}\"}} {}\n", name,
                         i == kMaxApiKey ? "Unknown" : kafka_protocol::ApiName(static_cast<int16_t>(i)), n);
    }
  };
  per_api("evpipe_broker_requests_total", "Requests received, per API.", requests);
  per_api("evpipe_broker_errors_total", "Responses carrying an error code, per API.", errors);
  std::lock_guard lock(mu_);
  AppendPrometheusHeader("evpipe_broker_high_watermark", "Next offset to be written, per partition.", "gauge", &out);
  for (const auto& [k, hw] : high_watermarks_) {
    out += "evpipe_broker_high_watermark{topic=\"";
    AppendPrometheusLabelValue(k.first, &out);
    out += fmt::format("\",partition=\"{}\"}} {}\n", k.second, hw);
  }
  AppendPrometheusHeader("evpipe_broker_group_members", "Members per consumer group, labelled with the group state.",
                         "gauge", &out);
  for (const auto& [g, s] : groups_) {
    out += "evpipe_broker_group_members{group=\"";
    AppendPrometheusLabelValue(g, &out);
    out += fmt::format("\",state=\"{}\"}} {}\n", s.first, s.second);
  }
  return out;
}

}  // namespace evpipe::broker
