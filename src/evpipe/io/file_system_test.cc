// Tests of the POSIX file system, atomic writes and fault injection.
#include "evpipe/io/file_system.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

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

TEST(FileLockTest, ExcludesAnotherHolderUntilReleased) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::Default();
  const std::string path = JoinPath(dir.path(), ".lock");
  auto first = fs.LockFile(path, LockMode::kTry);  // creates the file
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(fs.Exists(path));
  EXPECT_EQ((*first)->path(), path);
  auto second = fs.LockFile(path, LockMode::kTry);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(path), std::string::npos);
  first->reset();
  EXPECT_TRUE(fs.LockFile(path, LockMode::kTry).ok());
}

TEST(FileLockTest, WaitBlocksUntilTheHolderReleases) {
  testing::TempDir dir;
  FaultInjectingFileSystem fs(FileSystem::Default());  // the wrapper forwards locks
  const std::string path = JoinPath(dir.path(), ".lock");
  auto held = fs.LockFile(path, LockMode::kWait);
  ASSERT_TRUE(held.ok());
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto lock = fs.LockFile(path, LockMode::kWait);
    got = lock.ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got.load());  // still waiting
  held->reset();
  waiter.join();  // returns once the lock is free
  EXPECT_TRUE(got.load());
}

TEST(FileLockTest, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  const std::string path = JoinPath(JoinPath(dir.path(), "missing"), ".lock");
  auto lock = FileSystem::Default().LockFile(path, LockMode::kTry);
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find("open " + path), std::string::npos);
}

TEST(FileSystemTest, StartWritebackHandsTheBufferToTheKernelAndAppendsGoOn) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::Default();
  std::string path = dir.path() + "/w.txt";
  auto file = fs.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  EXPECT_EQ(*fs.FileSize(path), 0u);  // still buffered
  ASSERT_TRUE((*file)->StartWriteback().ok());
  EXPECT_EQ(*fs.FileSize(path), 3u);
  ASSERT_TRUE((*file)->StartWriteback().ok());  // nothing new: fine
  // Past the 1 MiB buffer, more than once: every byte arrives, in order.
  std::string big(700 << 10, 'x');
  for (int i = 0; i < 4; ++i) {
    big[0] = static_cast<char>('0' + i);
    ASSERT_TRUE((*file)->Append(big).ok());
  }
  ASSERT_TRUE((*file)->StartWriteback().ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  std::string want = "abc";
  for (int i = 0; i < 4; ++i) {
    big[0] = static_cast<char>('0' + i);
    want += big;
  }
  EXPECT_EQ((*file)->Size(), want.size());
  EXPECT_EQ(*fs.ReadFile(path), want);
}

}  // namespace
}  // namespace evpipe::io
