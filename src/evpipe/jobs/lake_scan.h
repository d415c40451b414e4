// Per-date scans of the lake's date-partitioned folders (raw, quarantine,
// Parquet), shared by reconcile and the console's lake page, so that both count
// a date the same way. Read-only; no printing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::jobs {

// The D of every ingest_date=D folder directly under `dir` (D is not checked
// to be a date), in listing order; none when `dir` cannot be listed.
std::vector<std::string> PartitionDates(io::FileSystem& fs, const std::string& dir);

// The complete files with `suffix` directly under `dir`, sorted by name: not
// directories, not hidden (writers publish ".<name>" temp files by renaming
// them). None when `dir` cannot be listed.
std::vector<io::DirEntry> VisibleFiles(io::FileSystem& fs, const std::string& dir, std::string_view suffix);

struct RawDateCounts {
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t lines = 0;               // every line, valid or not
  int64_t duplicates_removed = 0;  // valid lines minus their distinct event_ids
};
// One raw date folder (io::DatePartitionDir): its visible .ndjson files. A file
// that cannot be read is an error.
Result<RawDateCounts> CountRawDate(io::FileSystem& fs, const std::string& date_dir);

struct ParquetDateCounts {
  int64_t files = 0;
  int64_t rows = 0;   // from each file's footer
  int64_t bytes = 0;
};
// One Parquet date folder: its visible .parquet files. A footer that cannot be
// read is an error.
Result<ParquetDateCounts> CountParquetDate(io::FileSystem& fs, const std::string& date_dir);

// What the lake holds for one date, as reconcile and the console's lake page
// count it (each adds its own columns beside these).
struct LakeCounts {
  int64_t raw_files = 0, raw_lines = 0, raw_bytes = 0;
  int64_t duplicates_removed = 0;  // valid raw lines minus their distinct event_ids
  int64_t quarantined = 0;         // every stage
  int64_t parquet_files = 0, parquet_rows = 0, parquet_bytes = 0;

  // Field by field (a total of several dates).
  void Add(const LakeCounts& other);
};
// Adds one raw date folder (CountRawDate) to `c`.
Status AddRawDate(io::FileSystem& fs, const std::string& date_dir, LakeCounts& c);
// Adds one Parquet date folder (CountParquetDate) to `c`.
Status AddParquetDate(io::FileSystem& fs, const std::string& date_dir, LakeCounts& c);

}  // namespace evpipe::jobs
