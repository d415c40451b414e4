// Tests of the read-only memory map.
#include "evpipe/io/mapped_file.h"

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "evpipe/io/file_system.h"
#include "support/temp_dir.h"

namespace evpipe::io {
namespace {

TEST(MappedFileTest, MapsAndReleases) {
  testing::TempDir tmp;
  FileSystem& fs = FileSystem::Default();
  std::string data(3 * 4096 + 17, 'a');
  data[5000] = '\n';
  const std::string path = JoinPath(tmp.path(), "f");
  ASSERT_TRUE(WriteFileAtomically(fs, path, data).ok());
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->data(), data);
  m->Release(100, 9000);
  m->ReleaseAll();
  EXPECT_EQ(m->data(), data);  // released pages read back the same bytes
  MappedFile moved = std::move(*m);
  EXPECT_EQ(moved.size(), data.size());
  EXPECT_EQ(m->size(), 0u);  // NOLINT(bugprone-use-after-move): a moved-from map is empty
  const std::string empty = JoinPath(tmp.path(), "empty");
  ASSERT_TRUE(WriteFileAtomically(fs, empty, "").ok());
  auto e = MappedFile::Open(empty);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->size(), 0u);
}

TEST(MappedFileTest, PopulatedMapHoldsTheSameBytes) {
  testing::TempDir tmp;
  const std::string path = JoinPath(tmp.path(), "f");
  ASSERT_TRUE(WriteFileAtomically(FileSystem::Default(), path, "line 1\nline 2\n").ok());
  auto m = MappedFile::Open(path, MapOptions{.populate = true});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->data(), "line 1\nline 2\n");
  MappedFile other;
  other = std::move(*m);
  EXPECT_EQ(other.data(), "line 1\nline 2\n");
}

TEST(MappedFileTest, NonRegularFileMapsToNothingAndMissingFileFails) {
  auto dev = MappedFile::Open("/dev/null");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->size(), 0u);
  testing::TempDir tmp;
  const std::string missing = JoinPath(tmp.path(), "missing");
  auto m = MappedFile::Open(missing);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kIoError);
  EXPECT_NE(m.status().message().find("open " + missing), std::string::npos);
}

}  // namespace
}  // namespace evpipe::io
