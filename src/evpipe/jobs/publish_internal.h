// Private to jobs: publishing the dates one run built (the Iceberg commit,
// then each date's quarantine, Parquet directory and job manifest), and the
// checks that let --all skip a date whose input did not change.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/date_job_internal.h"
#include "evpipe/jobs/event_table.h"
#include "evpipe/jobs/manifest.h"
#include "evpipe/jobs/raw_input.h"
#include "evpipe/jobs/raw_to_parquet.h"

namespace evpipe::jobs::internal {

// True when the manifest records the same topic, date, options and input files
// (names and sizes) as this run would use.
bool SameInputs(const Manifest& m, const Options& options, std::string_view date, const std::vector<RawFile>& files);
// The .parquet names in a published date directory, sorted (empty when none).
std::vector<std::string> PublishedFiles(io::FileSystem& fs, const Options& options, std::string_view date);
// The manifest's output file names, sorted.
std::vector<std::string> OutputNames(const Manifest& m);
// The report of a date skipped as unchanged: the manifest's counts.
DateReport SkippedReport(std::string_view date, const std::vector<RawFile>& files, const Manifest& m);

// Swaps every built date in, in the order that keeps each view whole: the
// table commit first (its files are hard links under data/, so the Hive
// directories do not move under it), then per date the quarantine folder, the
// Parquet directory and the job manifest, then the table's replaced files go.
// `table` is null with --no-iceberg.
Status PublishRun(io::FileSystem& fs, const Options& options, std::vector<PendingDate>& built, TableSession* table,
                  std::string_view run_id);

// Removes the staging directories of dates that were not published.
void AbandonAll(std::vector<PendingDate>& built);

}  // namespace evpipe::jobs::internal
