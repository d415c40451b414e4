// Publishing a run's built dates, and what --all needs to skip a date that
// did not change (publish_internal.h).
#include "evpipe/jobs/publish_internal.h"

#include <algorithm>
#include <map>

#include "evpipe/iceberg/kill_point.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/io/sync_all.h"

namespace evpipe::jobs::internal {
namespace {

// The job manifest of a published date: temp file, rename (readers see the
// old one or the new one). Not fsynced one by one: a manifest lost to a power
// cut, or an old one left, no longer matches the published files, so the next
// run redoes the date; PublishRun() fsyncs the directory once at its end.
Status WriteJobManifest(io::FileSystem& fs, const Options& options, const PendingDate& p) {
  const std::string path = JobManifestPath(options, p.date);
  const std::string tmp = io::JoinPath(io::DirName(path), "." + io::BaseName(path) + ".tmp");
  {
    EVPIPE_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(tmp));
    EVPIPE_RETURN_IF_ERROR(file->Append(ManifestToJson(p.manifest)));
    EVPIPE_RETURN_IF_ERROR(file->Close());
  }
  return fs.Rename(tmp, path);
}

}  // namespace

bool SameInputs(const Manifest& m, const Options& options, std::string_view date, const std::vector<RawFile>& files) {
  if (m.topic != options.topic || m.date != date || m.rows_per_file != options.rows_per_file ||
      m.codec != parquet::CodecName(options.codec) || m.inputs.size() != files.size()) {
    return false;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (m.inputs[i].file != files[i].name || m.inputs[i].size != files[i].size) return false;
  }
  return true;
}

// The .parquet names in a published date directory, sorted (empty when none).
std::vector<std::string> PublishedFiles(io::FileSystem& fs, const Options& options, std::string_view date) {
  std::vector<std::string> out;
  auto entries = fs.ListDir(io::DatePartitionDir(options.parquet_dir, options.topic, date));
  if (!entries.ok()) return out;
  for (const io::DirEntry& e : *entries) {
    if (!e.is_dir && e.name.size() > 8 && e.name.compare(e.name.size() - 8, 8, ".parquet") == 0) out.push_back(e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> OutputNames(const Manifest& m) {
  std::vector<std::string> out;
  for (const ManifestOutput& o : m.outputs) out.push_back(o.file);
  std::sort(out.begin(), out.end());
  return out;
}

DateReport SkippedReport(std::string_view date, const std::vector<RawFile>& files, const Manifest& m) {
  DateReport r;
  r.date = std::string(date);
  r.skipped = true;
  r.input_files = static_cast<int64_t>(files.size());
  for (const RawFile& f : files) r.input_bytes += f.size;
  r.rows_in = m.rows_in;
  r.duplicates_removed = m.duplicates_removed;
  r.quarantined = m.quarantined;
  r.rows_out = m.rows_out;
  r.output_files = static_cast<int64_t>(m.outputs.size());
  for (const ManifestOutput& o : m.outputs) r.output_bytes += o.size;
  return r;
}

// Swaps every built date in, in the order that keeps each view whole: the
// table commit first (its files are hard links under data/, so the Hive
// directories do not move under it), then per date the quarantine folder, the
// Parquet directory and the job manifest, then the table's replaced files go.
Status PublishRun(io::FileSystem& fs, const Options& options, std::vector<PendingDate>& built, TableSession* table,
                  std::string_view run_id) {
  if (table != nullptr) {
    std::map<std::string, std::vector<TableSession::NewFile>> dates;
    for (const PendingDate& p : built) {
      std::vector<TableSession::NewFile>& files = dates[p.date];
      for (const ManifestOutput& o : p.manifest.outputs) {
        files.push_back({io::JoinPath(p.parquet->staging_dir(), o.file), o.file, o.rows, o.size});
      }
    }
    EVPIPE_RETURN_IF_ERROR(table->Commit(dates, run_id));
  }
  if (!built.empty()) {
    EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(io::DirName(JobManifestPath(options, built[0].date))));
    // Every staging dir at once (DateSwap::Commit fsyncs each again, then cheaply).
    std::vector<std::string> staged;
    for (const PendingDate& p : built) {
      staged.push_back(p.parquet->staging_dir());
      if (p.quarantine) staged.push_back(p.quarantine->staging_dir());
    }
    EVPIPE_RETURN_IF_ERROR(io::SyncAll(fs, staged));
  }
  for (PendingDate& p : built) {
    Status s;
    if (p.quarantine) {
      s = p.quarantine->Commit();
    } else {
      DateSwap q(fs, io::QuarantineDir(options.quarantine_dir, options.topic, kQuarantineStage, p.date));
      s = q.RemoveFinal();
    }
    iceberg::KillPoint("quarantine swapped");
    if (s.ok()) s = p.parquet->Commit();
    iceberg::KillPoint("date swapped");
    if (s.ok()) s = WriteJobManifest(fs, options, p);
    iceberg::KillPoint("job manifest written");
    if (!s.ok()) return s.WithContext("date=" + p.date);
  }
  if (!built.empty()) EVPIPE_RETURN_IF_ERROR(fs.SyncDir(io::DirName(JobManifestPath(options, built[0].date))));
  if (table != nullptr) EVPIPE_RETURN_IF_ERROR(table->RemoveReplaced());
  return Status::Ok();
}

void AbandonAll(std::vector<PendingDate>& built) {
  for (PendingDate& p : built) {
    p.parquet->Abandon();
    if (p.quarantine) p.quarantine->Abandon();
  }
}

}  // namespace evpipe::jobs::internal
