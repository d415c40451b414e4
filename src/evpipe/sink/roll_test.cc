// Rolls: publishing, the state record, recovery and failures through the seam.
#include "evpipe/sink/roll.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "evpipe/io/fault_fs.h"
#include "evpipe/sink/roll_state.h"
#include "support/temp_dir.h"

namespace evpipe::sink {
namespace {

std::vector<std::string> Names(io::FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return out;
  for (const auto& e : *entries) out.push_back(e.name);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RollStateTest, EncodeDecode) {
  PartitionState s;
  s.partition = 4;
  s.next_offset = 99;
  s.entries.push_back({false, "2026-02-05", ".part-p4-10.ndjson.inprogress", "part-p4-10-98.ndjson"});
  s.entries.push_back({true, "", ".part-p4-10.ndjson.inprogress", "part-p4-12-12.ndjson"});
  std::string text = EncodeState("events", s);
  auto d = DecodeState(text);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->partition, 4);
  EXPECT_EQ(d->next_offset, 99);
  ASSERT_EQ(d->entries.size(), 2u);
  EXPECT_TRUE(d->entries[1].quarantine);
  EXPECT_EQ(d->entries[1].date, "");
  EXPECT_EQ(d->entries[0].to, "part-p4-10-98.ndjson");
  // A torn or tampered file is refused, never half-used.
  EXPECT_FALSE(DecodeState(text.substr(0, text.size() - 4)).ok());
  EXPECT_FALSE(DecodeState("evpipe sink-raw state v1\npartition 1\nend\n").ok());
  EXPECT_FALSE(DecodeState(text + "raw x ../a b\n").ok());
}

TEST(RollTest, PublishMakesEveryDateVisibleAtOnce) {
  testing::TempDir tmp;
  io::FileSystem& fs = io::FileSystem::Default();
  Layout layout(tmp.path() + "/raw", tmp.path() + "/q", "events");
  ASSERT_TRUE(fs.CreateDirs(layout.StateDir()).ok());
  Roll roll(fs, layout, 1, 0);
  ASSERT_TRUE(roll.AddLine("2026-02-05", "{\"a\":1}", 10).ok());
  ASSERT_TRUE(roll.AddLine("2026-02-06", "{\"a\":2}", 11).ok());
  ASSERT_TRUE(roll.AddQuarantine("", "{\"reason\":\"x\"}\n", 12).ok());
  ASSERT_TRUE(roll.AddLine("2026-02-05", "{\"a\":3}", 13).ok());
  // Nothing visible yet: only hidden names.
  EXPECT_EQ(Names(fs, layout.RawDateDir("2026-02-05")),
            std::vector<std::string>{".part-p1-10.ndjson.inprogress"});
  PartitionState st;
  ASSERT_TRUE(roll.Publish(&st).ok());
  EXPECT_EQ(st.next_offset, 14);
  EXPECT_EQ(Names(fs, layout.RawDateDir("2026-02-05")), std::vector<std::string>{"part-p1-10-13.ndjson"});
  EXPECT_EQ(Names(fs, layout.RawDateDir("2026-02-06")), std::vector<std::string>{"part-p1-11-11.ndjson"});
  EXPECT_EQ(Names(fs, layout.QuarantineDateDir("")), std::vector<std::string>{"part-p1-12-12.ndjson"});
  EXPECT_EQ(*fs.ReadFile(layout.RawDateDir("2026-02-05") + "/part-p1-10-13.ndjson"), "{\"a\":1}\n{\"a\":3}\n");
  auto loaded = LoadState(fs, layout, 1);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->next_offset, 14);
}

// A crash after the state was stored but before the renames: recovery finishes them.
TEST(RollTest, RecoveryRollsForwardAPublishedRoll) {
  testing::TempDir tmp;
  io::FileSystem& base = io::FileSystem::Default();
  io::FaultInjectingFileSystem fs(base);
  Layout layout(tmp.path() + "/raw", tmp.path() + "/q", "events");
  ASSERT_TRUE(fs.CreateDirs(layout.StateDir()).ok());
  Roll roll(fs, layout, 0, 0);
  ASSERT_TRUE(roll.AddLine("2026-02-05", "x", 5).ok());
  ASSERT_TRUE(roll.AddLine("2026-02-06", "y", 6).ok());
  // The state's own rename is the 1st rename; fail the 2nd (the first data file).
  fs.Arm(io::FaultOp::kRename, 1, EIO);
  PartitionState st;
  EXPECT_FALSE(roll.Publish(&st).ok());
  fs.Disarm();
  EXPECT_EQ(Names(fs, layout.RawDateDir("2026-02-05")), std::vector<std::string>{".part-p0-5.ndjson.inprogress"});
  auto loaded = LoadState(fs, layout, 0);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  ASSERT_TRUE(RollForward(fs, layout, **loaded).ok());
  ASSERT_TRUE(RemoveLeftovers(fs, layout, 0).ok());
  EXPECT_EQ(Names(fs, layout.RawDateDir("2026-02-05")), std::vector<std::string>{"part-p0-5-5.ndjson"});
  EXPECT_EQ(Names(fs, layout.RawDateDir("2026-02-06")), std::vector<std::string>{"part-p0-6-6.ndjson"});
  // Idempotent.
  ASSERT_TRUE(RollForward(fs, layout, **loaded).ok());
}

// A crash before the state was stored: the roll never happened; its files go.
TEST(RollTest, FailedFsyncPublishesNothingAndLeftoversAreRemoved) {
  for (int err : {ENOSPC, EIO}) {
    testing::TempDir tmp;
    io::FaultInjectingFileSystem fs(io::FileSystem::Default());
    Layout layout(tmp.path() + "/raw", tmp.path() + "/q", "events");
    ASSERT_TRUE(fs.CreateDirs(layout.StateDir()).ok());
    {
      Roll roll(fs, layout, 3, 0);
      ASSERT_TRUE(roll.AddLine("2026-02-05", "x", 5).ok());
      fs.Arm(io::FaultOp::kSync, 0, err);
      PartitionState st;
      Status s = roll.Publish(&st);
      EXPECT_FALSE(s.ok());
      EXPECT_NE(s.message().find(std::strerror(err)), std::string::npos) << s.ToString();
      fs.Disarm();
    }
    auto loaded = LoadState(fs, layout, 3);
    ASSERT_TRUE(loaded.ok());
    EXPECT_FALSE(loaded->has_value());
    ASSERT_TRUE(RemoveLeftovers(fs, layout, 3).ok());
    EXPECT_TRUE(Names(fs, layout.RawDateDir("2026-02-05")).empty());
  }
}

TEST(RollTest, SyncFilesFsyncsEveryRollsFilesOnceBeforePublish) {
  testing::TempDir tmp;
  io::FaultInjectingFileSystem fs(io::FileSystem::Default());
  Layout layout(tmp.path() + "/raw", tmp.path() + "/q", "events");
  ASSERT_TRUE(fs.CreateDirs(layout.StateDir()).ok());
  const std::vector<std::string> dates = {"2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"};
  Roll a(fs, layout, 1, 0), b(fs, layout, 2, 0);
  int64_t offset = 0;
  for (const std::string& d : dates) {
    ASSERT_TRUE(a.AddLine(d, "a", offset).ok());
    ASSERT_TRUE(b.AddLine(d, "b", offset).ok());
    ++offset;
  }
  // One of the ten fsyncs fails: SyncFiles says so, with the errno.
  fs.Arm(io::FaultOp::kSync, 9, EIO);
  Status failed = Roll::SyncFiles({&a, &b});
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find(std::strerror(EIO)), std::string::npos) << failed.ToString();
  fs.Disarm();
  // Ten fsyncs succeed; the next one is Publish's first, of the state file:
  // the data files synced by SyncFiles are not synced again.
  fs.Arm(io::FaultOp::kSync, 10, EIO);
  ASSERT_TRUE(Roll::SyncFiles({&a, &b}).ok());
  PartitionState st;
  Status s = a.Publish(&st);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(layout.StateDir()), std::string::npos) << s.ToString();
  fs.Disarm();
  ASSERT_TRUE(b.Publish(&st).ok());
  EXPECT_EQ(st.next_offset, 5);
  for (const std::string& d : dates) {
    std::vector<std::string> names = Names(fs, layout.RawDateDir(d));
    ASSERT_EQ(names.size(), 2u) << d;  // a's hidden in-progress file and b's published one
    EXPECT_NE(names[0], names[1]);
  }
}

}  // namespace
}  // namespace evpipe::sink
