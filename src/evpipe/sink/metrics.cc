// Prometheus text for the sink, served by cpp-httplib on loopback.
#include "evpipe/sink/metrics.h"

#include <httplib.h>

#include <fmt/core.h>

#include "evpipe/core/listen_options.h"
#include "evpipe/core/names.h"
#include "evpipe/core/prometheus.h"

namespace evpipe::sink {

void SinkMetrics::SetCommitted(int32_t partition, int64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  partitions_[partition].committed = offset;
}
void SinkMetrics::SetDurable(int32_t partition, int64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  partitions_[partition].durable = offset;
}
void SinkMetrics::SetLag(int32_t partition, int64_t lag) {
  std::lock_guard<std::mutex> lock(mu_);
  partitions_[partition].lag = lag;
}
void SinkMetrics::Forget(int32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  partitions_.erase(partition);
}
int64_t SinkMetrics::TotalLag() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t total = 0;
  for (const auto& [p, g] : partitions_) total += g.lag > 0 ? g.lag : 0;
  return total;
}
std::string SinkMetrics::LagText() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t total = 0;
  int known = 0;
  for (const auto& [p, g] : partitions_) {
    if (g.lag < 0) continue;
    total += g.lag;
    ++known;
  }
  if (known == 0) return "unknown";
  if (known < static_cast<int>(partitions_.size())) return fmt::format("{} ({} of {} partitions known)", total, known,
                                                                       partitions_.size());
  return std::to_string(total);
}
std::map<int32_t, SinkMetrics::PartitionGauges> SinkMetrics::Partitions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return partitions_;
}

std::string SinkMetrics::Render(const std::string& topic) const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, uint64_t v) { AppendPrometheusCounter(name, help, v, &out); };
  counter("evpipe_sink_records_total", "Records landed (raw lines and quarantined).", records.load());
  counter("evpipe_sink_bytes_total", "Record value bytes landed.", bytes.load());
  counter("evpipe_sink_files_total", "Raw and quarantine files published.", files.load());
  counter("evpipe_sink_rolls_total", "Rolls published.", rolls.load());
  counter("evpipe_sink_commits_total", "Offset commits acknowledged by the group coordinator.", commits.load());
  counter("evpipe_sink_quarantined_total", "Records quarantined.", quarantined.load());
  counter("evpipe_sink_skipped_total", "Redelivered records already durable in RAW_DIR.", skipped.load());
  AppendPrometheusHeader("evpipe_sink_open_files", "Files being written.", "gauge", &out);
  out += fmt::format("evpipe_sink_open_files {}\n", open_files.load());
  AppendPrometheusHeader("evpipe_sink_oldest_open_roll_age_seconds",
                         "Age of the oldest open roll not yet published (0: none open).", "gauge", &out);
  out += fmt::format("evpipe_sink_oldest_open_roll_age_seconds {:.3f}\n",
                     static_cast<double>(oldest_roll_age_us.load()) / 1e6);
  std::map<int32_t, PartitionGauges> parts = Partitions();
  std::string topic_label;
  AppendPrometheusLabelValue(topic, &topic_label);
  auto gauge = [&](const char* name, const char* help, int64_t PartitionGauges::*field) {
    AppendPrometheusHeader(name, help, "gauge", &out);
    for (const auto& [p, g] : parts) {
      out += fmt::format("{}{{topic=\"{}\",partition=\"{}\"}} {}\n", name, topic_label, p, g.*field);
    }
  };
  gauge("evpipe_sink_committed_offset", "Offset committed to the consumer group (-1: none yet).",
        &PartitionGauges::committed);
  gauge("evpipe_sink_durable_offset", "Next offset not yet durable in RAW_DIR (-1: none yet).",
        &PartitionGauges::durable);
  gauge("evpipe_sink_lag", "High watermark minus the next offset to land (-1: unknown yet).", &PartitionGauges::lag);
  return out;
}

struct MetricsServer::Impl {
  httplib::Server server;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(int port, std::function<std::string()> render) {
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->impl_ = std::make_unique<Impl>();
  s->impl_->server.Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4");
  });
  s->impl_->server.set_socket_options(core::ReuseAddressOnly);
  if (port == 0) {
    s->port_ = s->impl_->server.bind_to_any_port("127.0.0.1");
  } else if (s->impl_->server.bind_to_port("127.0.0.1", port)) {
    s->port_ = port;
  } else {
    s->port_ = -1;
  }
  if (s->port_ <= 0) return Status::Unavailable(fmt::format("metrics: cannot listen on 127.0.0.1:{}", port));
  Impl* impl = s->impl_.get();
  s->thread_ = std::thread([impl] { impl->server.listen_after_bind(); });
  return s;
}

MetricsServer::~MetricsServer() {
  if (impl_) impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace evpipe::sink
