// Prometheus text rendering of the broker metrics (see metrics.h).
#include "evpipe/broker/metrics.h"

#include <fmt/core.h>

#include <algorithm>

#include "evpipe/broker/protocol/api.h"

namespace evpipe::broker {

namespace {

// Length of the valid UTF-8 sequence at the start of `v`, 0 when invalid.
size_t Utf8SequenceLength(std::string_view v) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(v[i]); };
  unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || n > v.size() || (n == 2 && c < 0xc2)) return n == 1 ? 1 : 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size();) {
    size_t n = Utf8SequenceLength(v.substr(i));
    if (n == 0) {  // label values must be UTF-8
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(v.substr(i, n));
      i += n;
      continue;
    }
    char c = v[i++];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

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
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
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
  fsync_seconds.Render(out, "evpipe_broker_fsync_duration_seconds",
                       "Partition syncs of the group commit, by duration (the wait for the fsync lock included).");
  produce_sync_wait_seconds.Render(out, "evpipe_broker_produce_sync_wait_seconds",
                                   "acks=all produces, from the append to the answer (the group commit's wait).");
  out += "# HELP evpipe_broker_produce_sync_rounds_total acks=all produces by the group commit rounds that ended while "
         "they waited (3 = 3 or more).\n# TYPE evpipe_broker_produce_sync_rounds_total counter\n";
  for (size_t i = 0; i < produce_sync_rounds.size(); ++i) {
    out += fmt::format("evpipe_broker_produce_sync_rounds_total{{rounds=\"{}\"}} {}\n", i, produce_sync_rounds[i].load());
  }
  counter("evpipe_broker_connections_total", "Accepted Kafka connections.", connections_total.load());
  out += fmt::format(
      "# HELP evpipe_broker_connections_open Kafka connections open now.\n"
      "# TYPE evpipe_broker_connections_open gauge\nevpipe_broker_connections_open {}\n",
      connections_open.load());
  counter("evpipe_broker_connections_refused_total",
          "Connections closed at accept: over --max-connections or out of file descriptors.",
          connections_refused.load());
  counter("evpipe_broker_connections_timed_out_total",
          "Connections closed for idleness or an unfinished request frame.", connections_timed_out.load());
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
    out += fmt::format("evpipe_broker_high_watermark{{topic=\"{}\",partition=\"{}\"}} {}\n", EscapeLabelValue(k.first),
                       k.second, hw);
  }
  out += "# HELP evpipe_broker_group_members Members per consumer group, labelled with the group state.\n# TYPE evpipe_broker_group_members gauge\n";
  for (const auto& [g, s] : groups_) {
    out += fmt::format("evpipe_broker_group_members{{group=\"{}\",state=\"{}\"}} {}\n", EscapeLabelValue(g),
                       s.first, s.second);
  }
  return out;
}

}  // namespace evpipe::broker
