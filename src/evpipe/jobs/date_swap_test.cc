// Tests of DateSwap: replacement, recovery of every crash point, failures through the seam.
#include "evpipe/jobs/date_swap.h"

#include <gtest/gtest.h>

#include "evpipe/io/fault_fs.h"
#include "support/temp_dir.h"

namespace evpipe::jobs {
namespace {

class DateSwapTest : public ::testing::Test {
 protected:
  std::string Final() const { return io::JoinPath(tmp_.path(), "events/ingest_date=2026-02-05"); }
  std::string Read(const std::string& name) {
    auto r = fs_.ReadFile(io::JoinPath(Final(), name));
    return r.ok() ? *r : "<" + r.status().ToString() + ">";
  }
  void Publish(const std::string& content) {
    DateSwap swap(fs_, Final());
    ASSERT_TRUE(swap.Prepare().ok());
    ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(swap.staging_dir(), "f"), content).ok());
    ASSERT_TRUE(swap.Commit().ok());
  }
  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> out;
    auto entries = fs_.ListDir(dir);
    if (!entries.ok()) return out;
    for (auto& e : *entries) out.push_back(e.name);
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir tmp_;
  io::FileSystem& fs_ = io::FileSystem::Default();
};

TEST_F(DateSwapTest, PublishesThenReplacesWholeDirectory) {
  Publish("one");
  EXPECT_EQ(Read("f"), "one");
  {
    DateSwap swap(fs_, Final());
    ASSERT_TRUE(swap.Prepare().ok());
    ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(swap.staging_dir(), "g"), "two").ok());
    EXPECT_EQ(Read("f"), "one");  // untouched until Commit
    ASSERT_TRUE(swap.Commit().ok());
  }
  EXPECT_EQ(Read("g"), "two");
  EXPECT_FALSE(fs_.Exists(io::JoinPath(Final(), "f")));  // the old files went with the old directory
  EXPECT_EQ(Names(io::JoinPath(tmp_.path(), "events")), std::vector<std::string>{"ingest_date=2026-02-05"});
}

TEST_F(DateSwapTest, FailedRenameLeavesOldOutputAndNextRunCleans) {
  Publish("old");
  io::FaultInjectingFileSystem faulty(fs_);
  {
    DateSwap swap(faulty, Final());
    ASSERT_TRUE(swap.Prepare().ok());
    ASSERT_TRUE(io::WriteFileAtomically(faulty, io::JoinPath(swap.staging_dir(), "f"), "new").ok());
    faulty.Arm(io::FaultOp::kRename, 0, EIO);
    EXPECT_FALSE(swap.Commit().ok());
    faulty.Disarm();
  }
  EXPECT_EQ(Read("f"), "old");
  Publish("newer");
  EXPECT_EQ(Read("f"), "newer");
  EXPECT_EQ(Names(io::JoinPath(tmp_.path(), "events")), std::vector<std::string>{"ingest_date=2026-02-05"});
}

TEST_F(DateSwapTest, FailedDirSyncAfterStagingKeepsOld) {
  Publish("old");
  io::FaultInjectingFileSystem faulty(fs_);
  DateSwap swap(faulty, Final());
  ASSERT_TRUE(swap.Prepare().ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(swap.staging_dir(), "f"), "new").ok());
  faulty.Arm(io::FaultOp::kSyncDir, 0, EIO);
  EXPECT_FALSE(swap.Commit().ok());
  EXPECT_EQ(Read("f"), "old");
}

// The state a crash between the fallback's two renames leaves: no final, .old whole.
TEST_F(DateSwapTest, RecoversFromCrashBetweenFallbackRenames) {
  Publish("old");
  const std::string parent = io::JoinPath(tmp_.path(), "events");
  ASSERT_TRUE(fs_.Rename(Final(), io::JoinPath(parent, ".ingest_date=2026-02-05.old")).ok());
  ASSERT_TRUE(fs_.CreateDirs(io::JoinPath(parent, ".ingest_date=2026-02-05.new")).ok());
  DateSwap swap(fs_, Final());
  ASSERT_TRUE(swap.Prepare().ok());
  EXPECT_EQ(Read("f"), "old");  // restored before anything else
  swap.Abandon();
  EXPECT_EQ(Names(parent), std::vector<std::string>{"ingest_date=2026-02-05"});
}

// The state a crash right after the exchange leaves: final = new, staging = old.
TEST_F(DateSwapTest, LeftoverAfterExchangeIsRemoved) {
  Publish("new");
  const std::string parent = io::JoinPath(tmp_.path(), "events");
  ASSERT_TRUE(fs_.CreateDirs(io::JoinPath(parent, ".ingest_date=2026-02-05.new")).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(parent, ".ingest_date=2026-02-05.new/f"), "old").ok());
  DateSwap swap(fs_, Final());
  ASSERT_TRUE(swap.Prepare().ok());
  EXPECT_EQ(Read("f"), "new");
  EXPECT_TRUE(Names(swap.staging_dir()).empty());
}

TEST_F(DateSwapTest, RemoveFinal) {
  Publish("x");
  DateSwap swap(fs_, Final());
  ASSERT_TRUE(swap.RemoveFinal().ok());
  EXPECT_FALSE(fs_.Exists(Final()));
  EXPECT_TRUE(Names(io::JoinPath(tmp_.path(), "events")).empty());
  EXPECT_TRUE(swap.RemoveFinal().ok());  // nothing to remove is fine
}

}  // namespace
}  // namespace evpipe::jobs
