// Replacing one date's output directory as a whole (docs/formats/raw_to_parquet.md,
// "Atomic replacement"). Used for the Parquet date and its quarantine folder.
#pragma once

#include <string>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::jobs {

// Builds a new version of `final_dir` in a hidden sibling and swaps it in.
// Readers of `final_dir` see the old whole directory or the new whole one at
// every instant; a crash at any point leaves one of them whole, and Prepare()
// of the next run cleans what a crash left behind. Owned by one thread; one
// DateSwap per directory at a time (the job holds a lock file for that).
//
//   <parent>/ingest_date=D          the published directory
//   <parent>/.ingest_date=D.new     the one being built (then: the old one, until removed)
//   <parent>/.ingest_date=D.old     only in the two-rename fallback
class DateSwap {
 public:
  DateSwap(io::FileSystem& fs, std::string final_dir);

  const std::string& final_dir() const { return final_dir_; }
  const std::string& staging_dir() const { return staging_dir_; }

  // Recovers from an earlier crash (restores .old when the final directory is
  // missing), removes leftovers and creates an empty staging directory.
  Status Prepare();
  // Files in staging must be fsynced already. fsyncs the staging directory, swaps
  // it in (renameat2 RENAME_EXCHANGE, or a plain rename when there was no old
  // output), fsyncs the parent, then removes the old output.
  Status Commit();
  // Makes the final directory absent (no output for this date), atomically.
  Status RemoveFinal();
  // Best effort removal of the staging directory after a failure.
  void Abandon();

 private:
  io::FileSystem& fs_;
  std::string final_dir_;
  std::string parent_;
  std::string staging_dir_;
  std::string old_dir_;
};

}  // namespace evpipe::jobs
