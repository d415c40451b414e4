// raw-to-parquet: read (mmap, parallel parse) -> dedup -> sort -> write -> swap.
//
// Memory: lines are never copied into std::strings. Raw files are memory
// mapped; each valid line becomes a RowRef (times, where the line and its
// payload are) plus its small unescaped strings packed in an arena; pages of
// the maps are dropped behind the readers and again behind the writer. Peak
// memory is then about a third of the input plus one Parquet row group.
#include "evpipe/jobs/raw_to_parquet.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include <fmt/core.h>

#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/progress.h"
#include "evpipe/core/text.h"
#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/iceberg/kill_point.h"
#include "evpipe/jobs/date_swap.h"
#include "evpipe/jobs/event_columns.h"
#include "evpipe/jobs/event_parquet.h"
#include "evpipe/jobs/event_table.h"
#include "evpipe/jobs/raw_input.h"
#include "evpipe/parquet/file_writer.h"

namespace evpipe::jobs {
namespace {

constexpr uint64_t kReleaseEveryBytes = 8ull << 20;  // drop mapped pages behind us this often
constexpr uint64_t kReleaseWhileWritingBytes = 1ull << 20;  // of payload written
constexpr uint64_t kMinChunkBytes = 1ull << 20;
constexpr size_t kBatchRows = 4096;
constexpr size_t kRowGroupBytes = 16u << 20;
constexpr size_t kArenaBlockBytes = 4u << 20;
constexpr uint32_t kNullLen = 0xFFFFFFFFu;
constexpr uint32_t kPayloadInArena = 0xFFFFFFFFu;

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
  uint32_t pad_ = 0;
};

// Append-only storage of packed small-string records, one per valid line: a
// uint32 descriptor per SmallField, then the bytes stored here. A descriptor is
// kNullLen (null), kInLine|offset<<16|length (the bytes are in the line at
// that offset: they are read from the mapped file when the row is written), or
// a length of bytes that follow. event_id is always stored here (dedup and sort
// compare it without touching the mapped file). Blocks never move.
class Arena {
 public:
  static constexpr uint32_t kInLine = 0x80000000u;
  static constexpr size_t kMaxInLineOffset = 0x7FFF;
  static constexpr size_t kMaxInLineLength = 0xFFFF;

  // Returns (block, offset) of the new record.
  std::pair<uint32_t, uint32_t> Add(const std::string_view* values, const bool* nulls, std::string_view line) {
    uint32_t desc[kSmallFieldCount];
    size_t need = sizeof desc;
    for (int i = 0; i < kSmallFieldCount; ++i) {
      if (nulls[i]) {
        desc[i] = kNullLen;
        continue;
      }
      const std::string_view v = values[i];
      if (i != kSfEventId && !v.empty() && v.size() <= kMaxInLineLength && line.size() <= kMaxInLineOffset + 1) {
        // Any occurrence of the same bytes in the line will do.
        const void* at = ::memmem(line.data(), line.size(), v.data(), v.size());
        if (at != nullptr) {
          const size_t off = static_cast<size_t>(static_cast<const char*>(at) - line.data());
          if (off <= kMaxInLineOffset) {
            desc[i] = kInLine | static_cast<uint32_t>(off << 16) | static_cast<uint32_t>(v.size());
            continue;
          }
        }
      }
      desc[i] = static_cast<uint32_t>(v.size());
      need += v.size();
    }
    if (blocks_.empty() || used_ + need > capacity_) {
      capacity_ = std::max(kArenaBlockBytes, need);
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(capacity_));  // untouched pages stay unmapped
      used_ = 0;
    }
    char* base = blocks_.back().get() + used_;
    std::memcpy(base, desc, sizeof desc);
    char* p = base + sizeof desc;
    for (int i = 0; i < kSmallFieldCount; ++i) {
      if (desc[i] == kNullLen || (desc[i] & kInLine) != 0 || desc[i] == 0) continue;
      std::memcpy(p, values[i].data(), values[i].size());
      p += values[i].size();
    }
    const auto at = std::make_pair(static_cast<uint32_t>(blocks_.size() - 1), static_cast<uint32_t>(used_));
    used_ += need;
    return at;
  }

  // Decodes a record; `line` is the row's line. Views stay valid as long as the
  // arena and the mapped line.
  void Get(uint32_t block, uint32_t off, const char* line, std::string_view* values, bool* nulls) const {
    const char* base = blocks_[block].get() + off;
    uint32_t desc[kSmallFieldCount];
    std::memcpy(desc, base, sizeof desc);
    const char* p = base + sizeof desc;
    for (int i = 0; i < kSmallFieldCount; ++i) {
      nulls[i] = desc[i] == kNullLen;
      if (nulls[i]) {
        values[i] = {};
      } else if ((desc[i] & kInLine) != 0) {
        values[i] = std::string_view(line + ((desc[i] >> 16) & kMaxInLineOffset), desc[i] & kMaxInLineLength);
      } else {
        values[i] = std::string_view(p, desc[i]);
        p += desc[i];
      }
    }
  }

  // The event_id (always present and stored here).
  std::string_view EventId(uint32_t block, uint32_t off) const {
    const char* base = blocks_[block].get() + off;
    uint32_t len;
    std::memcpy(&len, base, sizeof len);
    return {base + sizeof(uint32_t) * kSmallFieldCount, len};
  }

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

std::vector<std::unique_ptr<Chunk>> SplitIntoChunks(const std::vector<MappedFile>& maps, uint64_t target) {
  std::vector<std::unique_ptr<Chunk>> out;
  for (uint32_t f = 0; f < maps.size(); ++f) {
    const std::string_view data = maps[f].data();
    uint64_t begin = RawDataStart(data);
    while (begin < data.size()) {
      uint64_t end = std::min<uint64_t>(data.size(), begin + target);
      if (end < data.size()) {
        const void* nl = std::memchr(data.data() + end - 1, '\n', data.size() - (end - 1));
        end = nl == nullptr ? data.size() : static_cast<uint64_t>(static_cast<const char*>(nl) - data.data()) + 1;
      }
      auto c = std::make_unique<Chunk>();
      c->file = f;
      c->begin = begin;
      c->end = end;
      out.push_back(std::move(c));
      begin = end;
    }
  }
  return out;
}

struct ParseContext {
  const std::vector<MappedFile>* maps;
  int64_t day_begin_us;
  int64_t day_end_us;
  std::atomic<uint64_t> bytes_done{0};
};

void ParseChunk(ParseContext& ctx, uint32_t chunk_index, Chunk& c, event::LineParser& parser) {
  const MappedFile& map = (*ctx.maps)[c.file];
  const char* base = map.data().data();
  uint64_t pos = c.begin;
  uint64_t released = c.begin;
  event::EventView ev;
  std::string_view small[kSmallFieldCount];
  bool nulls[kSmallFieldCount];
  c.rows.reserve((c.end - c.begin) / 512 + 16);
  while (pos < c.end) {
    const char* start = base + pos;
    const void* nl = std::memchr(start, '\n', c.end - pos);
    const uint64_t len = nl == nullptr ? c.end - pos : static_cast<uint64_t>(static_cast<const char*>(nl) - start);
    const std::string_view line(start, len);
    ++c.lines;
    std::optional<std::string> reason;
    if (len >= 0xFFFFFFFFull) {
      reason = "line_too_long";
    } else {
      reason = parser.Parse(line, &ev);
      if (!reason && (ev.ingest_time_us < ctx.day_begin_us || ev.ingest_time_us > ctx.day_end_us)) {
        reason = "ingest_date_mismatch";
      }
    }
    if (reason) {
      c.bad.push_back(BadLine{c.file, pos, len, c.lines, std::move(*reason)});
    } else {
      RowRef r{};
      r.event_time_us = ev.event_time_us;
      r.ingest_time_us = ev.ingest_time_us;
      r.line_off = pos;
      r.file = c.file;
      r.chunk = chunk_index;
      r.schema_version = ev.schema_version;
      const bool payload_in_line =
          ev.payload.data() >= start && ev.payload.data() + ev.payload.size() <= start + len;
      if (payload_in_line) {
        r.payload_off = static_cast<uint32_t>(ev.payload.data() - start);
        r.payload_len = static_cast<uint32_t>(ev.payload.size());
      } else {
        r.payload_off = kPayloadInArena;
        r.payload_len = 0;
      }
      auto set = [&](int i, const std::optional<std::string_view>& v) {
        nulls[i] = !v.has_value();
        small[i] = v.value_or(std::string_view());
      };
      small[kSfEventId] = ev.event_id;
      nulls[kSfEventId] = false;
      small[kSfEventType] = ev.event_type;
      nulls[kSfEventType] = false;
      set(kSfTenantId, ev.tenant_id);
      set(kSfUserId, ev.user_id);
      set(kSfSessionId, ev.session_id);
      set(kSfSourceSystem, ev.source_system);
      set(kSfEnvironment, ev.environment);
      set(kSfRecordSource, ev.record_source);
      set(kSfChecksum, ev.checksum);
      small[kSfPayload] = payload_in_line ? std::string_view() : ev.payload;
      nulls[kSfPayload] = payload_in_line;
      std::tie(r.block, r.block_off) = c.arena.Add(small, nulls, line);
      c.rows.push_back(r);
    }
    pos += len + (nl != nullptr ? 1 : 0);
    if (pos - released >= kReleaseEveryBytes) {
      map.Release(released, pos);
      ctx.bytes_done.fetch_add(pos - released, std::memory_order_relaxed);
      released = pos;
    }
  }
  map.Release(released, c.end);
  ctx.bytes_done.fetch_add(c.end - released, std::memory_order_relaxed);
}

// Parses every chunk on `threads` threads (the calling thread is one of them
// and draws the progress bar).
void ParseAll(ParseContext& ctx, std::vector<std::unique_ptr<Chunk>>& chunks, int threads, Progress* progress) {
  std::atomic<size_t> next{0};
  auto work = [&](bool draw) {
    event::LineParser parser;
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= chunks.size()) break;
      ParseChunk(ctx, static_cast<uint32_t>(i), *chunks[i], parser);
      if (draw && progress != nullptr) progress->Update(ctx.bytes_done.load(std::memory_order_relaxed));
    }
  };
  std::vector<std::thread> pool;
  const int extra = std::min<int>(threads - 1, static_cast<int>(chunks.size()) - 1);
  for (int t = 0; t < extra; ++t) pool.emplace_back(work, false);
  work(true);
  for (std::thread& t : pool) t.join();
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// FNV-1a, folded: a cheap, deterministic hash (only used to group equal ids).
uint64_t HashId(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ULL;
  return Mix(h);
}

std::string PartName(int64_t index, std::string_view run_id) {
  return fmt::format("part-{:05d}-{}.parquet", index, run_id);
}

Status WriteSmallFile(io::FileSystem& fs, const std::string& path, std::string_view data) {
  EVPIPE_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
  EVPIPE_RETURN_IF_ERROR(file->Append(data));
  EVPIPE_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 2 : static_cast<int>(hw);
}

// A date built aside and not yet published: its Parquet files in the staging
// dir of `parquet`, its quarantine file in that of `quarantine` (null: nothing
// rejected, the date's quarantine folder goes).
struct PendingDate {
  std::string date;
  DateReport report;
  Manifest manifest;
  std::unique_ptr<DateSwap> parquet;
  std::unique_ptr<DateSwap> quarantine;
};

// The work of one date, once its input is listed and mapped.
class DateJob {
 public:
  DateJob(io::FileSystem& fs, const Options& options, std::string date, std::vector<RawFile> files,
          std::string_view run_id)
      : fs_(fs), options_(options), date_(std::move(date)), files_(std::move(files)), run_id_(run_id) {}

  // Builds the date aside (Parquet and quarantine in their staging dirs);
  // PublishRun() swaps it in.
  Result<PendingDate> Build();

 private:
  Status MapInputs();
  void Deduplicate();
  void SortRows();
  Status WriteParquet(const std::string& dir);
  Result<std::unique_ptr<DateSwap>> StageQuarantine();
  std::string_view EventIdOf(const RowRef& r) const { return chunks_[r.chunk]->arena.EventId(r.block, r.block_off); }

  io::FileSystem& fs_;
  const Options& options_;
  std::string date_;
  std::vector<RawFile> files_;
  std::string_view run_id_;
  std::vector<MappedFile> maps_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<RowRef> rows_;  // valid rows, then the kept ones in output order
  std::vector<BadLine> bad_;
  Manifest manifest_;
  DateReport report_;
};

Status DateJob::MapInputs() {
  for (const RawFile& f : files_) {
    EVPIPE_ASSIGN_OR_RETURN(MappedFile m, MappedFile::Open(f.path));
    report_.input_bytes += m.size();
    maps_.push_back(std::move(m));
  }
  report_.input_files = static_cast<int64_t>(files_.size());
  return Status::Ok();
}

void DateJob::Deduplicate() {
  const size_t n = rows_.size();
  std::vector<uint64_t> hashes(n);
  for (size_t i = 0; i < n; ++i) hashes[i] = HashId(EventIdOf(rows_[i]));
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  // Equal ids end up adjacent, the one to keep first: earliest ingest_time,
  // then earliest position (file by name, then offset = line order).
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (hashes[a] != hashes[b]) return hashes[a] < hashes[b];
    const RowRef& ra = rows_[a];
    const RowRef& rb = rows_[b];
    const int c = EventIdOf(ra).compare(EventIdOf(rb));
    if (c != 0) return c < 0;
    if (ra.ingest_time_us != rb.ingest_time_us) return ra.ingest_time_us < rb.ingest_time_us;
    if (ra.file != rb.file) return ra.file < rb.file;
    return ra.line_off < rb.line_off;
  });
  std::vector<uint8_t> keep(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 || hashes[order[i]] != hashes[order[i - 1]] ||
        EventIdOf(rows_[order[i]]) != EventIdOf(rows_[order[i - 1]])) {
      keep[order[i]] = 1;
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (keep[i]) rows_[out++] = rows_[i];
  }
  report_.duplicates_removed = static_cast<int64_t>(n - out);
  rows_.resize(out);
  rows_.shrink_to_fit();
}

void DateJob::SortRows() {
  std::sort(rows_.begin(), rows_.end(), [this](const RowRef& a, const RowRef& b) {
    if (a.event_time_us != b.event_time_us) return a.event_time_us < b.event_time_us;
    return EventIdOf(a) < EventIdOf(b);  // ids are unique after dedup: a total order
  });
}

Status DateJob::WriteParquet(const std::string& dir) {
  const int64_t per_file = std::max<int64_t>(1, options_.rows_per_file);
  const int64_t total = static_cast<int64_t>(rows_.size());
  parquet::WriterOptions wopt;
  wopt.codec = options_.codec;
  wopt.zstd_level = options_.zstd_level;
  // Row groups of ~16 MiB of encoded data (the writer holds one, compressed as pages fill).
  wopt.row_group_size_bytes = kRowGroupBytes;
  const parquet::Schema schema = EventParquetSchema();
  // Encoding cost per column, to split columns across threads: the payload is
  // most of the bytes.
  std::vector<double> weights;
  for (const EventColumn& c : kEventColumns) weights.push_back(c.type == ColumnType::kString ? 1.0 : 0.3);
  weights[kColPayload] = 6.0;
  wopt.encode_threads = ResolveThreads(options_.threads);
  wopt.column_weights = std::move(weights);
  EventBatch batch(kBatchRows);
  std::unique_ptr<Progress> progress;
  if (options_.progress) progress = std::make_unique<Progress>(fmt::format("{} writing", date_), static_cast<uint64_t>(total), "rows");
  std::string_view small[kSmallFieldCount];
  bool nulls[kSmallFieldCount];
  uint64_t since_release = 0;
  // Rows in output order hit lines all over the input, and each page fault maps
  // 64 KiB around it: drop the mapped pages often.
  const uint64_t release_every = kReleaseWhileWritingBytes;
  for (int64_t first = 0, part = 0; first < total; first += per_file, ++part) {
    const int64_t last = std::min(total, first + per_file);
    const std::string name = PartName(part, run_id_);
    EVPIPE_ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::Open(fs_, io::JoinPath(dir, name), schema, wopt));
    for (int64_t i = first; i < last; ++i) {
      const RowRef& r = rows_[static_cast<size_t>(i)];
      const char* line = maps_[r.file].data().data() + r.line_off;
      chunks_[r.chunk]->arena.Get(r.block, r.block_off, line, small, nulls);
      event::EventView ev;
      ev.event_id = small[kSfEventId];
      ev.event_type = small[kSfEventType];
      ev.schema_version = r.schema_version;
      ev.event_time_us = r.event_time_us;
      ev.ingest_time_us = r.ingest_time_us;
      auto opt = [&](int f) {
        return nulls[f] ? std::optional<std::string_view>() : std::optional<std::string_view>(small[f]);
      };
      ev.tenant_id = opt(kSfTenantId);
      ev.user_id = opt(kSfUserId);
      ev.session_id = opt(kSfSessionId);
      ev.source_system = opt(kSfSourceSystem);
      ev.environment = opt(kSfEnvironment);
      ev.record_source = opt(kSfRecordSource);
      ev.checksum = opt(kSfChecksum);
      if (r.payload_off == kPayloadInArena) {
        ev.payload = small[kSfPayload];
      } else {
        ev.payload = std::string_view(line + r.payload_off, r.payload_len);
      }
      since_release += ev.payload.size();
      batch.Add(ev);
      if (batch.size() == kBatchRows || i + 1 == last) {
        EVPIPE_RETURN_IF_ERROR(batch.WriteTo(writer.get()).WithContext(name));
        if (progress) progress->Update(static_cast<uint64_t>(i + 1));
        if (since_release >= release_every) {
          for (const MappedFile& m : maps_) m.ReleaseAll();
          since_release = 0;
        }
      }
    }
    EVPIPE_ASSIGN_OR_RETURN(parquet::FileSummary summary, writer->Close());
    manifest_.outputs.push_back(ManifestOutput{name, last - first, summary.bytes});
    report_.output_bytes += summary.bytes;
    ++report_.output_files;
  }
  if (progress) progress->Finish();
  for (const MappedFile& m : maps_) m.ReleaseAll();
  return Status::Ok();
}

// The date's quarantine file in a staging dir, or null when nothing was
// rejected (publishing then removes the date's quarantine folder).
Result<std::unique_ptr<DateSwap>> DateJob::StageQuarantine() {
  auto swap = std::make_unique<DateSwap>(fs_, io::QuarantineDir(options_.quarantine_dir, options_.topic, kQuarantineStage, date_));
  if (bad_.empty()) {
    swap->Abandon();  // a crashed run's leftover
    return std::unique_ptr<DateSwap>();
  }
  EVPIPE_RETURN_IF_ERROR(swap->Prepare());
  std::string text;
  const int64_t now = NowMicros();
  for (const BadLine& b : bad_) {
    io::QuarantineSource source;
    source.file = files_[b.file].path;
    source.line = b.line;
    const std::string_view original(maps_[b.file].data().data() + b.line_off, b.line_len);
    io::AppendQuarantineLine(original, b.reason, kQuarantineStage, date_, source, now, &text);
  }
  Status s = WriteSmallFile(fs_, io::JoinPath(swap->staging_dir(), "part-00000.ndjson"), text);
  if (!s.ok()) {
    swap->Abandon();
    return s;
  }
  return swap;
}

Result<PendingDate> DateJob::Build() {
  const int64_t start_us = MonotonicMicros();
  report_.date = date_;
  EVPIPE_RETURN_IF_ERROR(MapInputs());

  // 1. Parse every line, in parallel chunks.
  const int threads = ResolveThreads(options_.threads);
  const uint64_t target = std::max<uint64_t>(kMinChunkBytes, report_.input_bytes / (static_cast<uint64_t>(threads) * 4) + 1);
  chunks_ = SplitIntoChunks(maps_, target);
  ParseContext ctx;
  ctx.maps = &maps_;
  EVPIPE_ASSIGN_OR_RETURN(ctx.day_begin_us, event::ParseDate(date_));
  ctx.day_end_us = ctx.day_begin_us + 86'400'000'000LL - 1;  // the date's last microsecond
  {
    std::unique_ptr<Progress> progress;
    if (options_.progress) progress = std::make_unique<Progress>(fmt::format("{} reading", date_), report_.input_bytes, "B");
    ParseAll(ctx, chunks_, threads, progress.get());
    if (progress) progress->Finish();
  }
  // Merge in file order; line numbers become per file.
  size_t valid = 0;
  for (const auto& c : chunks_) valid += c->rows.size();
  rows_.reserve(valid);
  std::vector<int64_t> lines_before(files_.size(), 0);
  for (auto& c : chunks_) {
    rows_.insert(rows_.end(), c->rows.begin(), c->rows.end());
    std::vector<RowRef>().swap(c->rows);
    for (BadLine& b : c->bad) {
      b.line += lines_before[c->file];
      bad_.push_back(std::move(b));
    }
    std::vector<BadLine>().swap(c->bad);
    lines_before[c->file] += c->lines;
    report_.rows_in += c->lines;
  }
  report_.quarantined = static_cast<int64_t>(bad_.size());

  // 2. Deduplicate by event_id, 3. order by (event_time, event_id).
  Deduplicate();
  SortRows();
  report_.rows_out = static_cast<int64_t>(rows_.size());

  manifest_.topic = options_.topic;
  manifest_.date = date_;
  manifest_.rows_per_file = options_.rows_per_file;
  manifest_.codec = std::string(parquet::CodecName(options_.codec));
  for (const RawFile& f : files_) manifest_.inputs.push_back(ManifestInput{f.name, f.size});
  manifest_.rows_in = report_.rows_in;
  manifest_.duplicates_removed = report_.duplicates_removed;
  manifest_.quarantined = report_.quarantined;
  manifest_.rows_out = report_.rows_out;

  // 4. Write the date aside; PublishRun() swaps quarantine and Parquet in.
  PendingDate out;
  out.date = date_;
  out.parquet = std::make_unique<DateSwap>(fs_, io::DatePartitionDir(options_.parquet_dir, options_.topic, date_));
  EVPIPE_RETURN_IF_ERROR(out.parquet->Prepare().WithContext("date=" + date_));
  Status s = WriteParquet(out.parquet->staging_dir());
  if (s.ok()) {
    auto q = StageQuarantine();
    if (q.ok()) {
      out.quarantine = std::move(*q);
    } else {
      s = q.status();
    }
  }
  if (!s.ok()) {
    out.parquet->Abandon();
    return s.WithContext("date=" + date_);
  }
  iceberg::KillPoint("date built");
  report_.seconds = static_cast<double>(MonotonicMicros() - start_us) / 1e6;
  out.report = report_;
  out.manifest = std::move(manifest_);
  return out;
}

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

Result<std::vector<RawFile>> ListDateInput(io::FileSystem& fs, const Options& options, std::string_view date) {
  EVPIPE_RETURN_IF_ERROR(CheckDate(fs, options, date));
  return ListRawFiles(fs, io::DatePartitionDir(options.raw_dir, options.topic, date));
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
    EVPIPE_RETURN_IF_ERROR(SyncDirs(fs, staged));
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

}  // namespace

Status CheckDate(io::FileSystem& fs, const Options& options, std::string_view date) {
  if (!event::ParseDate(date).ok()) {
    return Status::InvalidArgument(fmt::format("bad date '{}': expected YYYY-MM-DD, a real calendar date", date));
  }
  const std::string dir = io::DatePartitionDir(options.raw_dir, options.topic, date);
  if (!fs.Exists(dir)) {
    return Status::NotFound(fmt::format("no raw partition for date {}: {} does not exist", date, dir));
  }
  return Status::Ok();
}

std::string DateReport::ToLine() const {
  if (skipped) {
    return fmt::format("{}: unchanged, skipped (rows in {}, duplicates {}, quarantined {}, rows out {}, files {})",
                       date, rows_in, duplicates_removed, quarantined, rows_out, output_files);
  }
  const double rate = seconds > 0 ? static_cast<double>(rows_in) / seconds : 0;
  return fmt::format("{}: rows in {}, duplicates {}, quarantined {}, rows out {}, files {}, {}, {:.2f} s, {}", date,
                     rows_in, duplicates_removed, quarantined, rows_out, output_files,
                     FormatBytes(static_cast<double>(output_bytes)), seconds, FormatRate(rate, "rows"));
}

std::string DateReport::ToJson() const {
  const double rate = seconds > 0 ? static_cast<double>(rows_in) / seconds : 0;
  return fmt::format(
      "{{\"date\":\"{}\",\"skipped\":{},\"input_files\":{},\"input_bytes\":{},\"rows_in\":{},"
      "\"duplicates_removed\":{},\"quarantined\":{},\"rows_out\":{},\"output_files\":{},\"output_bytes\":{},"
      "\"seconds\":{:.3f},\"rows_per_second\":{:.0f}}}",
      date, skipped ? "true" : "false", input_files, input_bytes, rows_in, duplicates_removed, quarantined, rows_out,
      output_files, output_bytes, seconds, rate);
}

std::string JobManifestPath(const Options& options, std::string_view date) {
  return io::JoinPath(io::JoinPath(io::JoinPath(options.parquet_dir, options.topic), kJobManifestDir),
                      "ingest_date=" + std::string(date) + ".json");
}

std::string NewRunId() {
  const int64_t now = NowMicros();
  const std::time_t secs = static_cast<std::time_t>(now / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  return fmt::format("{}-{:08x}", stamp, rd());
}

RunReport RunConversion(io::FileSystem& fs, const Options& options, const std::vector<std::string>& dates,
                        bool only_changed) {
  RunReport run;
  const std::string run_id = options.run_id.empty() ? NewRunId() : options.run_id;
  std::optional<TableSession> table;
  Status s = fs.CreateDirs(io::JoinPath(options.parquet_dir, options.topic));
  if (s.ok() && options.iceberg) {
    auto opened = TableSession::Open(fs, options.parquet_dir, options.topic, options.iceberg_catalog);
    if (opened.ok()) {
      table.emplace(std::move(*opened));
    } else {
      s = opened.status();
    }
  }
  if (!s.ok()) {
    run.status = s;
    return run;
  }
  std::vector<PendingDate> built;
  for (const std::string& date : dates) {
    DateOutcome outcome;
    outcome.date = date;
    auto files = ListDateInput(fs, options, date);
    if (!files.ok()) {
      outcome.status = files.status();
      run.dates.push_back(std::move(outcome));
      continue;
    }
    const std::vector<std::string> published = PublishedFiles(fs, options, date);
    if (only_changed) {
      auto manifest = ReadManifest(fs, options, date);
      if (manifest.ok() && SameInputs(*manifest, options, date, *files) && OutputNames(*manifest) == published &&
          (!table || table->FileNames(date) == published)) {
        outcome.report = SkippedReport(date, *files, *manifest);
        run.dates.push_back(std::move(outcome));
        continue;
      }
    }
    uint64_t input_bytes = 0;
    for (const RawFile& f : *files) input_bytes += f.size;
    if (input_bytes == 0 && !options.force && (!published.empty() || (table && !table->FileNames(date).empty()))) {
      outcome.status = Status::AlreadyExists(fmt::format(
          "date {}: its raw input is empty ({} files, 0 bytes) but it has Parquet output; refusing to replace it "
          "with nothing (--force does)",
          date, files->size()));
      run.dates.push_back(std::move(outcome));
      continue;
    }
    DateJob job(fs, options, date, std::move(*files), run_id);
    auto pending = job.Build();
    if (!pending.ok()) {
      outcome.status = pending.status();
      run.dates.push_back(std::move(outcome));
      continue;
    }
    outcome.report = pending->report;
    outcome.built = true;
    built.push_back(std::move(*pending));
    run.dates.push_back(std::move(outcome));
  }
  s = PublishRun(fs, options, built, table ? &*table : nullptr, run_id);
  if (!s.ok()) {
    AbandonAll(built);
    run.status = s;
    return run;
  }
  if (table && !built.empty()) run.table = table->Describe();
  return run;
}

Result<DateReport> ConvertDate(io::FileSystem& fs, const Options& options, std::string_view date) {
  EVPIPE_RETURN_IF_ERROR(CheckDate(fs, options, date));
  RunReport run = RunConversion(fs, options, {std::string(date)}, false);
  if (!run.status.ok()) return run.status;
  if (!run.dates[0].status.ok()) return run.dates[0].status;
  return run.dates[0].report;
}

Result<std::vector<std::string>> ListDates(io::FileSystem& fs, const Options& options) {
  auto dates = ListRawDates(fs, options.raw_dir, options.topic);
  if (!dates.ok() && dates.status().code() == StatusCode::kNotFound) {
    return Status::NotFound(fmt::format("no raw data: {} does not exist (run make sink-raw first, or set RAW_DIR / --raw-dir to GEN_DIR for make gen output)",
                                        io::JoinPath(options.raw_dir, options.topic)));
  }
  return dates;
}

Result<Manifest> ReadManifest(io::FileSystem& fs, const Options& options, std::string_view date) {
  EVPIPE_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(JobManifestPath(options, date)));
  return ParseManifest(text);
}

Result<DateReport> ConvertDateIfChanged(io::FileSystem& fs, const Options& options, std::string_view date) {
  EVPIPE_RETURN_IF_ERROR(CheckDate(fs, options, date));
  RunReport run = RunConversion(fs, options, {std::string(date)}, true);
  if (!run.status.ok()) return run.status;
  if (!run.dates[0].status.ok()) return run.dates[0].status;
  return run.dates[0].report;
}

Result<TopicLock> TopicLock::Acquire(io::FileSystem& fs, const Options& options) {
  const std::string dir = io::JoinPath(options.parquet_dir, options.topic);
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  const std::string path = io::JoinPath(dir, ".raw-to-parquet.lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Unavailable("another raw-to-parquet is running on " + dir + " (lock " + path + ")");
    }
    return Status::FromErrno("flock " + path, err);
  }
  return TopicLock(fd);
}

TopicLock::TopicLock(TopicLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

TopicLock::~TopicLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace evpipe::jobs
