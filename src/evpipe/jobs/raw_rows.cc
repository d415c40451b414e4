// Reading a date's raw lines: chunks of mapped files parsed in parallel into
// RowRefs, arena records and bad lines (raw_rows_internal.h).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>
#include <tuple>

#include "evpipe/event/event.h"
#include "evpipe/jobs/raw_rows_internal.h"

namespace evpipe::jobs::internal {
namespace {

constexpr uint64_t kReleaseEveryBytes = 8ull << 20;  // drop mapped pages behind us this often
constexpr size_t kArenaBlockBytes = 4u << 20;

// FNV-1a, folded to 32 bits: cheap and deterministic; only groups equal ids
// for dedup (row_order.cc), which compares the ids themselves within a group.
uint32_t HashId(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<uint32_t>(h);
}

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
      reason = parser.ParseInLine(line, &ev);  // the map outlives the views
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
      r.id_hash = HashId(ev.event_id);
      std::tie(r.block, r.block_off) =
          c.arena.Add(small, nulls, line, payload_in_line ? r.payload_off + r.payload_len : 0);
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

}  // namespace

std::pair<uint32_t, uint32_t> Arena::Add(const std::string_view* values, const bool* nulls, std::string_view line,
                                         size_t payload_end) {
  uint32_t desc[kSmallFieldCount];
  size_t need = sizeof desc;
  size_t next = 0;  // where the previous field found in the line ends
  for (int i = 0; i < kSmallFieldCount; ++i) {
    if (nulls[i]) {
      desc[i] = kNullLen;
      continue;
    }
    const std::string_view v = values[i];
    if (i != kSfEventId && !v.empty() && v.size() <= kMaxInLineLength && line.size() <= kMaxInLineOffset + 1) {
      // Any occurrence of the same bytes in the line will do. A view into the
      // line is its own (ParseInLine); an unescaped copy is looked for. The
      // fields are most often in the line in this order (the checksum after
      // the payload), so look after the previous one first.
      const auto at = reinterpret_cast<uintptr_t>(v.data()) - reinterpret_cast<uintptr_t>(line.data());
      size_t off = std::string_view::npos;
      if (at < line.size() && v.size() <= line.size() - at) {
        off = at;
      } else {
        const size_t from = i == kSfChecksum ? std::max(next, payload_end) : next;
        off = line.find(v, from);
        if (off == std::string_view::npos && from > 0) off = line.find(v);
      }
      if (off != std::string_view::npos) {
        desc[i] = kInLine | static_cast<uint32_t>(off << 16) | static_cast<uint32_t>(v.size());
        next = off + v.size();
        continue;
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

void Arena::Get(uint32_t block, uint32_t off, const char* line, std::string_view* values, bool* nulls) const {
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

std::string_view Arena::EventId(uint32_t block, uint32_t off) const {
  const char* base = blocks_[block].get() + off;
  uint32_t len;
  std::memcpy(&len, base, sizeof len);
  return {base + sizeof(uint32_t) * kSmallFieldCount, len};
}

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

}  // namespace evpipe::jobs::internal
