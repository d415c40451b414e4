// The consumer loop of sink-raw: assignment and recovery, landing, rolling,
// publishing and committing, through kafka::Consumer.
#include "evpipe/sink/sink.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/core.h>

#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/names.h"
#include "evpipe/core/progress.h"
#include "evpipe/event/event.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/kafka/consumer.h"
#include "evpipe/sink/classify_worker_internal.h"
#include "evpipe/sink/layout.h"
#include "evpipe/sink/roll.h"
#include "evpipe/sink/roll_state.h"

namespace evpipe::sink {
namespace {

constexpr size_t kBatchMessages = 4096;
constexpr int kPollMs = 100;
constexpr int kCommittedTimeoutMs = 30'000;
constexpr int kSeekTimeoutMs = 10'000;
constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

// One partition the sink owns.
struct Track {
  int64_t durable_next = -1;  // next_offset of RAW_DIR's state as we know it (-1: no state)
  int64_t expected = -1;      // the lowest offset still to land (-1: unknown yet)
  std::unique_ptr<Roll> roll;
};

}  // namespace

struct Sink::Impl {
  Impl(SinkOptions o, io::FileSystem& f, RecordClassifier& c, SinkMetrics& m)
      : opt(std::move(o)), fs(f), classifier(c), metrics(m), layout(opt.raw_dir, opt.quarantine_dir, opt.topic) {}

  SinkOptions opt;
  io::FileSystem& fs;
  RecordClassifier& classifier;
  SinkMetrics& metrics;
  Layout layout;
  std::map<int32_t, Track> tracks;
  std::vector<kafka::PartitionOffset> to_commit;  // published, not committed yet (one request per poll)
  Status failure;                  // the first fatal error; nothing is committed after it
  int64_t cached_day = INT64_MIN;  // ingest day -> date string cache
  char cached_date[event::kDateLength] = {};
  std::string qline;  // scratch for quarantine lines
  int64_t first_assign_us = 0;
  int64_t poll_us = 0, classify_wait_us = 0, land_us = 0, publish_us = 0;  // where the time went (the done line)
  // The pipeline: `batches[pending]` is being classified into `verdicts[pending]`
  // while the other is landed (kafka::MessageBatch keeps the record bytes alive).
  kafka::MessageBatch batches[2];
  std::vector<Verdict> verdicts[2];
  int pending = -1;  // the batch handed to the worker and not landed yet; -1: none
  std::unique_ptr<ClassifyWorker> worker;
  // Last, so that it is destroyed first: closing it may call the hooks, which use the members above.
  std::unique_ptr<kafka::Consumer> consumer;

  bool failed() const { return !failure.ok(); }
  void Fail(Status s) {
    if (failure.ok()) failure = std::move(s);
  }

  std::string_view DateOf(int64_t ingest_us) {
    int64_t day = ingest_us >= 0 ? ingest_us / kMicrosPerDay : -((-ingest_us - 1) / kMicrosPerDay) - 1;
    if (day != cached_day) {
      cached_day = day;
      event::IngestDateTo(ingest_us, cached_date);
    }
    return std::string_view(cached_date, sizeof cached_date);
  }

  // ---- committing -------------------------------------------------------
  // Commits what was published since the last call, in one request. A lost
  // commit loses nothing: RAW_DIR's state says where to resume.
  void FlushCommits(bool sync) {
    if (to_commit.empty() || failed()) return;
    Status s = consumer->Commit(to_commit, sync);
    to_commit.clear();
    if (!s.ok()) log::Warn("sink-raw: {}; RAW_DIR's state still records the landed offsets", s.ToString());
  }

  // ---- publishing -------------------------------------------------------
  // Publishes the open roll of `partition`; its offsets are committed by the next FlushCommits.
  void PublishPartition(int32_t partition) {
    if (failed()) return;
    auto it = tracks.find(partition);
    if (it == tracks.end() || !it->second.roll || it->second.roll->empty()) return;
    Track& t = it->second;
    int64_t next = t.roll->last_offset() + 1;
    if (opt.test_commit_before_publish) {
      (void)consumer->Commit({{partition, next}}, false);
    }
    std::string where = fmt::format("topic={} partition={} offsets={}-{}", opt.topic, partition,
                                    t.roll->first_offset(), t.roll->last_offset());
    Result<std::unique_ptr<io::FileLock>> lock = LockPartition(fs, layout, partition);
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
        Status s = consumer->Seek(partition, disk_next, kSeekTimeoutMs);
        if (!s.ok()) Fail(s);
        return;
      }
    }
    size_t files = t.roll->open_files();
    PartitionState published;
    int64_t publish_start = MonotonicMicros();
    Status s = t.roll->Publish(&published);
    publish_us += MonotonicMicros() - publish_start;
    if (!s.ok()) return Fail(s.WithContext(where));
    t.roll.reset();
    t.durable_next = published.next_offset;
    lock->reset();
    metrics.files += files;
    metrics.rolls += 1;
    metrics.SetDurable(partition, published.next_offset);
    if (!opt.test_commit_before_publish) to_commit.push_back({partition, next});
  }

  void PublishAll() {
    // Every roll's files fsynced together first (their writeback and the file
    // system's journal commits overlap), then each partition's state and renames.
    std::vector<Roll*> rolls;
    for (auto& [p, t] : tracks) {
      if (t.roll) rolls.push_back(t.roll.get());
    }
    if (!failed() && !rolls.empty()) {
      int64_t start = MonotonicMicros();
      Status s = Roll::SyncFiles(rolls);
      publish_us += MonotonicMicros() - start;
      if (!s.ok()) Fail(s.WithContext(fmt::format("topic={}: fsync", opt.topic)));
    }
    for (auto& [p, t] : tracks) PublishPartition(p);
  }

  // ---- group life ---------------------------------------------------------
  void OnAssign(std::vector<kafka::PartitionOffset>& parts) {
    if (first_assign_us == 0) first_assign_us = MonotonicMicros();
    // The group's committed offsets, for sinks that do not share our RAW_DIR.
    std::vector<int32_t> ids;
    for (const kafka::PartitionOffset& po : parts) ids.push_back(po.partition);
    Result<std::map<int32_t, int64_t>> committed = consumer->Committed(ids, kCommittedTimeoutMs);
    if (!committed.ok()) {
      log::Warn("sink-raw: {}; using RAW_DIR's state only", committed.status().ToString());
    }
    for (kafka::PartitionOffset& po : parts) {
      int32_t p = po.partition;
      int64_t group_offset = -1;
      if (committed.ok()) {
        auto c = committed->find(p);
        if (c != committed->end()) group_offset = c->second;
      }
      int64_t state_next = -1;
      if (!failed()) {
        Result<std::unique_ptr<io::FileLock>> lock = LockPartition(fs, layout, p);
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
      if (start < 0) {
        // A new group: start at the partition's first offset, as the reset
        // (earliest) would, without librdkafka's 100 ms delay before a reset.
        Result<int64_t> low = consumer->QueryLowWatermark(p, kSeekTimeoutMs);
        if (low.ok()) {
          start = *low;
        } else {
          log::Warn("sink-raw: {}; starting at the reset position", low.status().ToString());
        }
      }
      po.offset = start;
      Track& t = tracks[p];
      t = Track();
      t.durable_next = state_next;
      t.expected = start;
      metrics.SetDurable(p, state_next);
      metrics.SetCommitted(p, group_offset);
      log::Info("sink-raw: assigned partition {}: durable in RAW_DIR up to {}, committed {}, starting at {}", p,
                state_next, group_offset, start >= 0 ? std::to_string(start) : std::string("the reset position"));
    }
  }

  void OnRevoke(const std::vector<int32_t>& revoked) {
    // Land what was fetched, then close and commit before giving the
    // partitions up, so the next owner starts after them.
    LandPending();
    for (int32_t p : revoked) PublishPartition(p);
    FlushCommits(/*sync=*/true);
    for (int32_t p : revoked) {
      auto it = tracks.find(p);
      if (it != tracks.end()) {
        if (it->second.roll) it->second.roll.reset();  // failed: leave it hidden for recovery
        tracks.erase(it);
      }
      metrics.Forget(p);
    }
    log::Info("sink-raw: {} partition(s) revoked", revoked.size());
  }

  // ---- landing ------------------------------------------------------------
  // Lands the pending batch (waiting for its verdicts). Called before
  // anything is published for good: a revoke, the end, a failure's exit.
  void LandPending() {
    if (pending < 0) return;
    int b = pending;
    pending = -1;
    Status s = worker->Wait();
    if (!s.ok()) Fail(s);
    int64_t start = MonotonicMicros();
    for (size_t i = 0; i < batches[b].size() && !failed(); ++i) {
      Land(batches[b].partition(i), batches[b].offset(i), batches[b].value(i), verdicts[b][i]);
    }
    batches[b].Clear();
    land_us += MonotonicMicros() - start;
  }

  void Land(int32_t p, int64_t offset, std::string_view value, const Verdict& verdict) {
    auto it = tracks.find(p);
    if (it == tracks.end()) return;  // a stale record of a partition we no longer own
    Track& t = it->second;
    if (t.expected >= 0 && offset < t.expected) {
      metrics.skipped += 1;  // already durable in RAW_DIR
      return;
    }
    if (!t.roll) {
      t.roll = std::make_unique<Roll>(fs, layout, p, MonotonicMicros());
    }
    int64_t ingest_us = verdict.ingest_us;
    const std::optional<std::string>& reason = verdict.reason;
    Status s;
    if (!reason) {
      s = t.roll->AddLine(DateOf(ingest_us), value, offset);
    } else {
      std::string date = ingest_us >= 0 ? std::string(DateOf(ingest_us)) : std::string();
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
    if (t.roll->largest_file_bytes() >= opt.roll_max_bytes) PublishPartition(p);
  }

  void RollOld(int64_t now_us) {
    for (auto& [p, t] : tracks) {
      if (t.roll && !t.roll->empty() && now_us - t.roll->opened_us() >= opt.roll_max_us) PublishPartition(p);
    }
  }

  // The gauges: open files, the age of the oldest open roll, and per partition
  // the lag (high watermark minus the next offset to land).
  void UpdateGauges(int64_t now_us) {
    uint64_t open = 0;
    int64_t oldest_us = -1;
    for (const auto& [p, t] : tracks) {
      if (t.roll) {
        open += t.roll->open_files();
        if (!t.roll->empty() && (oldest_us < 0 || t.roll->opened_us() < oldest_us)) oldest_us = t.roll->opened_us();
      }
      std::optional<int64_t> high = consumer ? consumer->HighWatermark(p) : std::nullopt;
      if (!high) {
        metrics.SetLag(p, -1);  // unknown until a fetch answered
        continue;
      }
      int64_t next = t.expected >= 0 ? t.expected : 0;
      metrics.SetLag(p, std::max<int64_t>(0, *high - next));
    }
    metrics.open_files = open;
    metrics.oldest_roll_age_us = oldest_us < 0 ? 0 : now_us - oldest_us;
  }

  Status Create() {
    EVPIPE_RETURN_IF_ERROR(ValidateTopicName(opt.topic).WithContext("--topic"));
    kafka::ConsumeOptions co;
    co.topic = opt.topic;
    co.group = opt.group;
    co.start_offset = kafka::kOffsetBeginning;  // a new group starts at the earliest record
    co.exit_at_end = opt.exit_at_end;
    co.manual_commit = true;
    co.retry_topic_errors = true;
    co.client_id = "evpipe-sink-raw";
    std::vector<std::string> props;
    for (const auto& [k, v] : opt.kafka_properties) props.push_back(k + "=" + v);
    EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::ConsumerConfig(opt.bootstrap, co, props));
    EVPIPE_ASSIGN_OR_RETURN(consumer, kafka::Consumer::Create(std::move(config), co));
    kafka::GroupHooks hooks;
    hooks.on_assign = [this](std::vector<kafka::PartitionOffset>& parts) {
      try {
        OnAssign(parts);
      } catch (const std::exception& e) {
        Fail(Status::Internal(std::string("assign: ") + e.what()));
      }
    };
    hooks.on_revoke = [this](const std::vector<int32_t>& parts) {
      try {
        OnRevoke(parts);
      } catch (const std::exception& e) {
        Fail(Status::Internal(std::string("revoke: ") + e.what()));
      }
    };
    hooks.on_commit = [this](const std::vector<kafka::PartitionOffset>& done) {
      metrics.commits += 1;
      for (const kafka::PartitionOffset& po : done) metrics.SetCommitted(po.partition, po.offset);
    };
    consumer->SetGroupHooks(std::move(hooks));
    // A missing topic: with --exit-at-end, fail after a bounded wait; a running
    // sink waits for it (the group assigns partitions once it exists).
    Status started = consumer->Start(opt.connect_timeout_ms, opt.exit_at_end ? opt.topic_wait_ms : 0);
    if (started.code() == StatusCode::kNotFound && !opt.exit_at_end) {
      log::Warn("sink-raw: {}; waiting for it", started.message());
      started = Status::Ok();
    }
    return started;
  }
};

Sink::Sink(SinkOptions options, io::FileSystem& fs, RecordClassifier& classifier)
    : impl_(std::make_unique<Impl>(std::move(options), fs, classifier, metrics_)) {}

Sink::~Sink() = default;

bool Sink::assigned_once() const { return impl_->first_assign_us > 0; }

Status Sink::Run(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  std::unique_ptr<MetricsServer> server;
  if (s.opt.metrics_port >= 0) {
    std::string topic = s.opt.topic;
    EVPIPE_ASSIGN_OR_RETURN(server, MetricsServer::Start(s.opt.metrics_port, [this, topic] {
                              return metrics_.Render(topic);
                            }));
    bound_metrics_port_ = server->port();
    log::Info("sink-raw: metrics on http://127.0.0.1:{}/metrics", server->port());
  }
  // The broker answers and the topic is valid (and, with --exit-at-end, exists)
  // before anything is created under RAW_DIR.
  Status created = s.Create();
  if (!created.ok()) return created;
  EVPIPE_RETURN_IF_ERROR(s.fs.CreateDirs(s.layout.StateDir()));
  EVPIPE_RETURN_IF_ERROR(s.fs.CreateDirs(s.layout.quarantine_root()));
  log::Info("sink-raw: topic={} group={} raw_dir={} roll at {} bytes or {} s, validate {}", s.opt.topic,
            s.opt.group, s.opt.raw_dir, s.opt.roll_max_bytes, s.opt.roll_max_us / 1'000'000, s.classifier.name());
  s.worker = std::make_unique<ClassifyWorker>(s.classifier);
  std::optional<Progress> progress;
  if (s.opt.progress) progress.emplace("sink-raw", 0);
  int64_t last_status_us = MonotonicMicros();
  int64_t last_gauges_us = 0;
  uint64_t last_status_records = 0;
  while (!stop.load() && !s.failed()) {
    // Poll into the free batch while the worker classifies the pending one;
    // then land the pending one while the worker classifies the new one.
    int next = s.pending == 0 ? 1 : 0;
    int64_t poll_start = MonotonicMicros();
    Status polled = s.consumer->Poll(s.batches[next], kBatchMessages, kPollMs);
    s.poll_us += MonotonicMicros() - poll_start;
    if (!polled.ok()) {
      s.Fail(polled);
      break;
    }
    if (s.pending >= 0) {
      int landing = s.pending;
      int64_t wait_start = MonotonicMicros();
      Status classified = s.worker->Wait();
      s.classify_wait_us += MonotonicMicros() - wait_start;
      if (!classified.ok()) s.Fail(classified);
      s.pending = -1;
      if (s.batches[next].size() > 0) {
        s.worker->Submit(&s.batches[next], &s.verdicts[next]);
        s.pending = next;
      }
      int64_t land_start = MonotonicMicros();
      for (size_t i = 0; i < s.batches[landing].size() && !s.failed(); ++i) {
        s.Land(s.batches[landing].partition(i), s.batches[landing].offset(i), s.batches[landing].value(i),
               s.verdicts[landing][i]);
      }
      s.batches[landing].Clear();
      s.land_us += MonotonicMicros() - land_start;
    } else if (s.batches[next].size() > 0) {
      s.worker->Submit(&s.batches[next], &s.verdicts[next]);
      s.pending = next;
    }
    Status health = s.consumer->Health();
    if (!health.ok()) s.Fail(health);
    if (s.failed()) break;
    int64_t now = MonotonicMicros();
    s.RollOld(now);
    s.FlushCommits(/*sync=*/false);
    if (now - last_gauges_us >= 1'000'000) {
      s.UpdateGauges(now);
      last_gauges_us = now;
    }
    if (progress) progress->Update(metrics_.records.load(), metrics_.records.load() + metrics_.TotalLag());
    if (now - last_status_us >= s.opt.status_interval_us) {
      uint64_t records = metrics_.records.load();
      double rate = static_cast<double>(records - last_status_records) * 1e6 / static_cast<double>(now - last_status_us);
      log::Info("sink-raw: {} records ({:.0f}/s), {:.1f} MB, {} open files, lag {}, {} files, {} quarantined",
                records, rate, static_cast<double>(metrics_.bytes.load()) / 1e6, metrics_.open_files.load(),
                metrics_.LagText(), metrics_.files.load(), metrics_.quarantined.load());
      last_status_us = now;
      last_status_records = records;
    }
    if (s.opt.exit_at_end && s.consumer->AtEnd()) break;
  }
  if (progress) progress->Finish();
  if (!s.failed()) s.LandPending();
  if (!s.failed()) {
    s.PublishAll();
    s.FlushCommits(/*sync=*/true);
  }
  // After a failure: drop what was not landed (librdkafka's messages must go before its handle).
  if (s.pending >= 0) (void)s.worker->Wait();
  s.pending = -1;
  s.batches[0].Clear();
  s.batches[1].Clear();
  // Leaving the group revokes what is left; after a failure nothing is committed.
  Status closed = s.consumer->Close();
  if (!closed.ok()) log::Warn("sink-raw: {}", closed.ToString());
  s.UpdateGauges(MonotonicMicros());
  if (s.failed()) return s.failure;
  double secs = s.first_assign_us > 0 ? static_cast<double>(MonotonicMicros() - s.first_assign_us) / 1e6 : 0.0;
  log::Info("sink-raw: done: {} records, {} files, {} quarantined, {} redelivered and skipped; {:.2f} s since the "
            "first assignment ({:.0f} records/s; {:.2f} s waiting for records, {:.2f} s for validation, {:.2f} s "
            "landing of which {:.2f} s publishing)", metrics_.records.load(), metrics_.files.load(),
            metrics_.quarantined.load(), metrics_.skipped.load(), secs,
            secs > 0 ? static_cast<double>(metrics_.records.load()) / secs : 0.0, s.poll_us / 1e6,
            s.classify_wait_us / 1e6, s.land_us / 1e6, s.publish_us / 1e6);
  return Status::Ok();
}

}  // namespace evpipe::sink
