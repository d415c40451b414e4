// DateSwap: build aside, exchange, fsync, clean.
#include "evpipe/jobs/date_swap.h"

#include <utility>

namespace evpipe::jobs {

DateSwap::DateSwap(io::FileSystem& fs, std::string final_dir)
    : fs_(fs), final_dir_(std::move(final_dir)), parent_(io::DirName(final_dir_)) {
  const std::string base = io::BaseName(final_dir_);
  staging_dir_ = io::JoinPath(parent_, "." + base + ".new");
  old_dir_ = io::JoinPath(parent_, "." + base + ".old");
}

Status DateSwap::Prepare() {
  if (!fs_.Exists(parent_)) {
    EVPIPE_RETURN_IF_ERROR(fs_.CreateDirs(parent_));
    EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(io::DirName(parent_)));
  }
  // A crash in the fallback between its two renames leaves the old output in
  // .old and nothing published: put the old one back first.
  if (!fs_.Exists(final_dir_) && fs_.Exists(old_dir_)) {
    EVPIPE_RETURN_IF_ERROR(fs_.Rename(old_dir_, final_dir_));
    EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(parent_));
  }
  EVPIPE_RETURN_IF_ERROR(fs_.RemoveAll(old_dir_));
  EVPIPE_RETURN_IF_ERROR(fs_.RemoveAll(staging_dir_));
  return fs_.CreateDirs(staging_dir_);
}

Status DateSwap::Commit() {
  EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(staging_dir_));
  if (!fs_.Exists(final_dir_)) {
    EVPIPE_RETURN_IF_ERROR(fs_.Rename(staging_dir_, final_dir_));
    return fs_.SyncDir(parent_);
  }
  Status exchanged = fs_.RenameExchange(staging_dir_, final_dir_);
  if (exchanged.ok()) {
    EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(parent_));
    // staging now holds the old output.
    return fs_.RemoveAll(staging_dir_);
  }
  if (exchanged.code() != StatusCode::kInvalidArgument) return exchanged;
  // No RENAME_EXCHANGE here: two renames. Between them the date is briefly
  // absent (never partial); a crash there is repaired by the next Prepare().
  EVPIPE_RETURN_IF_ERROR(fs_.Rename(final_dir_, old_dir_));
  EVPIPE_RETURN_IF_ERROR(fs_.Rename(staging_dir_, final_dir_));
  EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(parent_));
  return fs_.RemoveAll(old_dir_);
}

Status DateSwap::RemoveFinal() {
  EVPIPE_RETURN_IF_ERROR(fs_.RemoveAll(old_dir_));
  if (!fs_.Exists(final_dir_)) return Status::Ok();
  // Moved to the staging name (not .old), so that a crash before the removal
  // is finished by the next Prepare() instead of being restored.
  EVPIPE_RETURN_IF_ERROR(fs_.RemoveAll(staging_dir_));
  EVPIPE_RETURN_IF_ERROR(fs_.Rename(final_dir_, staging_dir_));
  EVPIPE_RETURN_IF_ERROR(fs_.SyncDir(parent_));
  return fs_.RemoveAll(staging_dir_);
}

void DateSwap::Abandon() { (void)fs_.RemoveAll(staging_dir_); }

}  // namespace evpipe::jobs
