// Dedup by event_id and the output order of a date's rows (row_order_internal.h).
#include <algorithm>

#include "evpipe/jobs/row_order_internal.h"

namespace evpipe::jobs::internal {
int64_t DeduplicateRows(const RowTable& table, std::vector<RowRef>* rows) {
  std::vector<RowRef>& rs = *rows;
  const size_t n = rs.size();
  // (hash << 32 | index), sorted: rows with equal ids end up in one run of
  // equal hashes (mostly a run of one), without touching the rows.
  std::vector<uint64_t> keys(n);
  for (size_t i = 0; i < n; ++i) keys[i] = static_cast<uint64_t>(rs[i].id_hash) << 32 | i;
  std::sort(keys.begin(), keys.end());
  std::vector<uint8_t> keep(n, 0);
  std::vector<uint32_t> run;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && (keys[j] >> 32) == (keys[i] >> 32)) ++j;
    if (j == i + 1) {
      keep[static_cast<uint32_t>(keys[i])] = 1;
    } else {
      // Equal ids adjacent, the one to keep first: earliest ingest_time, then
      // earliest position (file by name, then offset = line order).
      run.clear();
      for (size_t k = i; k < j; ++k) run.push_back(static_cast<uint32_t>(keys[k]));
      std::sort(run.begin(), run.end(), [&](uint32_t a, uint32_t b) {
        const RowRef& ra = rs[a];
        const RowRef& rb = rs[b];
        const int c = table.EventIdOf(ra).compare(table.EventIdOf(rb));
        if (c != 0) return c < 0;
        if (ra.ingest_time_us != rb.ingest_time_us) return ra.ingest_time_us < rb.ingest_time_us;
        if (ra.file != rb.file) return ra.file < rb.file;
        return ra.line_off < rb.line_off;
      });
      for (size_t k = 0; k < run.size(); ++k) {
        if (k == 0 || table.EventIdOf(rs[run[k]]) != table.EventIdOf(rs[run[k - 1]])) keep[run[k]] = 1;
      }
    }
    i = j;
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (keep[i]) rs[out++] = rs[i];
  }
  rs.resize(out);  // no shrink_to_fit: it would copy every row again for 2% of their bytes
  return static_cast<int64_t>(n - out);
}

void SortForOutput(const RowTable& table, std::vector<RowRef>* rows) {
  std::sort(rows->begin(), rows->end(), [&table](const RowRef& a, const RowRef& b) {
    if (a.event_time_us != b.event_time_us) return a.event_time_us < b.event_time_us;
    return table.EventIdOf(a) < table.EventIdOf(b);  // ids are unique after dedup: a total order
  });
}

}  // namespace evpipe::jobs::internal
