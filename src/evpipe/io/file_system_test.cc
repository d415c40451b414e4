// Tests of the POSIX file system, atomic writes and fault injection.
#include "evpipe/io/file_system.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>

#include "evpipe/io/fault_fs.h"
#include "support/temp_dir.h"

namespace evpipe::io {
namespace {

TEST(PathTest, Parts) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
}

TEST(FileSystemTest, AtomicWriteReplacesWhole) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::Default();
  std::string path = dir.path() + "/x.txt";
  ASSERT_TRUE(WriteFileAtomically(fs, path, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(fs, path, "two two").ok());
  EXPECT_EQ(*fs.ReadFile(path), "two two");
  EXPECT_FALSE(fs.Exists(dir.path() + "/.x.txt.tmp"));
}

TEST(FileSystemTest, FailedSyncLeavesOldFile) {
  testing::TempDir dir;
  FaultInjectingFileSystem fs(FileSystem::Default());
  std::string path = dir.path() + "/x.txt";
  ASSERT_TRUE(WriteFileAtomically(fs, path, "old").ok());
  fs.Arm(FaultOp::kSync, 0, ENOSPC);
  Status s = WriteFileAtomically(fs, path, "new");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
  EXPECT_EQ(fs.fired(), 1);
  EXPECT_EQ(*fs.ReadFile(path), "old");
}

TEST(FileSystemTest, ListDirAndSizes) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::Default();
  ASSERT_TRUE(fs.CreateDirs(dir.path() + "/a/b").ok());
  ASSERT_TRUE(WriteFileAtomically(fs, dir.path() + "/a/f", "12345").ok());
  auto entries = fs.ListDir(dir.path() + "/a");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ(*fs.FileSize(dir.path() + "/a/f"), 5u);
  EXPECT_EQ(fs.ListDir(dir.path() + "/nope").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace evpipe::io
