// Tests of the per-date lake scans shared by reconcile and the console (the
// Parquet count runs against real job output in console/lake_test.cc).
#include "evpipe/jobs/lake_scan.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "support/temp_dir.h"

namespace evpipe::jobs {
namespace {

std::string EventLine(const std::string& id) {
  event::Event e;
  e.event_id = id;
  e.event_type = "order_created";
  e.event_time_us = *event::ParseTimestamp("2026-02-05T10:00:00Z");
  e.ingest_time_us = e.event_time_us;
  e.payload = R"({"order_id":"o-)" + id + R"("})";
  event::SetChecksum(&e);
  std::string line;
  event::EncodeLine(e, &line);
  return line;
}

TEST(LakeScanTest, DatesAndVisibleFiles) {
  testing::TempDir tmp;
  io::FileSystem& fs = io::FileSystem::Default();
  const std::string root = io::JoinPath(tmp.path(), "events");
  for (const char* d : {"ingest_date=2026-02-05", "ingest_date=unknown", "other", "ingest_date=x/y"}) {
    ASSERT_TRUE(fs.CreateDirs(io::JoinPath(root, d)).ok());
  }
  ASSERT_TRUE(io::WriteFileAtomically(fs, io::JoinPath(root, "ingest_date=2026-02-06"), "a file").ok());
  std::vector<std::string> dates = PartitionDates(fs, root);
  std::sort(dates.begin(), dates.end());
  EXPECT_EQ(dates, (std::vector<std::string>{"2026-02-05", "unknown", "x"}));  // "ingest_date=x" holds y
  EXPECT_TRUE(PartitionDates(fs, io::JoinPath(tmp.path(), "missing")).empty());

  const std::string dir = io::JoinPath(root, "ingest_date=2026-02-05");
  for (const char* name : {"b.ndjson", "a.ndjson", ".c.ndjson", "d.parquet"}) {
    ASSERT_TRUE(io::WriteFileAtomically(fs, io::JoinPath(dir, name), "x").ok());
  }
  ASSERT_TRUE(fs.CreateDirs(io::JoinPath(dir, "e.ndjson")).ok());
  std::vector<std::string> names;
  for (const io::DirEntry& e : VisibleFiles(fs, dir, ".ndjson")) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.ndjson", "b.ndjson"}));
}

TEST(LakeScanTest, CountsRawLinesAndDuplicates) {
  testing::TempDir tmp;
  io::FileSystem& fs = io::FileSystem::Default();
  const std::string dir = io::DatePartitionDir(tmp.path(), "events", "2026-02-05");
  ASSERT_TRUE(fs.CreateDirs(dir).ok());
  const std::string a = EventLine("e1") + "\n" + EventLine("e2") + "\nnot json\n";
  const std::string b = EventLine("e1") + "\n" + EventLine("e3");  // a re-delivery; no final '\n'
  ASSERT_TRUE(io::WriteFileAtomically(fs, io::JoinPath(dir, "part-0.ndjson"), a).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs, io::JoinPath(dir, "part-1.ndjson"), b).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs, io::JoinPath(dir, ".part-2.ndjson"), a).ok());  // being written
  auto c = CountRawDate(fs, dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->files, 2);
  EXPECT_EQ(c->bytes, static_cast<int64_t>(a.size() + b.size()));
  EXPECT_EQ(c->lines, 5);
  EXPECT_EQ(c->duplicates_removed, 1);  // 4 valid lines, 3 event ids
  auto none = CountRawDate(fs, io::JoinPath(tmp.path(), "missing"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->lines, 0);
}

}  // namespace
}  // namespace evpipe::jobs
