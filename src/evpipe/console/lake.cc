// ScanLake and LakeToJson.
#include "evpipe/console/lake.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <simdjson.h>

#include "evpipe/core/json_writer.h"
#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/jobs/event_table.h"
#include "evpipe/jobs/lake_scan.h"

namespace evpipe::console {
namespace {

constexpr std::string_view kUnknownDate = "unknown";

// "D" for every ingest_date=D folder under dir whose D is a date or "unknown".
std::vector<std::string> DateDirs(io::FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  for (std::string& date : jobs::PartitionDates(fs, dir)) {
    if (event::ParseDate(date).ok() || date == kUnknownDate) out.push_back(std::move(date));
  }
  return out;
}

std::string_view NextLine(std::string_view data, size_t* pos) {
  size_t nl = data.find('\n', *pos);
  if (nl == std::string_view::npos) nl = data.size();
  std::string_view line = data.substr(*pos, nl - *pos);
  *pos = nl + 1;
  return line;
}

Status ScanRaw(io::FileSystem& fs, const LakeDirs& dirs, const std::string& topic,
               std::map<std::string, LakeDate>& dates) {
  for (const std::string& date : DateDirs(fs, io::JoinPath(dirs.raw_dir, topic))) {
    EVPIPE_RETURN_IF_ERROR(jobs::AddRawDate(fs, io::DatePartitionDir(dirs.raw_dir, topic, date), dates[date]));
  }
  return Status::Ok();
}

// The "reason" of one quarantine line (docs/formats/quarantine.md); a line we
// cannot read counts as "unreadable quarantine line" rather than vanishing.
std::string QuarantineReason(simdjson::ondemand::parser& parser, std::string_view line) {
  simdjson::padded_string padded(line);
  simdjson::ondemand::document doc;
  std::string_view reason;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.find_field_unordered("reason").get_string().get(reason) != simdjson::SUCCESS) {
    return "unreadable quarantine line";
  }
  return std::string(reason);
}

Status ScanQuarantine(io::FileSystem& fs, const LakeDirs& dirs, const std::string& topic,
                      std::map<std::string, LakeDate>& dates) {
  const std::string root = io::JoinPath(dirs.quarantine_dir, topic);
  auto stages = fs.ListDir(root);
  if (!stages.ok()) return Status::Ok();
  simdjson::ondemand::parser parser;
  for (const io::DirEntry& stage : *stages) {
    if (!stage.is_dir || stage.name.empty() || stage.name[0] == '.') continue;
    for (const std::string& date : DateDirs(fs, io::JoinPath(root, stage.name))) {
      const std::string dir = io::QuarantineDir(dirs.quarantine_dir, topic, stage.name, date);
      for (const io::DirEntry& f : jobs::VisibleFiles(fs, dir, ".ndjson")) {
        EVPIPE_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(io::JoinPath(dir, f.name)));
        LakeDate& d = dates[date];
        size_t pos = 0;
        while (pos < data.size()) {
          std::string_view line = NextLine(data, &pos);
          if (line.empty()) continue;
          ++d.quarantined;
          ++d.quarantined_by_stage[stage.name];
          ++d.quarantined_by_reason[QuarantineReason(parser, line)];
        }
      }
    }
  }
  return Status::Ok();
}

Status ScanParquet(io::FileSystem& fs, const LakeDirs& dirs, const std::string& topic,
                   std::map<std::string, LakeDate>& dates) {
  for (const std::string& date : DateDirs(fs, io::JoinPath(dirs.parquet_dir, topic))) {
    EVPIPE_RETURN_IF_ERROR(
        jobs::AddParquetDate(fs, io::DatePartitionDir(dirs.parquet_dir, topic, date), dates[date]));
  }
  return Status::Ok();
}

// `table`: the topic has an Iceberg table with a snapshot, whose rows for the
// date must then be the Parquet files' rows.
std::string Balance(const LakeDate& d, bool table) {
  if (d.raw_lines == 0 && d.parquet_files == 0) return d.quarantined > 0 ? "quarantine-only" : "empty";
  auto stage = d.quarantined_by_stage.find("raw-to-parquet");
  const int64_t converted_rejects = stage == d.quarantined_by_stage.end() ? 0 : stage->second;
  if (d.parquet_files == 0 && converted_rejects == 0) return "pending";
  if (d.raw_lines != d.parquet_rows + d.duplicates_removed + converted_rejects) return "mismatch";
  if (table && d.parquet_rows != std::max<int64_t>(d.iceberg_rows, 0)) return "mismatch";
  return "ok";
}

int64_t SummaryInt(const jobs::SnapshotInfo& s, std::string_view key) {
  for (const auto& [k, v] : s.summary) {
    if (k != key) continue;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    return ec == std::errc() && p == v.data() + v.size() ? n : -1;
  }
  return -1;
}

// The table's snapshots and what its current one holds per date, through the
// lake's read API (jobs/event_table.h); a table that cannot be read is shown
// with its error, not a failed page.
void ScanIceberg(io::FileSystem& fs, const LakeDirs& dirs, const std::string& topic, LakeReport& report,
                 std::map<std::string, LakeDate>& dates) {
  const std::string metadata_dir = io::JoinPath(io::JoinPath(dirs.parquet_dir, topic), "metadata");
  if (!fs.Exists(metadata_dir)) return;
  report.iceberg_exists = true;
  auto snapshots = jobs::ListTableSnapshots(fs, dirs.parquet_dir, topic);
  if (!snapshots.ok()) {
    report.iceberg_error = snapshots.status().message();
    return;
  }
  for (const jobs::SnapshotInfo& s : *snapshots) {
    IcebergSnapshot snap;
    snap.snapshot_id = s.id;
    snap.timestamp_ms = s.timestamp_ms;
    snap.current = s.current;
    for (const auto& [k, v] : s.summary) {
      if (k == "operation") snap.operation = v;
    }
    snap.added_files = SummaryInt(s, "added-data-files");
    snap.added_records = SummaryInt(s, "added-records");
    snap.total_files = SummaryInt(s, "total-data-files");
    snap.total_records = SummaryInt(s, "total-records");
    report.snapshots.push_back(std::move(snap));
  }
  if (report.snapshots.empty()) return;
  auto current = jobs::CurrentTableDates(fs, dirs.parquet_dir, topic);
  if (!current.ok()) {
    report.iceberg_error = current.status().message();
    return;
  }
  for (const jobs::DateFiles& d : *current) {
    LakeDate& date = dates[d.date];
    date.iceberg_rows = d.rows;
    date.iceberg_files = d.files;
  }
}

void AddTopics(io::FileSystem& fs, const std::string& dir, std::set<std::string>& topics) {
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return;
  for (const auto& e : *entries) {
    if (e.is_dir && !e.name.empty() && e.name[0] != '.' && e.name[0] != '_') topics.insert(e.name);
  }
}

void WriteCounts(JsonWriter& w, std::string_view key, const std::map<std::string, int64_t>& counts) {
  w.Key(key).BeginObject();
  for (const auto& [name, n] : counts) w.Field(name, n);
  w.EndObject();
}

void NullableCount(JsonWriter& w, std::string_view key, int64_t v) {
  if (v < 0) w.Key(key).Null();
  else w.Field(key, v);
}

void WriteDir(JsonWriter& w, std::string_view key, const std::string& dir, bool exists) {
  w.Key(key).BeginObject().Field("dir", dir).Field("exists", exists).EndObject();
}

}  // namespace

Result<LakeReport> ScanLake(io::FileSystem& fs, const LakeDirs& dirs, const std::string& topic) {
  LakeReport report;
  report.topic = topic;
  report.dirs = dirs;
  report.raw_exists = fs.Exists(io::JoinPath(dirs.raw_dir, topic));
  report.parquet_exists = fs.Exists(io::JoinPath(dirs.parquet_dir, topic));
  report.quarantine_exists = fs.Exists(io::JoinPath(dirs.quarantine_dir, topic));
  std::set<std::string> topics;
  for (const std::string* dir : {&dirs.raw_dir, &dirs.parquet_dir, &dirs.quarantine_dir}) AddTopics(fs, *dir, topics);
  report.topics.assign(topics.begin(), topics.end());

  std::map<std::string, LakeDate> dates;
  EVPIPE_RETURN_IF_ERROR(ScanRaw(fs, dirs, topic, dates).WithContext("raw " + dirs.raw_dir));
  EVPIPE_RETURN_IF_ERROR(ScanQuarantine(fs, dirs, topic, dates).WithContext("quarantine " + dirs.quarantine_dir));
  EVPIPE_RETURN_IF_ERROR(ScanParquet(fs, dirs, topic, dates).WithContext("parquet " + dirs.parquet_dir));
  ScanIceberg(fs, dirs, topic, report, dates);
  for (auto& [date, d] : dates) {
    d.date = date;
    d.balance = Balance(d, !report.snapshots.empty() && report.iceberg_error.empty());
    if (date != kUnknownDate) report.dates.push_back(std::move(d));
  }
  if (auto unknown = dates.find(std::string(kUnknownDate)); unknown != dates.end()) {
    report.dates.push_back(std::move(unknown->second));
  }
  return report;
}

std::string LakeToJson(const LakeReport& r) {
  JsonWriter w;
  w.BeginObject().Field("topic", r.topic);
  w.Key("topics").BeginArray();
  for (const std::string& t : r.topics) w.String(t);
  w.EndArray();
  WriteDir(w, "raw", io::JoinPath(r.dirs.raw_dir, r.topic), r.raw_exists);
  WriteDir(w, "parquet", io::JoinPath(r.dirs.parquet_dir, r.topic), r.parquet_exists);
  WriteDir(w, "quarantine", io::JoinPath(r.dirs.quarantine_dir, r.topic), r.quarantine_exists);
  LakeDate total;
  w.Key("dates").BeginArray();
  for (const LakeDate& d : r.dates) {
    w.BeginObject().Field("date", d.date);
    w.Key("raw").BeginObject().Field("files", d.raw_files).Field("lines", d.raw_lines).Field("bytes", d.raw_bytes)
        .EndObject();
    w.Key("quarantine").BeginObject().Field("lines", d.quarantined);
    WriteCounts(w, "by_reason", d.quarantined_by_reason);
    WriteCounts(w, "by_stage", d.quarantined_by_stage);
    w.EndObject();
    w.Field("duplicates_removed", d.duplicates_removed);
    w.Key("parquet").BeginObject().Field("files", d.parquet_files).Field("rows", d.parquet_rows)
        .Field("bytes", d.parquet_bytes).EndObject();
    w.Key("iceberg").BeginObject();
    NullableCount(w, "rows", d.iceberg_rows);
    NullableCount(w, "files", d.iceberg_files);
    w.EndObject();
    w.Field("balance", d.balance).EndObject();
    total.Add(d);
    for (const auto& [reason, n] : d.quarantined_by_reason) total.quarantined_by_reason[reason] += n;
    for (const auto& [stage, n] : d.quarantined_by_stage) total.quarantined_by_stage[stage] += n;
  }
  w.EndArray();
  w.Key("total").BeginObject()
      .Field("raw_files", total.raw_files).Field("raw_lines", total.raw_lines).Field("raw_bytes", total.raw_bytes)
      .Field("quarantined", total.quarantined).Field("duplicates_removed", total.duplicates_removed)
      .Field("parquet_files", total.parquet_files).Field("parquet_rows", total.parquet_rows)
      .Field("parquet_bytes", total.parquet_bytes);
  WriteCounts(w, "quarantined_by_reason", total.quarantined_by_reason);
  WriteCounts(w, "quarantined_by_stage", total.quarantined_by_stage);
  w.EndObject();
  w.Key("iceberg").BeginObject().Field("exists", r.iceberg_exists);
  if (r.iceberg_error.empty()) w.Key("error").Null();
  else w.Field("error", r.iceberg_error);
  w.Key("snapshots").BeginArray();
  for (const IcebergSnapshot& s : r.snapshots) {
    w.BeginObject().Field("snapshot_id", std::to_string(s.snapshot_id)).Field("timestamp_ms", s.timestamp_ms)
        .Field("operation", s.operation).Field("current", s.current)
        .Field("added_files", s.added_files).Field("added_records", s.added_records)
        .Field("total_files", s.total_files).Field("total_records", s.total_records).EndObject();
  }
  w.EndArray().EndObject();
  w.EndObject();
  return w.Take();
}

}  // namespace evpipe::console
