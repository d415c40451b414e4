// Private to jobs: one date of raw-to-parquet built aside (not yet visible to
// readers), and its publication with the others of the run (publish_internal.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/date_swap.h"
#include "evpipe/jobs/manifest.h"
#include "evpipe/jobs/raw_input.h"
#include "evpipe/jobs/raw_to_parquet.h"

namespace evpipe::jobs::internal {

// A date built aside and not yet published: its Parquet files in the staging
// dir of `parquet`, its quarantine file in that of `quarantine` (null: nothing
// rejected, the date's quarantine folder goes).
struct PendingDate {
  std::string date;
  DateReport report;
  Manifest manifest;
  std::unique_ptr<DateSwap> parquet;
  std::unique_ptr<DateSwap> quarantine;
};

// Reads `files` (the date's raw input, sorted by name), validates, dedups and
// orders the rows, and writes the Parquet files (part-NNNNN-<run_id>.parquet)
// and the quarantine file into staging directories. Errors carry "date=D".
Result<PendingDate> BuildDate(io::FileSystem& fs, const Options& options, std::string date,
                              std::vector<RawFile> files, std::string_view run_id);

}  // namespace evpipe::jobs::internal
