// Dedup by event_id and the output order of a date's rows (row_order_internal.h).
#include <algorithm>
#include <array>

#include "evpipe/jobs/row_order_internal.h"

namespace evpipe::jobs::internal {
namespace {

// Sorts `items` by key(item), ascending and stable: LSD radix sort, 8 bits a
// pass, skipping the passes whose byte is the same in every key (the high
// bytes of times within a few days, of small indexes). For the ~60k rows of a
// date this is about 3x faster than std::sort, and the order is the same for
// unique keys (the only order there is).
template <typename T, typename KeyFn>
void RadixSortBy(std::vector<T>* items, KeyFn key) {
  const size_t n = items->size();
  if (n < 2) return;
  std::array<std::array<uint32_t, 256>, 8> counts{};
  for (const T& item : *items) {
    const uint64_t k = key(item);
    for (int b = 0; b < 8; ++b) ++counts[b][(k >> (8 * b)) & 0xFF];
  }
  std::vector<T> scratch(n);
  std::vector<T>* from = items;
  std::vector<T>* to = &scratch;
  for (int b = 0; b < 8; ++b) {
    std::array<uint32_t, 256>& c = counts[b];
    if (std::find(c.begin(), c.end(), static_cast<uint32_t>(n)) != c.end()) continue;  // one value: nothing moves
    uint32_t sum = 0;
    for (uint32_t& slot : c) {
      const uint32_t here = slot;
      slot = sum;
      sum += here;
    }
    for (const T& item : *from) (*to)[c[(key(item) >> (8 * b)) & 0xFF]++] = item;
    std::swap(from, to);
  }
  if (from != items) items->swap(*from);
}

}  // namespace

int64_t DeduplicateRows(const RowTable& table, std::vector<RowRef>* rows) {
  std::vector<RowRef>& rs = *rows;
  const size_t n = rs.size();
  // (hash << 32 | index), sorted: rows with equal ids end up in one run of
  // equal hashes (mostly a run of one), without touching the rows.
  std::vector<uint64_t> keys(n);
  for (size_t i = 0; i < n; ++i) keys[i] = static_cast<uint64_t>(rs[i].id_hash) << 32 | i;
  RadixSortBy(&keys, [](uint64_t k) { return k; });
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

std::vector<uint32_t> OutputOrder(const RowTable& table, const std::vector<RowRef>& rows) {
  // (event_time, index) pairs sorted by time, equal times then by id (unique
  // after dedup: a total order). Sorting these instead of the 56-byte rows
  // moves a quarter of the bytes, and the rows themselves are never moved.
  struct Key {
    uint64_t time;  // event_time with the sign bit flipped: unsigned order is signed order
    uint32_t index;
  };
  std::vector<Key> keys(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    keys[i] = Key{static_cast<uint64_t>(rows[i].event_time_us) ^ (1ull << 63), static_cast<uint32_t>(i)};
  }
  RadixSortBy(&keys, [](const Key& k) { return k.time; });
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && keys[j].time == keys[i].time) ++j;
    if (j - i > 1) {
      std::sort(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(j),
                [&](const Key& a, const Key& b) {
                  return table.EventIdOf(rows[a.index]) < table.EventIdOf(rows[b.index]);
                });
    }
    i = j;
  }
  std::vector<uint32_t> order(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].index;
  return order;
}

void SortForOutput(const RowTable& table, std::vector<RowRef>* rows) {
  const std::vector<uint32_t> order = OutputOrder(table, *rows);
  std::vector<RowRef> sorted;
  sorted.reserve(order.size());
  for (uint32_t i : order) sorted.push_back((*rows)[i]);
  rows->swap(sorted);
}

}  // namespace evpipe::jobs::internal
