// Where sink-raw puts things: raw files, their in-progress names, quarantine
// files and the per-partition roll state (docs/formats/raw_landing.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evpipe::sink {

// A final raw or quarantine file name: "part-p<partition>-<first>-<last>.ndjson",
// first and last being the Kafka offsets of the first and last line it holds.
std::string FinalFileName(int32_t partition, int64_t first, int64_t last);

struct FinalFileId {
  int32_t partition = -1;
  int64_t first = -1;
  int64_t last = -1;
};
// Parses a name made by FinalFileName; nullopt for anything else.
std::optional<FinalFileId> ParseFinalFileName(std::string_view name);

// The hidden name a file has while its roll is open:
// ".part-p<partition>-<batch first offset>.ndjson.inprogress".
std::string InProgressFileName(int32_t partition, int64_t batch_first);
// True when `name` is an in-progress file of `partition`.
bool IsInProgressFileOf(std::string_view name, int32_t partition);
// True for any in-progress file name.
bool IsInProgressFileName(std::string_view name);

// The folders of one topic. Cheap value type.
class Layout {
 public:
  Layout(std::string raw_dir, std::string quarantine_dir, std::string topic);

  const std::string& topic() const { return topic_; }
  // RAW_DIR/<topic>
  const std::string& raw_topic_dir() const { return raw_topic_dir_; }
  // QUARANTINE_DIR (the root; the stage and date folders are below it).
  const std::string& quarantine_root() const { return quarantine_root_; }
  // RAW_DIR/<topic>/ingest_date=<date>
  std::string RawDateDir(std::string_view date) const;
  // QUARANTINE_DIR/<topic>/sink-raw/ingest_date=<date or unknown>
  std::string QuarantineDateDir(std::string_view date) const;
  // QUARANTINE_DIR/<topic>/sink-raw (the parent of the date folders).
  std::string QuarantineStageDir() const;
  // RAW_DIR/<topic>/.sink-raw: the roll state of every partition (hidden from readers).
  std::string StateDir() const;
  std::string StatePath(int32_t partition) const;
  std::string LockPath(int32_t partition) const;

 private:
  std::string raw_dir_;
  std::string raw_topic_dir_;
  std::string quarantine_root_;
  std::string topic_;
};

inline constexpr std::string_view kStage = "sink-raw";

}  // namespace evpipe::sink
