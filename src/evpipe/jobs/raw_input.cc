// Raw dates and raw files.
#include "evpipe/jobs/raw_input.h"

#include <algorithm>
#include <utility>

#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"

namespace evpipe::jobs {
namespace {

constexpr std::string_view kRawSuffix = ".ndjson";

}  // namespace

uint64_t RawDataStart(std::string_view data) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  return data.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
}

Result<std::vector<RawFile>> ListRawFiles(io::FileSystem& fs, const std::string& date_dir) {
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> entries, fs.ListDir(date_dir));
  std::vector<RawFile> out;
  for (io::DirEntry& e : entries) {
    if (e.is_dir || e.name.empty() || e.name[0] == '.') continue;
    if (e.name.size() <= kRawSuffix.size() ||
        std::string_view(e.name).substr(e.name.size() - kRawSuffix.size()) != kRawSuffix) {
      continue;
    }
    RawFile f;
    f.path = io::JoinPath(date_dir, e.name);
    f.name = std::move(e.name);
    f.size = e.size;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const RawFile& a, const RawFile& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<std::string>> ListRawDates(io::FileSystem& fs, std::string_view raw_root,
                                              std::string_view topic) {
  const std::string topic_dir = io::JoinPath(raw_root, topic);
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> entries, fs.ListDir(topic_dir));
  std::vector<std::string> out;
  for (const io::DirEntry& e : entries) {
    std::optional<std::string_view> date = io::DateOfPartitionName(e.name);
    if (e.is_dir && date && event::ParseDate(*date).ok()) out.emplace_back(*date);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace evpipe::jobs
