// The lake side of the console: per ingest_date what RAW_DIR, QUARANTINE_DIR
// and PARQUET_DIR hold for a topic, the Iceberg snapshots, and whether each
// date balances.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/lake_scan.h"

namespace evpipe::console {

struct LakeDirs {
  std::string raw_dir, parquet_dir, quarantine_dir;
};

// The raw, quarantine and Parquet counts (jobs::LakeCounts), and what the page adds.
struct LakeDate : jobs::LakeCounts {
  std::string date;  // YYYY-MM-DD, or "unknown" (quarantined records whose ingest_time could not be read)
  std::map<std::string, int64_t> quarantined_by_reason;
  std::map<std::string, int64_t> quarantined_by_stage;  // sink-raw, raw-to-parquet
  // What the Iceberg table's current snapshot holds for the date (-1: no table,
  // or the date is not in it).
  int64_t iceberg_rows = -1, iceberg_files = -1;
  // ok: every raw line is a Parquet row, a removed duplicate or quarantined by
  // raw-to-parquet; pending: raw lines not converted yet; mismatch: neither;
  // quarantine-only: nothing but quarantined records (the "unknown" date).
  std::string balance;
};

struct IcebergSnapshot {
  int64_t snapshot_id = 0;
  int64_t timestamp_ms = 0;
  std::string operation;
  int64_t added_files = -1, added_records = -1, total_files = -1, total_records = -1;  // -1: not in the summary
  bool current = false;
};

struct LakeReport {
  std::string topic;
  LakeDirs dirs;
  bool raw_exists = false, parquet_exists = false, quarantine_exists = false;
  std::vector<std::string> topics;  // every topic found in the three dirs
  std::vector<LakeDate> dates;      // sorted, "unknown" last
  bool iceberg_exists = false;
  std::string iceberg_error;     // why the table could not be read ("" when fine)
  std::vector<IcebergSnapshot> snapshots;  // oldest first
};

// Reads the three directories. A directory that does not exist is reported
// (raw_exists false ...), not an error; a file that cannot be read is.
Result<LakeReport> ScanLake(io::FileSystem& fs, const LakeDirs& dirs, const std::string& topic);

// The /api/lake answer.
std::string LakeToJson(const LakeReport& report);

}  // namespace evpipe::console
