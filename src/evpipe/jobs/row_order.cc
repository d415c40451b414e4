// Dedup by event_id and the output order of a date's rows (row_order_internal.h).
#include <algorithm>
#include <numeric>

#include "evpipe/jobs/row_order_internal.h"

namespace evpipe::jobs::internal {
namespace {

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

}  // namespace

int64_t DeduplicateRows(const RowTable& table, std::vector<RowRef>* rows) {
  std::vector<RowRef>& rs = *rows;
  const size_t n = rs.size();
  std::vector<uint64_t> hashes(n);
  for (size_t i = 0; i < n; ++i) hashes[i] = HashId(table.EventIdOf(rs[i]));
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  // Equal ids end up adjacent, the one to keep first: earliest ingest_time,
  // then earliest position (file by name, then offset = line order).
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (hashes[a] != hashes[b]) return hashes[a] < hashes[b];
    const RowRef& ra = rs[a];
    const RowRef& rb = rs[b];
    const int c = table.EventIdOf(ra).compare(table.EventIdOf(rb));
    if (c != 0) return c < 0;
    if (ra.ingest_time_us != rb.ingest_time_us) return ra.ingest_time_us < rb.ingest_time_us;
    if (ra.file != rb.file) return ra.file < rb.file;
    return ra.line_off < rb.line_off;
  });
  std::vector<uint8_t> keep(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 || hashes[order[i]] != hashes[order[i - 1]] ||
        table.EventIdOf(rs[order[i]]) != table.EventIdOf(rs[order[i - 1]])) {
      keep[order[i]] = 1;
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (keep[i]) rs[out++] = rs[i];
  }
  rs.resize(out);
  rs.shrink_to_fit();
  return static_cast<int64_t>(n - out);
}

void SortForOutput(const RowTable& table, std::vector<RowRef>* rows) {
  std::sort(rows->begin(), rows->end(), [&table](const RowRef& a, const RowRef& b) {
    if (a.event_time_us != b.event_time_us) return a.event_time_us < b.event_time_us;
    return table.EventIdOf(a) < table.EventIdOf(b);  // ids are unique after dedup: a total order
  });
}

}  // namespace evpipe::jobs::internal
