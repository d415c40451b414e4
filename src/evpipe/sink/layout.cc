// File and folder names of the raw landing.
#include "evpipe/sink/layout.h"

#include <charconv>

#include <fmt/core.h>

#include "evpipe/io/date_partition.h"
#include "evpipe/io/file_system.h"
#include "evpipe/io/quarantine.h"

namespace evpipe::sink {
namespace {

constexpr std::string_view kPartPrefix = "part-p";
constexpr std::string_view kInProgressPrefix = ".part-p";
constexpr std::string_view kNdjson = ".ndjson";
constexpr std::string_view kInProgressSuffix = ".ndjson.inprogress";

// Reads a decimal number up to `stop` (or the end); advances `s`.
template <typename T>
bool TakeNumber(std::string_view& s, char stop, T* out) {
  size_t end = stop == '\0' ? s.size() : s.find(stop);
  if (end == std::string_view::npos || end == 0) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + end, *out);
  if (ec != std::errc() || ptr != s.data() + end) return false;
  s.remove_prefix(stop == '\0' ? end : end + 1);
  return true;
}

}  // namespace

std::string FinalFileName(int32_t partition, int64_t first, int64_t last) {
  return fmt::format("part-p{}-{}-{}.ndjson", partition, first, last);
}

std::optional<FinalFileId> ParseFinalFileName(std::string_view name) {
  if (!name.starts_with(kPartPrefix) || !name.ends_with(kNdjson)) return std::nullopt;
  name.remove_prefix(kPartPrefix.size());
  name.remove_suffix(kNdjson.size());
  FinalFileId id;
  if (!TakeNumber(name, '-', &id.partition) || !TakeNumber(name, '-', &id.first) ||
      !TakeNumber(name, '\0', &id.last) || id.first > id.last) {
    return std::nullopt;
  }
  return id;
}

std::string InProgressFileName(int32_t partition, int64_t batch_first) {
  return fmt::format(".part-p{}-{}.ndjson.inprogress", partition, batch_first);
}

bool IsInProgressFileName(std::string_view name) {
  return name.starts_with(kInProgressPrefix) && name.ends_with(kInProgressSuffix);
}

bool IsInProgressFileOf(std::string_view name, int32_t partition) {
  if (!IsInProgressFileName(name)) return false;
  name.remove_prefix(kInProgressPrefix.size());
  int32_t p = -1;
  return TakeNumber(name, '-', &p) && p == partition;
}

Layout::Layout(std::string raw_dir, std::string quarantine_dir, std::string topic)
    : raw_dir_(raw_dir),
      raw_topic_dir_(io::JoinPath(raw_dir, topic)),
      quarantine_root_(std::move(quarantine_dir)),
      topic_(std::move(topic)) {}

std::string Layout::RawDateDir(std::string_view date) const {
  return io::DatePartitionDir(raw_dir_, topic_, date);
}

std::string Layout::QuarantineDateDir(std::string_view date) const {
  return io::QuarantineDir(quarantine_root_, topic_, kStage, date);
}

std::string Layout::QuarantineStageDir() const {
  return io::JoinPath(io::JoinPath(quarantine_root_, topic_), kStage);
}

std::string Layout::StateDir() const { return raw_topic_dir_ + "/.sink-raw"; }

std::string Layout::StatePath(int32_t partition) const {
  return fmt::format("{}/p{}.state", StateDir(), partition);
}

std::string Layout::LockPath(int32_t partition) const {
  return fmt::format("{}/p{}.lock", StateDir(), partition);
}

}  // namespace evpipe::sink
