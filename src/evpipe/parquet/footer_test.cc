// Tests of footer reading: row counts of files our writer made, and corrupt input.
#include "evpipe/parquet/footer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "evpipe/parquet/file_writer.h"
#include "support/temp_dir.h"

namespace evpipe::parquet {
namespace {

TEST(FooterTest, RowCountOfWrittenFile) {
  testing::TempDir dir;
  io::FileSystem& fs = io::FileSystem::Default();
  const std::string path = dir.path() + "/t.parquet";
  Schema schema{{Column::String("id"), Column::Int64("n", Repetition::kOptional)}};
  WriterOptions options;
  options.row_group_size_bytes = 4096;  // several row groups
  auto w = FileWriter::Open(fs, path, schema, options);
  ASSERT_TRUE(w.ok()) << w.status().message();
  std::vector<std::string> owned;
  std::vector<std::string_view> ids;
  std::vector<int64_t> ns;
  std::vector<uint8_t> nulls;
  for (int i = 0; i < 5000; ++i) owned.push_back("id-" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) {
    ids.push_back(owned[i]);
    ns.push_back(i);
    nulls.push_back(i % 7 == 0);
  }
  ColumnValues cols[] = {ColumnValues::Strings(ids), ColumnValues::Int64s(ns, nulls)};
  ASSERT_TRUE((*w)->WriteBatch(ids.size(), cols).ok());
  auto summary = (*w)->Close();
  ASSERT_TRUE(summary.ok());
  ASSERT_GT(summary->row_groups, 1u);
  auto rows = ReadRowCount(fs, path);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(*rows, 5000);
}

TEST(FooterTest, CorruptInputIsAnError) {
  EXPECT_FALSE(RowCountFromBytes("").ok());
  EXPECT_FALSE(RowCountFromBytes("PAR1xxxxPAR1").ok());
  std::string bad = "PAR1";
  bad += std::string("\x19\x0c\xff\xff", 4);  // a list header that runs off the end
  bad += std::string("\x04\x00\x00\x00", 4);
  bad += "PAR1";
  EXPECT_EQ(RowCountFromBytes(bad).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace evpipe::parquet
