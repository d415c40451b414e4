// The event table: its definition from kEventColumns, and one run's session.
#include "evpipe/jobs/event_table.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <set>

#include <fmt/core.h>

#include "evpipe/event/event.h"
#include "evpipe/iceberg/kill_point.h"
#include "evpipe/jobs/event_columns.h"

namespace evpipe::jobs {
namespace {

constexpr std::string_view kDateDirPrefix = "ingest_date=";
constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;

// Days since 1970-01-01 of a valid "YYYY-MM-DD" (the job checked it), and back.
int32_t DayOf(std::string_view date) {
  auto micros = event::ParseDate(date);
  return micros.ok() ? static_cast<int32_t>(*micros / kMicrosPerDay) : INT32_MIN;
}
std::string DateOf(int32_t day) { return event::IngestDate(static_cast<int64_t>(day) * kMicrosPerDay); }

std::string IcebergType(ColumnType t) {
  switch (t) {
    case ColumnType::kString:
      return "string";
    case ColumnType::kInt32:
      return "int";
    case ColumnType::kTimestampMicros:
      return "timestamptz";
  }
  return "string";
}

iceberg::TableDef MakeDef() {
  iceberg::TableDef def;
  for (const EventColumn& c : kEventColumns) {
    def.fields.push_back(iceberg::Field{c.field_id, std::string(c.name), IcebergType(c.type), c.required});
  }
  // Optional: readers fill a column missing from a file from an identity
  // partition only when it is optional (pyiceberg; the spec allows either).
  def.fields.push_back(iceberg::Field{kPartitionColumnFieldId, std::string(kPartitionColumn), "date", false});
  def.partition_source_id = kPartitionColumnFieldId;
  // The order of rows inside every file (docs/formats/raw_to_parquet.md, Rules 3).
  def.sort_source_ids = {kEventColumns[kColEventTime].field_id, kEventColumns[kColEventId].field_id};
  def.properties = {
      {std::string(iceberg::kOwnerProperty), "raw-to-parquet"},
      {"write.format.default", "parquet"},
      {"write.parquet.compression-codec", "zstd"},
  };
  return def;
}

}  // namespace

const iceberg::TableDef& EventTableDef() {
  static const iceberg::TableDef def = MakeDef();
  return def;
}

Result<std::string> TableLocation(std::string_view parquet_dir, std::string_view topic) {
  const std::string dir = io::JoinPath(parquet_dir, topic);
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf) == nullptr) return Status::FromErrno("realpath " + dir, errno);
  return std::string(buf);
}

std::string TableDataDir(std::string_view location, std::string_view date) {
  return io::JoinPath(io::JoinPath(location, "data"), std::string(kDateDirPrefix) + std::string(date));
}

Result<TableSession> TableSession::Open(io::FileSystem& fs, std::string_view parquet_dir, std::string_view topic,
                                        std::string_view catalog) {
  EVPIPE_ASSIGN_OR_RETURN(std::string location, TableLocation(parquet_dir, topic));
  TableSession s(fs, location);
  s.table_name_ = std::string(topic);
  if (!catalog.empty()) {
    EVPIPE_ASSIGN_OR_RETURN(std::string db, iceberg::ParseSqliteCatalogUri(catalog));
    iceberg::CatalogTarget t;
    t.db_path = std::move(db);
    s.catalog_ = std::move(t);
  }
  EVPIPE_ASSIGN_OR_RETURN(s.state_, iceberg::ReadTable(fs, EventTableDef(), location));
  if (const iceberg::Snapshot* cur = s.state_.Current(); cur != nullptr) {
    auto files = iceberg::ReadSnapshotFiles(fs, EventTableDef(), *cur);
    if (!files.ok()) return files.status().WithContext("table " + location + " snapshot " + std::to_string(cur->id));
    s.files_ = std::move(*files);
  }
  EVPIPE_RETURN_IF_ERROR(s.SyncCatalog());
  EVPIPE_RETURN_IF_ERROR(s.RemoveOrphans());
  return s;
}

Status TableSession::SyncCatalog() {
  if (!catalog_ || state_.version == 0) return Status::Ok();
  Status s = iceberg::RegisterTable(*catalog_, table_name_, iceberg::FileUri(location_),
                                    iceberg::FileUri(state_.metadata_path));
  iceberg::KillPoint("catalog updated");
  return s;
}

// A data file no snapshot lists: written by a run that crashed before its
// commit, or replaced by a commit whose run crashed before deleting it. Valid
// snapshots list only current files (older ones are expired), so "not in the
// current snapshot" is the test.
Status TableSession::RemoveOrphans() {
  const std::string data = io::JoinPath(location_, "data");
  if (!fs_->Exists(data)) return Status::Ok();
  std::set<std::string> live;
  for (const iceberg::DataFile& f : files_) live.insert(f.path);
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> dates, fs_->ListDir(data));
  for (const io::DirEntry& d : dates) {
    if (!d.is_dir || d.name.rfind(kDateDirPrefix, 0) != 0) continue;
    const std::string dir = io::JoinPath(data, d.name);
    EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> files, fs_->ListDir(dir));
    for (const io::DirEntry& f : files) {
      const std::string path = io::JoinPath(dir, f.name);
      if (!f.is_dir && live.count(path) == 0) EVPIPE_RETURN_IF_ERROR(fs_->Remove(path));
    }
  }
  return Status::Ok();
}

std::vector<std::string> TableSession::FileNames(std::string_view date) const {
  const int32_t day = DayOf(date);
  std::vector<std::string> out;
  for (const iceberg::DataFile& f : files_) {
    if (f.partition_day == day) out.push_back(io::BaseName(f.path));
  }
  std::sort(out.begin(), out.end());
  return out;
}

int64_t TableSession::Rows(std::string_view date) const {
  const int32_t day = DayOf(date);
  int64_t rows = 0;
  for (const iceberg::DataFile& f : files_) {
    if (f.partition_day == day) rows += f.record_count;
  }
  return rows;
}

Status TableSession::Commit(const std::map<std::string, std::vector<NewFile>>& dates, std::string_view run_id) {
  if (dates.empty()) return Status::Ok();
  std::vector<iceberg::PartitionReplace> changes;
  std::string date_list;
  std::vector<std::string> dirs;
  for (const auto& [date, files] : dates) {
    iceberg::PartitionReplace c;
    c.day = DayOf(date);
    const std::string dir = TableDataDir(location_, date);
    EVPIPE_RETURN_IF_ERROR(fs_->CreateDirs(dir));
    for (const NewFile& f : files) {
      const std::string path = io::JoinPath(dir, f.name);
      // The Hive directory and the table share the file: one inode, two names.
      if (::link(f.staged_path.c_str(), path.c_str()) != 0 && errno != EEXIST) {
        return Status::FromErrno("link " + f.staged_path + " " + path, errno);
      }
      iceberg::KillPoint("data file linked");
      iceberg::DataFile d;
      d.path = path;
      d.record_count = f.rows;
      d.file_size = static_cast<int64_t>(f.size);
      c.files.push_back(std::move(d));
    }
    dirs.push_back(dir);
    changes.push_back(std::move(c));
    date_list += (date_list.empty() ? "" : ",") + date;
  }
  // The links must be durable before the metadata that lists them: Commit
  // syncs these directories in one round with its own new files.
  dirs.push_back(io::JoinPath(location_, "data"));
  dirs.push_back(location_);
  EVPIPE_ASSIGN_OR_RETURN(iceberg::CommitResult r,
                          iceberg::Commit(*fs_, EventTableDef(), state_, files_, changes, run_id,
                                          {{"evpipe.dates", date_list}}, dirs));
  state_ = std::move(r.table);
  replaced_ = std::move(r.removed);
  // The new current files: the kept ones and the added ones.
  std::set<int32_t> changed;
  for (const iceberg::PartitionReplace& c : changes) changed.insert(c.day);
  std::vector<iceberg::DataFile> now;
  for (const iceberg::DataFile& f : files_) {
    if (changed.count(f.partition_day) == 0) now.push_back(f);
  }
  for (const iceberg::PartitionReplace& c : changes) {
    for (iceberg::DataFile f : c.files) {
      f.partition_day = c.day;
      f.data_sequence = r.snapshot.sequence;
      f.snapshot_id = r.snapshot.id;
      now.push_back(std::move(f));
    }
  }
  files_ = std::move(now);
  return SyncCatalog();
}

Status TableSession::RemoveReplaced() {
  for (const iceberg::DataFile& f : replaced_) {
    Status s = fs_->Remove(f.path);
    if (!s.ok() && fs_->Exists(f.path)) return s;
    iceberg::KillPoint("replaced file removed");
  }
  replaced_.clear();
  return Status::Ok();
}

std::string TableSession::Describe() const {
  const iceberg::Snapshot* cur = state_.Current();
  if (cur == nullptr) return fmt::format("iceberg table {}: no snapshot yet", location_);
  return fmt::format("iceberg table {}: snapshot {} ({}), {} rows in {} files; metadata {}", location_, cur->id,
                     cur->Get("operation"), cur->Get("total-records"), cur->Get("total-data-files"),
                     state_.metadata_path);
}

Result<std::vector<SnapshotInfo>> ListTableSnapshots(io::FileSystem& fs, std::string_view parquet_dir,
                                                     std::string_view topic) {
  std::vector<SnapshotInfo> out;
  const std::string dir = io::JoinPath(parquet_dir, topic);
  if (!fs.Exists(dir)) return out;
  EVPIPE_ASSIGN_OR_RETURN(std::string location, TableLocation(parquet_dir, topic));
  EVPIPE_ASSIGN_OR_RETURN(iceberg::TableState t, iceberg::ReadTable(fs, EventTableDef(), location));
  for (const iceberg::Snapshot& s : t.snapshots) {
    SnapshotInfo i;
    i.id = s.id;
    i.parent_id = s.parent_id;
    i.sequence = s.sequence;
    i.timestamp_ms = s.timestamp_ms;
    i.current = t.current_snapshot_id && *t.current_snapshot_id == s.id;
    i.summary = s.summary;
    out.push_back(std::move(i));
  }
  return out;
}

Result<std::vector<DateFiles>> CurrentTableDates(io::FileSystem& fs, std::string_view parquet_dir,
                                                 std::string_view topic) {
  const std::string dir = io::JoinPath(parquet_dir, topic);
  if (!fs.Exists(dir)) return Status::NotFound("no table: " + dir + " does not exist");
  EVPIPE_ASSIGN_OR_RETURN(std::string location, TableLocation(parquet_dir, topic));
  EVPIPE_ASSIGN_OR_RETURN(iceberg::TableState t, iceberg::ReadTable(fs, EventTableDef(), location));
  const iceberg::Snapshot* cur = t.Current();
  if (cur == nullptr) return Status::NotFound("no table snapshot in " + location);
  EVPIPE_ASSIGN_OR_RETURN(std::vector<iceberg::DataFile> files, iceberg::ReadSnapshotFiles(fs, EventTableDef(), *cur));
  std::map<int32_t, DateFiles> by_day;
  for (const iceberg::DataFile& f : files) {
    DateFiles& d = by_day[f.partition_day];
    d.rows += f.record_count;
    d.bytes += f.file_size;
    ++d.files;
  }
  std::vector<DateFiles> out;
  for (auto& [day, d] : by_day) {
    d.date = DateOf(day);
    out.push_back(d);
  }
  return out;
}

}  // namespace evpipe::jobs
