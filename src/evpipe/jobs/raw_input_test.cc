// Tests of date checks and raw file listing (the memory map: io/mapped_file_test.cc).
#include "evpipe/jobs/raw_input.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace evpipe::jobs {
namespace {

TEST(RawInputTest, ListsOnlyCompleteRawFilesSortedByName) {
  testing::TempDir tmp;
  io::FileSystem& fs = io::FileSystem::Default();
  const std::string dir = io::DatePartitionDir(tmp.path(), "events", "2026-02-05");
  ASSERT_TRUE(fs.CreateDirs(io::JoinPath(dir, "sub.ndjson")).ok());
  for (const char* name : {"part-2.ndjson", "part-10.ndjson", ".part-3.ndjson.tmp", ".part-4.ndjson", "notes.txt",
                           "part-1.ndjson"}) {
    ASSERT_TRUE(io::WriteFileAtomically(fs, io::JoinPath(dir, name), "x\n").ok());
  }
  auto files = ListRawFiles(fs, dir);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].name, "part-1.ndjson");
  EXPECT_EQ((*files)[1].name, "part-10.ndjson");
  EXPECT_EQ((*files)[2].name, "part-2.ndjson");
  EXPECT_EQ((*files)[0].size, 2u);
  EXPECT_EQ(ListRawFiles(fs, io::JoinPath(tmp.path(), "missing")).status().code(), StatusCode::kNotFound);
}

TEST(RawInputTest, ListsDates) {
  testing::TempDir tmp;
  io::FileSystem& fs = io::FileSystem::Default();
  ASSERT_TRUE(fs.CreateDirs(io::DatePartitionDir(tmp.path(), "events", "2026-02-06")).ok());
  ASSERT_TRUE(fs.CreateDirs(io::DatePartitionDir(tmp.path(), "events", "2026-02-05")).ok());
  ASSERT_TRUE(fs.CreateDirs(io::JoinPath(tmp.path(), "events/ingest_date=unknown")).ok());
  ASSERT_TRUE(fs.CreateDirs(io::JoinPath(tmp.path(), "events/.ingest_date=2026-02-07.new")).ok());
  auto dates = ListRawDates(fs, tmp.path(), "events");
  ASSERT_TRUE(dates.ok());
  EXPECT_EQ(*dates, (std::vector<std::string>{"2026-02-05", "2026-02-06"}));
  EXPECT_EQ(ListRawDates(fs, tmp.path(), "other").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace evpipe::jobs
