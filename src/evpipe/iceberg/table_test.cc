#include "evpipe/iceberg/table.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace evpipe::iceberg {
namespace {

TableDef Def() {
  TableDef d;
  d.fields = {{1, "id", "string", true}, {2, "n", "int", false}, {3, "day", "date", true}};
  d.partition_source_id = 3;
  d.sort_source_ids = {1};
  d.properties = {{std::string(kOwnerProperty), "test"}};
  return d;
}

class TableTest : public ::testing::Test {
 protected:
  DataFile File(const std::string& name, int64_t rows) {
    DataFile f;
    f.path = io::JoinPath(tmp_.path(), name);
    f.record_count = rows;
    f.file_size = 100 + rows;
    EXPECT_TRUE(io::WriteFileAtomically(fs_, f.path, "x").ok());
    return f;
  }
  Result<CommitResult> CommitNow(const std::vector<PartitionReplace>& changes, const std::string& run) {
    EVPIPE_ASSIGN_OR_RETURN(TableState t, ReadTable(fs_, def_, tmp_.path()));
    std::vector<DataFile> files;
    if (t.Current() != nullptr) {
      EVPIPE_ASSIGN_OR_RETURN(files, ReadSnapshotFiles(fs_, def_, *t.Current()));
    }
    return Commit(fs_, def_, t, files, changes, run, {});
  }

  testing::TempDir tmp_;
  io::FileSystem& fs_ = io::FileSystem::Default();
  TableDef def_ = Def();
};

TEST_F(TableTest, OverwriteExpiresSnapshotsThatListRemovedFiles) {
  const int32_t d1 = 20489, d2 = 20490;  // 2026-02-05, 2026-02-06
  auto c1 = CommitNow({{d1, {File("a", 10)}}}, "r1");
  ASSERT_TRUE(c1.ok()) << c1.status().ToString();
  EXPECT_EQ(c1->table.version, 1);
  EXPECT_EQ(c1->snapshot.Get("operation"), "append");
  auto c2 = CommitNow({{d2, {File("b", 5), File("c", 6)}}}, "r2");
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  EXPECT_EQ(c2->table.snapshots.size(), 2u);  // nothing removed: both readable
  EXPECT_EQ(c2->snapshot.Get("total-records"), "21");
  auto c3 = CommitNow({{d1, {File("a2", 11)}}}, "r3");
  ASSERT_TRUE(c3.ok()) << c3.status().ToString();
  EXPECT_EQ(c3->snapshot.Get("operation"), "overwrite");
  EXPECT_EQ(c3->snapshot.Get("deleted-data-files"), "1");
  EXPECT_EQ(c3->snapshot.Get("deleted-records"), "10");
  EXPECT_EQ(c3->snapshot.Get("added-records"), "11");
  EXPECT_EQ(c3->snapshot.Get("total-records"), "22");
  ASSERT_EQ(c3->removed.size(), 1u);
  EXPECT_EQ(io::BaseName(c3->removed[0].path), "a");
  // Snapshots 1 and 2 listed "a": both expired, only the new one is valid.
  EXPECT_EQ(c3->expired.size(), 2u);
  auto t = ReadTable(fs_, def_, tmp_.path());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->version, 3);
  ASSERT_EQ(t->snapshots.size(), 1u);
  EXPECT_EQ(t->metadata_log.size(), 2u);
  EXPECT_EQ(t->snapshot_log.size(), 1u);
  auto files = ReadSnapshotFiles(fs_, def_, *t->Current());
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  int64_t rows = 0;
  for (const DataFile& f : *files) rows += f.record_count;
  EXPECT_EQ(rows, 22);
  EXPECT_EQ(*fs_.ReadFile(io::JoinPath(MetadataDir(tmp_.path()), "version-hint.text")), "3");
}

TEST_F(TableTest, NeverOverwritesAnotherCommit) {
  auto base = ReadTable(fs_, def_, tmp_.path());
  ASSERT_TRUE(base.ok());
  ASSERT_TRUE(Commit(fs_, def_, *base, {}, {{1, {File("a", 1)}}}, "r1", {}).ok());
  // A second writer on the same base loses: v1 exists.
  auto lost = Commit(fs_, def_, *base, {}, {{1, {File("b", 1)}}}, "r2", {});
  EXPECT_EQ(lost.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(TableTest, ForeignOrBrokenMetadataIsRefused) {
  const std::string dir = MetadataDir(tmp_.path());
  ASSERT_TRUE(fs_.CreateDirs(dir).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, "v1.metadata.json"), "{not json").ok());
  auto t = ReadTable(fs_, def_, tmp_.path());
  EXPECT_EQ(t.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(t.status().ToString().find('\n'), std::string::npos);
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, "v1.metadata.json"),
                                      R"({"format-version":2,"location":"file:///elsewhere","properties":{}})").ok());
  t = ReadTable(fs_, def_, tmp_.path());
  EXPECT_EQ(t.status().code(), StatusCode::kCorruption);
  EXPECT_NE(t.status().ToString().find("not an evpipe Iceberg table"), std::string::npos);
  ASSERT_TRUE(fs_.Remove(io::JoinPath(dir, "v1.metadata.json")).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, "00000-abc.metadata.json"), "{}").ok());
  EXPECT_EQ(ReadTable(fs_, def_, tmp_.path()).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace evpipe::iceberg
