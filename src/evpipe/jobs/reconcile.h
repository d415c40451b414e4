// Reconcile: per ingest_date, what the simulator made against what the topic,
// the raw files, the quarantine and Parquet hold, and whether the books
// balance. Called by `evpipe reconcile` and the console; no printing here.
//
// The simulator run's flags are recorded beside the data by produce and gen
// (RunRecordPath) so that reconcile can default to them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/lake_scan.h"
#include "evpipe/sim/simulator.h"

namespace evpipe::jobs {

// Records whose ingest_time cannot be read count under this "date".
inline constexpr const char* kUnknownDate = "unknown";

struct ReconcileOptions {
  std::string topic;
  std::string raw_dir, parquet_dir, quarantine_dir;
  // "kafka": records count under the date the sink can read from them;
  // "gen": under the date of the gen file they were written to (no topic).
  std::string source = "kafka";
  sim::Options sim;
  // The topic column: read from `bootstrap` unless skip_topic.
  bool skip_topic = false;
  std::string bootstrap;
  std::vector<std::string> properties;  // -X
  int connect_timeout_ms = 10000;
};

// The lake's counts (LakeCounts; raw_files and raw_bytes are not reported),
// and what the simulator made and the topic holds.
struct DateCounts : LakeCounts {
  int64_t made = 0;             // simulator records accounted under this date
  int64_t made_unique = 0;      // of which first deliveries
  int64_t made_duplicates = 0;  // re-deliveries
  int64_t made_poison = 0;
  int64_t topic = -1;           // records in the topic (-1: not read)
  // made == parquet + duplicates removed + quarantined, and every first delivery is a row.
  bool balanced = true;
  bool topic_ok = true;  // topic == made (true when the topic was not read)
};

struct ReconcileReport {
  std::map<std::string, DateCounts> dates;  // by date; "unknown" sorts last
  DateCounts total;
  int unbalanced = 0;           // dates where balanced or topic_ok is false
  bool topic_read = false;
  std::string topic_warning;    // why the topic column is n/a when it was asked for ("" otherwise)
  std::string hint;             // when every date mismatches: which flags or counts differ ("" otherwise)

  std::string ToJson() const;   // field names: docs/readme/json.md
};

// The run record: <dir>/_evpipe/<topic>/simulator.json (outside the topic's own
// directory, which only sink-raw or gen create).
std::string RunRecordPath(const std::string& dir, const std::string& topic);
// Writes the simulator options of a run (produce or gen); `mixed` becomes true
// when an earlier record for the topic had other options (two runs in one topic).
Status WriteRunRecord(io::FileSystem& fs, const std::string& dir, const std::string& topic,
                      const sim::Options& options, const std::string& tool);

struct RunRecord {
  sim::Options options;
  std::string tool;     // "produce" or "gen"
  bool mixed = false;   // more than one run with different options went into the topic
};
// nullopt when there is no record; Corruption for a record that does not parse.
Result<std::optional<RunRecord>> ReadRunRecord(io::FileSystem& fs, const std::string& dir, const std::string& topic);

// "--orders 5000 --seed 42 --poison-rate 0.002" for the options that differ between a and b ("" when none).
std::string DifferingFlags(const sim::Options& used, const sim::Options& recorded);

// Counts everything. A topic that cannot be read (broker down, no topic) leaves
// the topic column n/a with topic_warning set; the other stages fail hard.
Result<ReconcileReport> Reconcile(io::FileSystem& fs, const ReconcileOptions& options,
                                  const std::optional<RunRecord>& record);

}  // namespace evpipe::jobs
