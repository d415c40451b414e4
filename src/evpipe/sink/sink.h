// The raw sink: a Kafka consumer in a group that lands each record value as
// one line of RAW_DIR/<topic>/ingest_date=D/part-*.ndjson, each (partition,
// offset) exactly once across crashes when RAW_DIR survives
// (docs/formats/raw_landing.md explains how).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/sink/metrics.h"

namespace evpipe::sink {

inline constexpr int64_t kDefaultStatusIntervalSeconds = 10;
// With --exit-at-end, how long a topic may be missing before the sink gives up.
inline constexpr int kDefaultTopicWaitMs = 10'000;

// Decides what a record value is: a valid event with an ingest time, or a
// quarantine reason. Called from the consumer thread only.
class RecordClassifier {
 public:
  virtual ~RecordClassifier() = default;
  // nullopt for a valid event (then *ingest_us is its ingest_time in µs since
  // the epoch); else the reason, with *ingest_us set when the time was usable
  // anyway and -1 when not.
  virtual std::optional<std::string> Classify(std::string_view value, int64_t* ingest_us) = 0;
  // What it checks, for the start-up line ("route", "full").
  virtual std::string_view name() const = 0;
};

// How much of each record sink-raw checks (`--validate`).
enum class Validation {
  // Only what routing needs: a readable top-level ingest_time
  // (event::ExtractIngestTime). A record without one is quarantined here, with
  // the event model's reason; every other record lands, and raw-to-parquet
  // applies the full rules (and quarantines what breaks them) when it reads it.
  kRoute,
  // The event model's every rule: a record that is not a valid event is
  // quarantined here with its Kafka coordinates, and RAW_DIR holds valid events only.
  kFull,
};
inline constexpr Validation kDefaultValidation = Validation::kRoute;
// "route" / "full".
std::string_view ValidationName(Validation v);
Result<Validation> ParseValidation(std::string_view name);

// The classifier of the event model (evpipe/event): the one the CLI uses.
std::unique_ptr<RecordClassifier> NewEventClassifier(Validation validation);

struct SinkOptions {
  std::string bootstrap;
  std::string topic;
  std::string group;
  std::string raw_dir;
  std::string quarantine_dir;
  uint64_t roll_max_bytes = 64ull << 20;
  int64_t roll_max_us = 60'000'000;
  bool exit_at_end = false;
  int connect_timeout_ms = 5000;               // the broker must answer within this at start
  int topic_wait_ms = kDefaultTopicWaitMs;     // --exit-at-end: a missing topic fails after this
  std::vector<std::pair<std::string, std::string>> kafka_properties;  // -X, applied last
  int metrics_port = -1;  // -1 off, 0 any free port
  int64_t status_interval_us = kDefaultStatusIntervalSeconds * 1'000'000;
  bool progress = false;
  // Test-only switches (set from EVPIPE_SINK_TEST_* environment variables) that
  // break the guarantees on purpose, to show that the tests catch it.
  bool test_commit_before_publish = false;  // commit offsets before the files are durable
  bool test_no_recovery = false;            // resume from the committed offset only
};

// Owns the consumer. Run() is called once, from one thread; `stop` may be set
// from a signal handler. Not copyable.
class Sink {
 public:
  Sink(SinkOptions options, io::FileSystem& fs, RecordClassifier& classifier);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Consumes until `stop` is set, or until caught up with --exit-at-end; then
  // publishes the open rolls, commits and leaves the group. An I/O failure
  // commits nothing more and returns the error.
  Status Run(const std::atomic<bool>& stop);

  const SinkMetrics& metrics() const { return metrics_; }
  // True once the group assigned partitions (before that nothing was landed or committed).
  bool assigned_once() const;
  // The metrics port actually bound (after Run started), -1 when off.
  int metrics_port() const { return bound_metrics_port_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SinkMetrics metrics_;
  std::atomic<int> bound_metrics_port_{-1};
};

}  // namespace evpipe::sink
