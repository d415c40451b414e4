// raw-to-parquet: one ingest_date of raw NDJSON -> validated, deduplicated,
// ordered Parquet files, replaced as a whole (docs/formats/raw_to_parquet.md).
//
//   Options opt; opt.raw_dir = "data/raw"; opt.parquet_dir = "data/parquet"; ...
//   EVPIPE_ASSIGN_OR_RETURN(DateReport r, ConvertDate(io::FileSystem::Default(), opt, "2026-02-05"));
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/manifest.h"
#include "evpipe/parquet/compression.h"

namespace evpipe::jobs {

inline constexpr int64_t kDefaultRowsPerFile = 250000;
inline constexpr const char* kQuarantineStage = "raw-to-parquet";

struct Options {
  std::string raw_dir;
  std::string parquet_dir;
  std::string quarantine_dir;
  std::string topic = "events";
  int64_t rows_per_file = kDefaultRowsPerFile;
  parquet::Codec codec = parquet::Codec::kZstd;
  int zstd_level = parquet::kDefaultZstdLevel;
  // Parse threads within a date (0 = one per core).
  int threads = 0;
  // Draw a progress bar on stderr when it is a terminal.
  bool progress = true;
  // Commit each run as an Iceberg snapshot of PARQUET_DIR/<topic>
  // (docs/formats/iceberg.md); false (--no-iceberg): the Parquet files only.
  bool iceberg = true;
  // ICEBERG_CATALOG: "sqlite:///path.db" also registers the table there ("" : no catalog).
  std::string iceberg_catalog;
  // Replace a date that has output with one built from empty raw input (else refused).
  bool force = false;
  // Names this run's files (part-NNNNN-<run_id>.parquet); empty: NewRunId().
  std::string run_id;
};

// What one date's conversion did (or, when skipped, what its manifest says).
struct DateReport {
  std::string date;
  bool skipped = false;  // --all: input unchanged since the last conversion
  int64_t input_files = 0;
  uint64_t input_bytes = 0;
  int64_t rows_in = 0;             // lines read (valid + quarantined)
  int64_t duplicates_removed = 0;  // valid rows dropped as repeats of an event_id
  int64_t quarantined = 0;
  int64_t rows_out = 0;
  int64_t output_files = 0;
  uint64_t output_bytes = 0;  // Parquet bytes (the manifest not counted)
  double seconds = 0;

  // "2026-02-05: rows in 132715, duplicates 1234, ..." (one line, no newline).
  std::string ToLine() const;
  // One JSON object (no newline).
  std::string ToJson() const;
};

// The job manifests live in <parquet_dir>/<topic>/_evpipe/ingest_date=D.json,
// outside the date directories (whose *.parquet globs stay clean).
inline constexpr std::string_view kJobManifestDir = "_evpipe";
std::string JobManifestPath(const Options& options, std::string_view date);

// "20261201T101500Z-1a2b3c4d": UTC time and 32 random bits, unique per run.
std::string NewRunId();

struct DateOutcome {
  std::string date;
  Status status;       // not ok: the date failed, its previous output is intact
  DateReport report;   // when ok
  bool built = false;  // converted (not skipped)
};
struct RunReport {
  std::vector<DateOutcome> dates;  // in the order asked
  // Opening the table or publishing failed: what was not swapped in yet keeps
  // its previous output, and the next run redoes it.
  Status status;
  std::string table;   // the table's one-line summary after a commit ("" when none: --no-iceberg, nothing converted)
};

// One run of the job over `dates` (each must pass CheckDate, else its outcome
// says why): builds every date aside (skipping, when `only_changed`, a date
// whose inputs, options and published files match its job manifest and the
// table), then publishes them together: one Iceberg snapshot for the run, then
// each date's directory swap (docs/formats/iceberg.md, "Commit").
RunReport RunConversion(io::FileSystem& fs, const Options& options, const std::vector<std::string>& dates,
                        bool only_changed);

// Ok when `date` is a real YYYY-MM-DD (else InvalidArgument) with a raw
// partition (else NotFound); both errors are one line for the user.
Status CheckDate(io::FileSystem& fs, const Options& options, std::string_view date);

// Converts one date. Errors: InvalidArgument for a DATE that is not a real
// YYYY-MM-DD, NotFound when the raw partition does not exist; anything else is
// an I/O failure (the previous output is then left as it was).
Result<DateReport> ConvertDate(io::FileSystem& fs, const Options& options, std::string_view date);

// The dates with a raw partition (sorted). NotFound when <raw_dir>/<topic> does not exist.
Result<std::vector<std::string>> ListDates(io::FileSystem& fs, const Options& options);

// Converts `date` unless its manifest shows that the same input files (names
// and sizes) were converted with the same options into the files that are
// published (and in the table); then returns the manifest's counts with
// skipped = true.
Result<DateReport> ConvertDateIfChanged(io::FileSystem& fs, const Options& options, std::string_view date);

// The manifest of a converted date, NotFound when the date has no output.
Result<Manifest> ReadManifest(io::FileSystem& fs, const Options& options, std::string_view date);

// Holds an exclusive lock on <parquet_dir>/<topic> for one run (a FileLock
// through the file system seam), so that two jobs never build the same date at
// once. Released by the destructor. Unavailable when another run holds it.
class TopicLock {
 public:
  static Result<TopicLock> Acquire(io::FileSystem& fs, const Options& options);

 private:
  explicit TopicLock(std::unique_ptr<io::FileLock> lock) : lock_(std::move(lock)) {}
  std::unique_ptr<io::FileLock> lock_;
};

}  // namespace evpipe::jobs
