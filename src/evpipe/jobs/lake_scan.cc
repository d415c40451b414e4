// Per-date lake scans (see lake_scan.h).
#include "evpipe/jobs/lake_scan.h"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <utility>

#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/parquet/footer.h"

namespace evpipe::jobs {

std::vector<std::string> PartitionDates(io::FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return out;
  for (const io::DirEntry& e : *entries) {
    std::optional<std::string_view> date = io::DateOfPartitionName(e.name);
    if (e.is_dir && date) out.emplace_back(*date);
  }
  return out;
}

std::vector<io::DirEntry> VisibleFiles(io::FileSystem& fs, const std::string& dir, std::string_view suffix) {
  std::vector<io::DirEntry> out;
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return out;
  for (io::DirEntry& e : *entries) {
    if (e.is_dir || e.name.empty() || e.name[0] == '.' || !std::string_view(e.name).ends_with(suffix)) continue;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const io::DirEntry& a, const io::DirEntry& b) { return a.name < b.name; });
  return out;
}

Result<RawDateCounts> CountRawDate(io::FileSystem& fs, const std::string& date_dir) {
  RawDateCounts c;
  event::LineParser parser;
  event::EventView view;
  std::unordered_set<std::string> ids;
  int64_t valid = 0;
  for (const io::DirEntry& f : VisibleFiles(fs, date_dir, ".ndjson")) {
    EVPIPE_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(io::JoinPath(date_dir, f.name)));
    ++c.files;
    c.bytes += static_cast<int64_t>(data.size());
    size_t pos = 0;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) nl = data.size();
      std::string_view line(data.data() + pos, nl - pos);
      pos = nl + 1;
      ++c.lines;
      if (!parser.Parse(line, &view)) {
        ++valid;
        ids.emplace(view.event_id);
      }
    }
  }
  c.duplicates_removed = valid - static_cast<int64_t>(ids.size());
  return c;
}

Result<ParquetDateCounts> CountParquetDate(io::FileSystem& fs, const std::string& date_dir) {
  ParquetDateCounts c;
  for (const io::DirEntry& f : VisibleFiles(fs, date_dir, ".parquet")) {
    EVPIPE_ASSIGN_OR_RETURN(int64_t rows, parquet::ReadRowCount(fs, io::JoinPath(date_dir, f.name)));
    ++c.files;
    c.rows += rows;
    c.bytes += static_cast<int64_t>(f.size);
  }
  return c;
}

void LakeCounts::Add(const LakeCounts& other) {
  raw_files += other.raw_files;
  raw_lines += other.raw_lines;
  raw_bytes += other.raw_bytes;
  duplicates_removed += other.duplicates_removed;
  quarantined += other.quarantined;
  parquet_files += other.parquet_files;
  parquet_rows += other.parquet_rows;
  parquet_bytes += other.parquet_bytes;
}

Status AddRawDate(io::FileSystem& fs, const std::string& date_dir, LakeCounts& c) {
  EVPIPE_ASSIGN_OR_RETURN(RawDateCounts raw, CountRawDate(fs, date_dir));
  c.raw_files += raw.files;
  c.raw_bytes += raw.bytes;
  c.raw_lines += raw.lines;
  c.duplicates_removed += raw.duplicates_removed;
  return Status::Ok();
}

Status AddParquetDate(io::FileSystem& fs, const std::string& date_dir, LakeCounts& c) {
  EVPIPE_ASSIGN_OR_RETURN(ParquetDateCounts pq, CountParquetDate(fs, date_dir));
  c.parquet_files += pq.files;
  c.parquet_rows += pq.rows;
  c.parquet_bytes += pq.bytes;
  return Status::Ok();
}

}  // namespace evpipe::jobs
