// Dedup and output order over row references (row_order_internal.h), with
// hashes set by hand so that different ids share one (a collision the 32-bit
// hash makes possible): rows are grouped by hash, but kept by id.
#include "evpipe/jobs/row_order_internal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace evpipe::jobs::internal {
namespace {

struct Rows {
  std::vector<std::unique_ptr<Chunk>> chunks;
  std::vector<RowRef> refs;

  Rows() { chunks.push_back(std::make_unique<Chunk>()); }

  // A row of file `file` at `off` with this id, times and hash.
  void Add(std::string_view id, int64_t event_us, int64_t ingest_us, uint32_t file, uint64_t off, uint32_t hash) {
    std::string_view values[kSmallFieldCount] = {};
    bool nulls[kSmallFieldCount];
    for (bool& n : nulls) n = true;
    values[kSfEventId] = id;
    nulls[kSfEventId] = false;
    RowRef r{};
    r.event_time_us = event_us;
    r.ingest_time_us = ingest_us;
    r.file = file;
    r.line_off = off;
    r.chunk = 0;
    r.id_hash = hash;
    std::tie(r.block, r.block_off) = chunks[0]->arena.Add(values, nulls, std::string_view(), 0);
    refs.push_back(r);
  }

  std::vector<std::string> Ids() const {
    RowTable table(chunks);
    std::vector<std::string> out;
    for (const RowRef& r : refs) out.emplace_back(table.EventIdOf(r));
    return out;
  }
};

TEST(RowOrder, KeepsTheEarliestIngestThenPositionPerIdEvenWhenHashesCollide) {
  Rows rows;
  rows.Add("b", 30, 300, 0, 0, 7);    // "b", later ingest: dropped
  rows.Add("a", 20, 200, 0, 100, 7);  // "a" shares b's hash
  rows.Add("b", 10, 100, 1, 0, 7);    // "b", earliest ingest: kept
  rows.Add("c", 40, 100, 0, 200, 9);
  rows.Add("c", 50, 100, 0, 150, 9);  // same ingest as the one above, earlier line: kept
  rows.Add("d", 60, 100, 1, 10, 7);   // alone with its id in the hash run
  RowTable table(rows.chunks);
  EXPECT_EQ(DeduplicateRows(table, &rows.refs), 2);
  // The kept rows stay in their input order.
  EXPECT_EQ(rows.Ids(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(rows.refs[1].ingest_time_us, 100);
  EXPECT_EQ(rows.refs[2].line_off, 150u);

  SortForOutput(table, &rows.refs);
  EXPECT_EQ(rows.Ids(), (std::vector<std::string>{"b", "a", "c", "d"}));  // by event_time
}

TEST(RowOrder, EqualEventTimesAreOrderedById) {
  Rows rows;
  rows.Add("z", 5, 1, 0, 0, 1);
  rows.Add("m", 5, 1, 0, 10, 2);
  rows.Add("a", 5, 1, 0, 20, 3);
  RowTable table(rows.chunks);
  EXPECT_EQ(DeduplicateRows(table, &rows.refs), 0);
  SortForOutput(table, &rows.refs);
  EXPECT_EQ(rows.Ids(), (std::vector<std::string>{"a", "m", "z"}));
}

// Many rows with times spread over every byte of the key (negative ones too),
// equal times and colliding hashes: dedup and order agree with a plain
// std::sort model (the radix sort must give the same order).
TEST(RowOrder, ManyRowsMatchASortedModel) {
  const uint32_t seed = 20261201;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  Rows rows;
  struct Model {
    std::string id;
    int64_t event_us, ingest_us;
    uint32_t file;
    uint64_t off;
  };
  std::vector<Model> model;
  const int64_t spans[] = {1000, 86'400'000'000LL, int64_t{1} << 50, int64_t{1} << 62};
  for (int i = 0; i < 5000; ++i) {
    const std::string id = "id-" + std::to_string(rng() % 3000);  // about 40% duplicates
    const int64_t span = spans[rng() % 4];
    const int64_t event_us = static_cast<int64_t>(rng() % static_cast<uint64_t>(span)) - span / 2;
    const int64_t ingest_us = static_cast<int64_t>(rng() % 50);
    const uint32_t file = static_cast<uint32_t>(rng() % 3);
    const uint64_t off = static_cast<uint64_t>(i) * 10;
    const uint32_t hash = static_cast<uint32_t>(std::hash<std::string>{}(id) % 64);  // many collisions
    rows.Add(id, event_us, ingest_us, file, off, hash);
    model.push_back(Model{id, event_us, ingest_us, file, off});
  }
  // The model: per id the least (ingest, file, off); then by (event_time, id).
  std::map<std::string, Model> kept;
  for (const Model& m : model) {
    auto [it, inserted] = kept.emplace(m.id, m);
    if (!inserted && std::tie(m.ingest_us, m.file, m.off) < std::tie(it->second.ingest_us, it->second.file, it->second.off)) {
      it->second = m;
    }
  }
  std::vector<Model> want;
  for (const auto& [id, m] : kept) want.push_back(m);
  std::sort(want.begin(), want.end(),
            [](const Model& a, const Model& b) { return std::tie(a.event_us, a.id) < std::tie(b.event_us, b.id); });

  RowTable table(rows.chunks);
  EXPECT_EQ(DeduplicateRows(table, &rows.refs), static_cast<int64_t>(model.size() - want.size()));
  SortForOutput(table, &rows.refs);
  ASSERT_EQ(rows.refs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(table.EventIdOf(rows.refs[i]), want[i].id) << "row " << i;
    ASSERT_EQ(rows.refs[i].event_time_us, want[i].event_us) << "row " << i;
    ASSERT_EQ(rows.refs[i].line_off, want[i].off) << "row " << i;
  }
}

}  // namespace
}  // namespace evpipe::jobs::internal
