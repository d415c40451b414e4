// Private to jobs: the rows of one date as raw-to-parquet holds them. Lines
// are never copied into std::strings: raw files are memory mapped, each valid
// line becomes a RowRef (times, where the line and its payload are) plus its
// small unescaped strings packed in an Arena, and each bad line a BadLine.
// Chunks of whole lines are parsed in parallel (ParseAll).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/progress.h"
#include "evpipe/core/status.h"
#include "evpipe/jobs/raw_input.h"

namespace evpipe::jobs::internal {

inline constexpr uint32_t kPayloadInArena = 0xFFFFFFFFu;

// The strings of a row that are not views into its line (EventView's unescaped
// strings point into the parser's buffer), in this order.
enum SmallField : int {
  kSfEventId,
  kSfEventType,
  kSfTenantId,
  kSfUserId,
  kSfSessionId,
  kSfSourceSystem,
  kSfEnvironment,
  kSfRecordSource,
  kSfChecksum,
  kSfPayload,  // only when the payload view was not inside the line (never, today)
  kSmallFieldCount,
};

// One valid line. 56 bytes; the line's bytes stay in the mapped file.
struct RowRef {
  int64_t event_time_us;
  int64_t ingest_time_us;
  uint64_t line_off;      // in its file
  uint32_t file;          // index into the date's files (sorted by name)
  uint32_t payload_off;   // in the line, or kPayloadInArena
  uint32_t payload_len;
  uint32_t chunk;         // whose arena holds the small strings
  uint32_t block;
  uint32_t block_off;
  int32_t schema_version;
  uint32_t id_hash;       // of event_id: equal ids have equal hashes (dedup groups by it)
};

// Append-only storage of packed small-string records, one per valid line: a
// uint32 descriptor per SmallField, then the bytes stored here. A descriptor is
// kNullLen (null), kInLine|offset<<16|length (the bytes are in the line at
// that offset: they are read from the mapped file when the row is written), or
// a length of bytes that follow. event_id is always stored here (dedup and sort
// compare it without touching the mapped file). Blocks never move.
class Arena {
 public:
  static constexpr uint32_t kNullLen = 0xFFFFFFFFu;
  static constexpr uint32_t kInLine = 0x80000000u;
  static constexpr size_t kMaxInLineOffset = 0x7FFF;
  static constexpr size_t kMaxInLineLength = 0xFFFF;

  // Returns (block, offset) of the new record. `payload_end`: where the
  // payload ends in the line (0: unknown), a hint for finding the checksum.
  std::pair<uint32_t, uint32_t> Add(const std::string_view* values, const bool* nulls, std::string_view line,
                                    size_t payload_end);

  // Decodes a record; `line` is the row's line. Views stay valid as long as the
  // arena and the mapped line.
  void Get(uint32_t block, uint32_t off, const char* line, std::string_view* values, bool* nulls) const;

  // The event_id (always present and stored here).
  std::string_view EventId(uint32_t block, uint32_t off) const;

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
  size_t capacity_ = 0;
};

struct BadLine {
  uint32_t file;
  uint64_t line_off;
  uint64_t line_len;
  int64_t line;  // 1-based, within the chunk until fixed up
  std::string reason;
};

// A run of whole lines of one file, parsed by one thread.
struct Chunk {
  uint32_t file;
  uint64_t begin;
  uint64_t end;
  // Results.
  std::vector<RowRef> rows;
  Arena arena;
  std::vector<BadLine> bad;
  int64_t lines = 0;
  Status status;
};

// Splits every file into chunks of about `target` bytes, cut after a newline.
std::vector<std::unique_ptr<Chunk>> SplitIntoChunks(const std::vector<MappedFile>& maps, uint64_t target);

struct ParseContext {
  const std::vector<MappedFile>* maps;
  int64_t day_begin_us;
  int64_t day_end_us;
  std::atomic<uint64_t> bytes_done{0};
};

// Parses every chunk on `threads` threads (the calling thread is one of them
// and draws the progress bar, when not null). A line whose ingest_time is
// outside [day_begin_us, day_end_us] is bad ("ingest_date_mismatch").
void ParseAll(ParseContext& ctx, std::vector<std::unique_ptr<Chunk>>& chunks, int threads, Progress* progress);

// The rows of the chunks and where their strings are.
class RowTable {
 public:
  explicit RowTable(const std::vector<std::unique_ptr<Chunk>>& chunks) : chunks_(chunks) {}
  std::string_view EventIdOf(const RowRef& r) const { return chunks_[r.chunk]->arena.EventId(r.block, r.block_off); }
  const Arena& ArenaOf(const RowRef& r) const { return chunks_[r.chunk]->arena; }

 private:
  const std::vector<std::unique_ptr<Chunk>>& chunks_;
};

}  // namespace evpipe::jobs::internal
