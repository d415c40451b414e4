// Encoding, storing and recovering the per-partition roll state.
#include "evpipe/sink/roll_state.h"


#include <charconv>
#include <set>

#include <fmt/core.h>

#include "evpipe/io/date_partition.h"

namespace evpipe::sink {
namespace {

constexpr std::string_view kMagic = "evpipe sink-raw state v1";
constexpr std::string_view kUnknownDate = "-";

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool SafeName(std::string_view name) {
  return !name.empty() && name.find('/') == std::string_view::npos && name != "." && name != "..";
}

}  // namespace

std::string EncodeState(std::string_view topic, const PartitionState& state) {
  std::string out;
  out += kMagic;
  out += '\n';
  out += fmt::format("topic {}\npartition {}\nnext_offset {}\n", topic, state.partition, state.next_offset);
  for (const RollEntry& e : state.entries) {
    out += fmt::format("{} {} {} {}\n", e.quarantine ? "quarantine" : "raw",
                       e.date.empty() ? kUnknownDate : std::string_view(e.date), e.from, e.to);
  }
  out += "end\n";
  return out;
}

Result<PartitionState> DecodeState(std::string_view text) {
  PartitionState state;
  bool magic = false, partition = false, next = false, end = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return Status::Corruption("state: last line not terminated");
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!magic) {
      if (line != kMagic) return Status::Corruption("state: not a sink-raw state file");
      magic = true;
      continue;
    }
    if (end) return Status::Corruption("state: data after end");
    std::vector<std::string_view> w = SplitWords(line);
    if (w.empty()) return Status::Corruption("state: empty line");
    if (w[0] == "topic" && w.size() == 2) continue;
    if (w[0] == "partition" && w.size() == 2 && ParseNumber(w[1], &state.partition)) {
      partition = true;
    } else if (w[0] == "next_offset" && w.size() == 2 && ParseNumber(w[1], &state.next_offset)) {
      next = true;
    } else if ((w[0] == "raw" || w[0] == "quarantine") && w.size() == 4 && SafeName(w[2]) &&
               SafeName(w[3]) && SafeName(w[1])) {
      RollEntry e;
      e.quarantine = w[0] == "quarantine";
      e.date = w[1] == kUnknownDate ? "" : std::string(w[1]);
      e.from = std::string(w[2]);
      e.to = std::string(w[3]);
      state.entries.push_back(std::move(e));
    } else if (w[0] == "end" && w.size() == 1) {
      end = true;
    } else {
      return Status::Corruption("state: bad line '" + std::string(line) + "'");
    }
  }
  if (!magic || !partition || !next || !end) return Status::Corruption("state: incomplete");
  return state;
}

Result<std::optional<PartitionState>> LoadState(io::FileSystem& fs, const Layout& layout, int32_t partition) {
  std::string path = layout.StatePath(partition);
  Result<std::string> text = fs.ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return std::optional<PartitionState>();
    return text.status();
  }
  Result<PartitionState> state = DecodeState(*text);
  if (!state.ok()) return state.status().WithContext(path);
  if (state->partition != partition) {
    return Status::Corruption(fmt::format("{}: holds partition {}", path, state->partition));
  }
  return std::optional<PartitionState>(std::move(state).value());
}

Status StoreState(io::FileSystem& fs, const Layout& layout, const PartitionState& state) {
  return io::WriteFileAtomically(fs, layout.StatePath(state.partition), EncodeState(layout.topic(), state));
}

std::string EntryDir(const Layout& layout, const RollEntry& entry) {
  return entry.quarantine ? layout.QuarantineDateDir(entry.date) : layout.RawDateDir(entry.date);
}

Status RollForward(io::FileSystem& fs, const Layout& layout, const PartitionState& state) {
  std::set<std::string> dirs;
  for (const RollEntry& e : state.entries) {
    std::string dir = EntryDir(layout, e);
    std::string from = io::JoinPath(dir, e.from);
    if (!fs.Exists(from)) continue;  // renamed before the crash
    EVPIPE_RETURN_IF_ERROR(fs.Rename(from, io::JoinPath(dir, e.to)));
    dirs.insert(dir);
  }
  for (const std::string& dir : dirs) EVPIPE_RETURN_IF_ERROR(fs.SyncDir(dir));
  return Status::Ok();
}

Status RemoveLeftovers(io::FileSystem& fs, const Layout& layout, int32_t partition) {
  for (const std::string& parent : {layout.raw_topic_dir(), layout.QuarantineStageDir()}) {
    if (!fs.Exists(parent)) continue;
    EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> dates, fs.ListDir(parent));
    for (const io::DirEntry& d : dates) {
      if (!d.is_dir || !io::DateOfPartitionName(d.name)) continue;
      std::string dir = io::JoinPath(parent, d.name);
      EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> files, fs.ListDir(dir));
      bool removed = false;
      for (const io::DirEntry& f : files) {
        if (f.is_dir || !IsInProgressFileOf(f.name, partition)) continue;
        EVPIPE_RETURN_IF_ERROR(fs.Remove(io::JoinPath(dir, f.name)));
        removed = true;
      }
      if (removed) EVPIPE_RETURN_IF_ERROR(fs.SyncDir(dir));
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<io::FileLock>> LockPartition(io::FileSystem& fs, const Layout& layout, int32_t partition) {
  return fs.LockFile(layout.LockPath(partition), io::LockMode::kWait);
}

}  // namespace evpipe::sink
