// The consumer loop of sink-raw: assignment and recovery, landing, rolling,
// publishing and committing.
#include "evpipe/sink/sink.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/core.h>

#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/progress.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/sink/layout.h"
#include "evpipe/sink/roll.h"
#include "evpipe/sink/roll_state.h"

namespace evpipe::sink {
namespace {

constexpr size_t kBatchMessages = 4096;
constexpr int kPollMs = 100;
constexpr int kCommittedTimeoutMs = 30'000;
constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

// "YYYY-MM-DD" of a day number since 1970-01-01 (proleptic Gregorian).
std::string CivilDate(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

// One partition the sink owns.
struct Track {
  int64_t durable_next = -1;  // next_offset of RAW_DIR's state as we know it (-1: no state)
  int64_t expected = -1;      // the lowest offset still to land (-1: unknown yet)
  bool eof = false;
  std::unique_ptr<Roll> roll;
};

std::string ErrorText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

}  // namespace

struct Sink::Impl {
  Impl(SinkOptions o, io::FileSystem& f, RecordClassifier& c, SinkMetrics& m)
      : opt(std::move(o)), fs(f), classifier(c), metrics(m), layout(opt.raw_dir, opt.quarantine_dir, opt.topic) {}

  SinkOptions opt;
  io::FileSystem& fs;
  RecordClassifier& classifier;
  SinkMetrics& metrics;
  Layout layout;
  rd_kafka_t* rk = nullptr;
  std::map<int32_t, Track> tracks;
  Status failure;                  // the first fatal error; nothing is committed after it
  int64_t cached_day = INT64_MIN;  // ingest day -> date string cache
  std::string cached_date;
  std::string qline;  // scratch for quarantine lines
  int64_t first_assign_us = 0;

  bool failed() const { return !failure.ok(); }
  void Fail(Status s) {
    if (failure.ok()) failure = std::move(s);
  }

  const std::string& DateOf(int64_t ingest_us) {
    int64_t day = ingest_us >= 0 ? ingest_us / kMicrosPerDay : -((-ingest_us - 1) / kMicrosPerDay) - 1;
    if (day != cached_day) {
      cached_day = day;
      cached_date = CivilDate(day);
    }
    return cached_date;
  }

  // ---- committing -------------------------------------------------------
  void Commit(const std::vector<std::pair<int32_t, int64_t>>& offsets, bool sync) {
    if (offsets.empty()) return;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    for (const auto& [p, off] : offsets) rd_kafka_topic_partition_list_add(list, opt.topic.c_str(), p)->offset = off;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, list, sync ? 0 : 1);
    rd_kafka_topic_partition_list_destroy(list);
    // A lost commit loses nothing: RAW_DIR's state says where to resume.
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log::Warn("sink-raw: commit failed ({}); RAW_DIR's state still records the landed offsets", ErrorText(err));
    }
  }

  // ---- publishing -------------------------------------------------------
  // Publishes the open roll of `partition` and commits its offsets.
  void PublishPartition(int32_t partition, bool sync_commit) {
    if (failed()) return;
    auto it = tracks.find(partition);
    if (it == tracks.end() || !it->second.roll || it->second.roll->empty()) return;
    Track& t = it->second;
    int64_t next = t.roll->last_offset() + 1;
    if (opt.test_commit_before_publish) Commit({{partition, next}}, false);
    std::string where = fmt::format("topic={} partition={} offsets={}-{}", opt.topic, partition,
                                    t.roll->first_offset(), t.roll->last_offset());
    Result<std::unique_ptr<PartitionLock>> lock = PartitionLock::Acquire(layout, partition);
    if (!lock.ok()) return Fail(lock.status().WithContext(where));
    if (!opt.test_no_recovery) {
      Result<std::optional<PartitionState>> on_disk = LoadState(fs, layout, partition);
      if (!on_disk.ok()) return Fail(on_disk.status().WithContext(where));
      int64_t disk_next = on_disk->has_value() ? (*on_disk)->next_offset : -1;
      if (disk_next != t.durable_next) {
        // Another sink sharing RAW_DIR landed this partition meanwhile (we were
        // a zombie): drop our roll and continue after what it landed.
        log::Warn("sink-raw: {}: RAW_DIR moved to offset {} under us; dropping this roll", where, disk_next);
        t.roll->Discard();
        t.roll.reset();
        t.durable_next = disk_next;
        t.expected = disk_next;
        Seek(partition, disk_next);
        return;
      }
    }
    size_t files = t.roll->open_files();
    PartitionState published;
    Status s = t.roll->Publish(&published);
    if (!s.ok()) return Fail(s.WithContext(where));
    t.roll.reset();
    t.durable_next = published.next_offset;
    lock->reset();
    metrics.files += files;
    metrics.rolls += 1;
    metrics.SetDurable(partition, published.next_offset);
    if (!opt.test_commit_before_publish) Commit({{partition, next}}, sync_commit);
  }

  void PublishAll(bool sync_commit) {
    for (auto& [p, t] : tracks) PublishPartition(p, sync_commit);
  }

  void Seek(int32_t partition, int64_t offset) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, opt.topic.c_str(), partition)->offset = offset;
    rd_kafka_error_t* err = rd_kafka_seek_partitions(rk, list, 10'000);
    if (err != nullptr) {
      Fail(Status::Unavailable(fmt::format("seek partition {} to {}: {}", partition, offset, rd_kafka_error_string(err))));
      rd_kafka_error_destroy(err);
    }
    rd_kafka_topic_partition_list_destroy(list);
  }

  // ---- group life ---------------------------------------------------------
  void OnAssign(rd_kafka_topic_partition_list_t* parts) {
    if (first_assign_us == 0) first_assign_us = MonotonicMicros();
    // The group's committed offsets, for sinks that do not share our RAW_DIR.
    rd_kafka_topic_partition_list_t* committed = rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_resp_err_t err = rd_kafka_committed(rk, committed, kCommittedTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::Warn("sink-raw: reading committed offsets failed ({}); using RAW_DIR's state only", ErrorText(err));
    }
    for (int i = 0; i < parts->cnt; ++i) {
      rd_kafka_topic_partition_t& tp = parts->elems[i];
      int32_t p = tp.partition;
      int64_t group_offset = err == RD_KAFKA_RESP_ERR_NO_ERROR && committed->elems[i].offset >= 0
                                 ? committed->elems[i].offset : -1;
      int64_t state_next = -1;
      if (!failed()) {
        Result<std::unique_ptr<PartitionLock>> lock = PartitionLock::Acquire(layout, p);
        if (!lock.ok()) {
          Fail(lock.status());
        } else {
          Result<std::optional<PartitionState>> state = LoadState(fs, layout, p);
          Status s = state.status();
          if (s.ok() && state->has_value()) {
            s = RollForward(fs, layout, **state);
            state_next = (*state)->next_offset;
          }
          if (s.ok()) s = RemoveLeftovers(fs, layout, p);
          if (!s.ok()) Fail(s.WithContext(fmt::format("topic={} partition={}: recovery", opt.topic, p)));
        }
      }
      if (opt.test_no_recovery) state_next = -1;
      // Resume after what RAW_DIR holds; a higher committed offset means a sink
      // with another RAW_DIR landed those records.
      int64_t start = std::max(state_next, group_offset);
      if (start >= 0) tp.offset = start;
      Track& t = tracks[p];
      t = Track();
      t.durable_next = state_next;
      t.expected = start;
      metrics.SetDurable(p, state_next);
      metrics.SetCommitted(p, group_offset);
      log::Info("sink-raw: assigned partition {}: durable in RAW_DIR up to {}, committed {}, starting at {}", p,
                state_next, group_offset, start >= 0 ? std::to_string(start) : std::string("the reset position"));
    }
    rd_kafka_topic_partition_list_destroy(committed);
    if (Cooperative()) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts);
      if (e != nullptr) {
        Fail(Status::Internal(std::string("incremental assign: ") + rd_kafka_error_string(e)));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, parts);
    }
  }

  void OnRevoke(rd_kafka_topic_partition_list_t* parts) {
    std::vector<int32_t> revoked;
    for (int i = 0; i < parts->cnt; ++i) revoked.push_back(parts->elems[i].partition);
    // Close and commit before giving the partitions up, so the next owner starts after them.
    for (int32_t p : revoked) PublishPartition(p, /*sync_commit=*/true);
    for (int32_t p : revoked) {
      auto it = tracks.find(p);
      if (it != tracks.end()) {
        if (it->second.roll) it->second.roll.reset();  // failed: leave it hidden for recovery
        tracks.erase(it);
      }
      metrics.Forget(p);
    }
    if (Cooperative()) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    log::Info("sink-raw: {} partition(s) revoked", revoked.size());
  }

  bool Cooperative() const { return std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0; }

  static void RebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    try {
      if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        self->OnAssign(parts);
      } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        self->OnRevoke(parts);
      } else {
        log::Warn("sink-raw: rebalance error: {}", ErrorText(err));
        rd_kafka_assign(rk, nullptr);
      }
    } catch (const std::exception& e) {
      self->Fail(Status::Internal(std::string("rebalance: ") + e.what()));
    }
  }

  static void CommitCb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                       void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    self->metrics.commits += 1;
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
      if (offsets->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && offsets->elems[i].offset >= 0) {
        self->metrics.SetCommitted(offsets->elems[i].partition, offsets->elems[i].offset);
      }
    }
  }

  static void ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk, buf, sizeof buf);
      self->Fail(Status::Unavailable(std::string("kafka: fatal: ") + buf));
      return;
    }
    // Broker down, connection refused...: librdkafka retries by itself.
    log::Warn("sink-raw: kafka: {}", reason);
  }

  // ---- landing ------------------------------------------------------------
  void Land(const rd_kafka_message_t* m) {
    int32_t p = m->partition;
    auto it = tracks.find(p);
    if (it == tracks.end()) return;  // a stale record of a partition we no longer own
    Track& t = it->second;
    int64_t offset = m->offset;
    if (t.expected >= 0 && offset < t.expected) {
      metrics.skipped += 1;  // already durable in RAW_DIR
      return;
    }
    t.eof = false;
    if (!t.roll) {
      t.roll = std::make_unique<Roll>(fs, layout, p, MonotonicMicros());
    }
    std::string_view value(static_cast<const char*>(m->payload), m->payload != nullptr ? m->len : 0);
    int64_t ingest_us = -1;
    std::optional<std::string> reason;
    if (!value.empty() && std::memchr(value.data(), '\n', value.size()) != nullptr) {
      reason = "line_break_in_record";  // one record must stay one line
    } else {
      reason = classifier.Classify(value, &ingest_us);
    }
    Status s;
    if (!reason) {
      s = t.roll->AddLine(DateOf(ingest_us), value, offset);
    } else {
      std::string date = ingest_us >= 0 ? DateOf(ingest_us) : std::string();
      io::QuarantineSource source;
      source.topic = opt.topic;
      source.partition = p;
      source.offset = offset;
      qline.clear();
      io::AppendQuarantineLine(value, *reason, kStage, date, source, NowMicros(), &qline);
      s = t.roll->AddQuarantine(date, qline, offset);
      metrics.quarantined += 1;
    }
    if (!s.ok()) {
      return Fail(s.WithContext(fmt::format("topic={} partition={} offset={}", opt.topic, p, offset)));
    }
    t.expected = offset + 1;
    metrics.records += 1;
    metrics.bytes += value.size();
    if (t.roll->largest_file_bytes() >= opt.roll_max_bytes) PublishPartition(p, false);
  }

  void RollOld(int64_t now_us) {
    for (auto& [p, t] : tracks) {
      if (t.roll && !t.roll->empty() && now_us - t.roll->opened_us() >= opt.roll_max_us) PublishPartition(p, false);
    }
  }

  bool CaughtUp() const {
    if (tracks.empty()) return false;
    for (const auto& [p, t] : tracks) {
      if (!t.eof) return false;
    }
    return true;
  }

  void UpdateGauges() {
    uint64_t open = 0;
    for (const auto& [p, t] : tracks) {
      if (t.roll) open += t.roll->open_files();
      int64_t lo = -1, hi = -1;
      if (rd_kafka_get_watermark_offsets(rk, opt.topic.c_str(), p, &lo, &hi) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          hi >= 0) {
        int64_t next = t.expected >= 0 ? t.expected : lo;
        metrics.SetLag(p, std::max<int64_t>(0, hi - next));
      }
    }
    metrics.open_files = open;
  }

  Status Create() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& k, const std::string& v) -> Status {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        return Status::InvalidArgument(fmt::format("kafka property {}={}: {}", k, v, err));
      }
      return Status::Ok();
    };
    std::vector<std::pair<std::string, std::string>> props = {
        {"bootstrap.servers", opt.bootstrap},
        {"group.id", opt.group},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "true"},
        {"client.id", "evpipe-sink-raw"},
    };
    for (const auto& kv : opt.kafka_properties) props.push_back(kv);
    for (const auto& [k, v] : props) {
      Status s = set(k, v);
      if (!s.ok()) {
        rd_kafka_conf_destroy(conf);
        return s;
      }
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &Impl::RebalanceCb);
    rd_kafka_conf_set_offset_commit_cb(conf, &Impl::CommitCb);
    rd_kafka_conf_set_error_cb(conf, &Impl::ErrorCb);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (rk == nullptr) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(std::string("kafka consumer: ") + err);
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, opt.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable("subscribe: " + ErrorText(e));
    return Status::Ok();
  }

  ~Impl() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

Sink::Sink(SinkOptions options, io::FileSystem& fs, RecordClassifier& classifier)
    : impl_(std::make_unique<Impl>(std::move(options), fs, classifier, metrics_)) {}

Sink::~Sink() = default;

Status Sink::Run(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  EVPIPE_RETURN_IF_ERROR(s.fs.CreateDirs(s.layout.StateDir()));
  EVPIPE_RETURN_IF_ERROR(s.fs.CreateDirs(s.layout.quarantine_root()));
  std::unique_ptr<MetricsServer> server;
  if (s.opt.metrics_port >= 0) {
    std::string topic = s.opt.topic;
    EVPIPE_ASSIGN_OR_RETURN(server, MetricsServer::Start(s.opt.metrics_port, [this, topic] {
                              return metrics_.Render(topic);
                            }));
    bound_metrics_port_ = server->port();
    log::Info("sink-raw: metrics on http://127.0.0.1:{}/metrics", server->port());
  }
  EVPIPE_RETURN_IF_ERROR(s.Create());
  log::Info("sink-raw: topic={} group={} raw_dir={} roll at {} bytes or {} s", s.opt.topic, s.opt.group,
            s.opt.raw_dir, s.opt.roll_max_bytes, s.opt.roll_max_us / 1'000'000);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(s.rk);
  std::vector<rd_kafka_message_t*> msgs(kBatchMessages);
  std::optional<Progress> progress;
  if (s.opt.progress) progress.emplace("sink-raw", 0);
  int64_t last_status_us = MonotonicMicros();
  int64_t last_gauges_us = 0;
  uint64_t last_status_records = 0;
  while (!stop.load() && !s.failed()) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, kPollMs, msgs.data(), msgs.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[static_cast<size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (!s.failed()) s.Land(m);
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        auto it = s.tracks.find(m->partition);
        if (it != s.tracks.end() && (it->second.expected < 0 || m->offset >= it->second.expected)) {
          it->second.eof = true;
        }
      } else {
        log::Warn("sink-raw: consumer: {}", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (s.failed()) break;
    int64_t now = MonotonicMicros();
    s.RollOld(now);
    if (progress) progress->Update(metrics_.records.load());
    if (now - last_gauges_us >= 1'000'000) {
      s.UpdateGauges();
      last_gauges_us = now;
    }
    if (now - last_status_us >= s.opt.status_interval_us) {
      uint64_t records = metrics_.records.load();
      double rate = static_cast<double>(records - last_status_records) * 1e6 / static_cast<double>(now - last_status_us);
      log::Info("sink-raw: {} records ({:.0f}/s), {:.1f} MB, {} open files, lag {}, {} files, {} quarantined",
                records, rate, static_cast<double>(metrics_.bytes.load()) / 1e6, metrics_.open_files.load(),
                metrics_.TotalLag(), metrics_.files.load(), metrics_.quarantined.load());
      last_status_us = now;
      last_status_records = records;
    }
    if (s.opt.exit_at_end && s.CaughtUp()) break;
  }
  if (progress) progress->Finish();
  if (!s.failed()) {
    s.PublishAll(/*sync_commit=*/true);
  }
  rd_kafka_queue_destroy(queue);
  // Leaving the group revokes what is left; after a failure nothing is committed.
  rd_kafka_consumer_close(s.rk);
  s.UpdateGauges();
  if (s.failed()) return s.failure;
  double secs = s.first_assign_us > 0 ? static_cast<double>(MonotonicMicros() - s.first_assign_us) / 1e6 : 0.0;
  log::Info("sink-raw: done: {} records, {} files, {} quarantined, {} redelivered and skipped; {:.2f} s since the "
            "first assignment ({:.0f} records/s)", metrics_.records.load(), metrics_.files.load(),
            metrics_.quarantined.load(), metrics_.skipped.load(), secs,
            secs > 0 ? static_cast<double>(metrics_.records.load()) / secs : 0.0);
  return Status::Ok();
}

}  // namespace evpipe::sink
