// FileWriter: layout, determinism, argument checks, and I/O failures through the seam.
#include "evpipe/parquet/file_writer.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "evpipe/core/version.h"
#include "evpipe/io/fault_fs.h"
#include "support/temp_dir.h"

namespace evpipe::parquet {
namespace {

Schema TestSchema() {
  return Schema{{Column::String("id"), Column::String("tag", Repetition::kOptional),
                 Column::Int32("n"), Column::TimestampMicros("ts", Repetition::kOptional)}};
}

struct Rows {
  std::vector<std::string> ids, tags;
  std::vector<std::string_view> id_views, tag_views;
  std::vector<uint8_t> tag_nulls, ts_nulls;
  std::vector<int32_t> n;
  std::vector<int64_t> ts;

  explicit Rows(size_t count, uint32_t seed) {
    std::mt19937 rng(seed);
    for (size_t i = 0; i < count; ++i) {
      ids.push_back("id-" + std::to_string(rng()));
      tags.push_back("tag" + std::to_string(rng() % 5));
      tag_nulls.push_back(rng() % 4 == 0);
      ts_nulls.push_back(rng() % 3 == 0);
      n.push_back(static_cast<int32_t>(rng()));
      ts.push_back(1700000000000000 + static_cast<int64_t>(rng()));
    }
    for (size_t i = 0; i < count; ++i) {
      id_views.push_back(ids[i]);
      tag_views.push_back(tags[i]);
    }
  }
  std::vector<ColumnValues> Slice(size_t b, size_t e) const {
    auto sv = [&](const auto& v) { return std::span(v).subspan(b, e - b); };
    return {ColumnValues::Strings(sv(id_views)), ColumnValues::Strings(sv(tag_views), sv(tag_nulls)),
            ColumnValues::Int32s(sv(n)), ColumnValues::Int64s(sv(ts), sv(ts_nulls))};
  }
};

Result<std::string> WriteFile(const std::string& path, const Rows& rows, size_t batch, WriterOptions opts) {
  EVPIPE_ASSIGN_OR_RETURN(auto w, FileWriter::Open(io::FileSystem::Default(), path, TestSchema(), opts));
  size_t total = rows.ids.size();
  for (size_t b = 0; b < total; b += batch) {
    size_t e = std::min(total, b + batch);
    auto cols = rows.Slice(b, e);
    EVPIPE_RETURN_IF_ERROR(w->WriteBatch(e - b, cols));
  }
  EVPIPE_ASSIGN_OR_RETURN(FileSummary s, w->Close());
  EVPIPE_ASSIGN_OR_RETURN(std::string bytes, io::FileSystem::Default().ReadFile(path));
  if (s.bytes != bytes.size() || s.rows != total) return Status::Internal("summary does not match");
  return bytes;
}

TEST(FileWriter, LayoutMagicFooterAndCreatedBy) {
  testing::TempDir dir;
  Rows rows(100, 1);
  auto bytes = WriteFile(dir.path() + "/a.parquet", rows, 100, {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string& b = *bytes;
  ASSERT_GT(b.size(), 12u);
  EXPECT_EQ(b.substr(0, 4), "PAR1");
  EXPECT_EQ(b.substr(b.size() - 4), "PAR1");
  uint32_t footer_len = 0;
  std::memcpy(&footer_len, b.data() + b.size() - 8, 4);
  ASSERT_LT(footer_len, b.size() - 12);
  std::string footer = b.substr(b.size() - 8 - footer_len, footer_len);
  EXPECT_NE(footer.find(kCreatedBy), std::string::npos);
  EXPECT_NE(footer.find("tag"), std::string::npos);
}

TEST(FileWriter, DeterministicAcrossRunsAndBatchSizes) {
  testing::TempDir dir;
  uint32_t seed = std::random_device{}();
  std::printf("seed=%u\n", seed);
  Rows rows(30000, seed);
  WriterOptions opts;
  opts.page_size_bytes = 4096;        // many pages
  opts.row_group_size_bytes = 200000;  // several row groups
  opts.dictionary_max_bytes = 2000;    // a fallback in 'id'
  auto a = WriteFile(dir.path() + "/a.parquet", rows, 30000, opts);
  auto b = WriteFile(dir.path() + "/b.parquet", rows, 30000, opts);
  auto c = WriteFile(dir.path() + "/c.parquet", rows, 777, opts);
  auto d = WriteFile(dir.path() + "/d.parquet", rows, 1, opts);
  opts.compression_threads = 3;  // pages compressed on workers, in any order
  auto e = WriteFile(dir.path() + "/e.parquet", rows, 5000, opts);
  opts.page_statistics = true;
  auto f = WriteFile(dir.path() + "/f.parquet", rows, 5000, opts);
  opts.compression_threads = 0;
  auto g = WriteFile(dir.path() + "/g.parquet", rows, 30000, opts);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok() && e.ok() && f.ok() && g.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_TRUE(*a == *c);
  EXPECT_TRUE(*a == *d);
  EXPECT_TRUE(*a == *e);
  EXPECT_TRUE(*f == *g);
  EXPECT_NE(f->size(), a->size());  // page statistics did change the file
}

// Dictionary values are added to the statistics when they enter the
// dictionary; the chunk's min/max must still cover values met only as repeats
// in later pages, and page statistics must cover every value of their page.
TEST(FileWriter, StatisticsCoverRepeatedDictionaryValues) {
  testing::TempDir dir;
  const Schema schema{{Column::String("tag")}};
  const std::string a = "a0-aaaaaaa", m = "m1-mmmmmmm", z = "z9-zzzzzzz";
  // Pages of 6 rows: [m a z m a z] [m a m m a m] [z m a z m a]; the dictionary holds m, a, z.
  const std::vector<std::string_view> tags = {m, a, z, m, a, z, m, a, m, m, a, m, z, m, a, z, m, a};
  auto write = [&](bool page_statistics) -> std::string {
    WriterOptions opts;
    opts.codec = Codec::kUncompressed;
    opts.page_max_rows = 6;
    opts.page_statistics = page_statistics;
    auto w = FileWriter::Open(io::FileSystem::Default(), dir.path() + "/s.parquet", schema, opts);
    EXPECT_TRUE(w.ok());
    const std::vector<ColumnValues> cols = {ColumnValues::Strings(tags)};
    EXPECT_TRUE((*w)->WriteBatch(tags.size(), cols).ok());
    EXPECT_TRUE((*w)->Close().ok());
    auto bytes = io::FileSystem::Default().ReadFile(dir.path() + "/s.parquet");
    EXPECT_TRUE(bytes.ok());
    return bytes.ok() ? *bytes : std::string();
  };
  auto count = [](const std::string& hay, std::string_view needle) {
    int n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  };
  const std::string plain = write(false);
  ASSERT_GT(plain.size(), 8u);
  uint32_t footer_len;
  std::memcpy(&footer_len, plain.data() + plain.size() - 8, 4);
  const std::string footer = plain.substr(plain.size() - 8 - footer_len, footer_len);
  EXPECT_EQ(count(plain, m), 1);  // only in the dictionary page: the values are indices
  EXPECT_EQ(count(footer, a), 1);  // the chunk's min
  EXPECT_EQ(count(footer, z), 1);  // the chunk's max
  EXPECT_EQ(count(footer, m), 0);
  // With page statistics: page 2 (repeats only) has min a and max m in its header.
  const std::string paged = write(true);
  EXPECT_EQ(count(paged, m), 1 + 1);          // dictionary, page 2's max
  EXPECT_EQ(count(paged, a), 1 + 3 + 1);      // dictionary, three page minimums, the chunk's min
  EXPECT_EQ(count(paged, z), 1 + 2 + 1);      // dictionary, pages 1 and 3, the chunk's max
}

TEST(FileWriter, EachCodecWrites) {
  testing::TempDir dir;
  Rows rows(1000, 7);
  size_t sizes[3];
  int i = 0;
  for (Codec c : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd}) {
    WriterOptions o;
    o.codec = c;
    auto bytes = WriteFile(dir.path() + "/" + std::string(CodecName(c)), rows, 1000, o);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    sizes[i++] = bytes->size();
  }
  EXPECT_LT(sizes[2], sizes[0]);  // zstd compresses the random ints' text-ish ids a little at least
}

TEST(FileWriter, RejectsBadBatches) {
  testing::TempDir dir;
  auto w = FileWriter::Open(io::FileSystem::Default(), dir.path() + "/x.parquet", TestSchema());
  ASSERT_TRUE(w.ok());
  Rows rows(10, 3);
  auto cols = rows.Slice(0, 10);
  EXPECT_EQ((*w)->WriteBatch(9, cols).code(), StatusCode::kInvalidArgument);  // sizes
  std::vector<ColumnValues> three(cols.begin(), cols.begin() + 3);
  EXPECT_EQ((*w)->WriteBatch(10, three).code(), StatusCode::kInvalidArgument);  // column count
  auto wrong = cols;
  wrong[2] = ColumnValues::Int64s(std::span(rows.ts));  // INT32 column given INT64s
  EXPECT_EQ((*w)->WriteBatch(10, wrong).code(), StatusCode::kInvalidArgument);
  auto nulls = cols;
  nulls[0].nulls = std::span(rows.tag_nulls);  // required column with nulls
  EXPECT_EQ((*w)->WriteBatch(10, nulls).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*w)->WriteBatch(10, cols).ok());  // argument errors do not fail the writer
  EXPECT_TRUE((*w)->Close().ok());
}

TEST(FileWriter, RejectsBadSchemas) {
  testing::TempDir dir;
  auto& fs = io::FileSystem::Default();
  EXPECT_FALSE(FileWriter::Open(fs, dir.path() + "/x", Schema{}).ok());
  EXPECT_FALSE(FileWriter::Open(fs, dir.path() + "/x", Schema{{Column::String("a"), Column::Int32("a")}}).ok());
  Column bad = Column::String("s");
  bad.physical = PhysicalType::kInt32;
  EXPECT_FALSE(FileWriter::Open(fs, dir.path() + "/x", Schema{{bad}}).ok());
}

TEST(FileWriter, AppendFailureFailsTheWriter) {
  testing::TempDir dir;
  io::FaultInjectingFileSystem fs(io::FileSystem::Default());
  WriterOptions o;
  o.row_group_size_bytes = 10000;
  auto w = FileWriter::Open(fs, dir.path() + "/x.parquet", TestSchema(), o);
  ASSERT_TRUE(w.ok());
  fs.Arm(io::FaultOp::kAppend, 0, ENOSPC);
  Rows rows(5000, 5);
  auto cols = rows.Slice(0, 5000);
  Status s = (*w)->WriteBatch(5000, cols);  // flushes a row group, which fails
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("x.parquet"), std::string::npos) << s.message();
  EXPECT_EQ((*w)->WriteBatch(5000, cols).code(), StatusCode::kIoError);  // stays failed
  EXPECT_EQ((*w)->Close().status().code(), StatusCode::kIoError);
}

TEST(FileWriter, SyncFailureFailsClose) {
  testing::TempDir dir;
  io::FaultInjectingFileSystem fs(io::FileSystem::Default());
  auto w = FileWriter::Open(fs, dir.path() + "/x.parquet", TestSchema());
  ASSERT_TRUE(w.ok());
  Rows rows(10, 5);
  auto cols = rows.Slice(0, 10);
  ASSERT_TRUE((*w)->WriteBatch(10, cols).ok());
  fs.Arm(io::FaultOp::kSync, 0, EIO);
  auto r = (*w)->Close();
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_GE(fs.fired(), 1);
}

TEST(FileWriter, EmptyFileIsValidShape) {
  testing::TempDir dir;
  auto w = FileWriter::Open(io::FileSystem::Default(), dir.path() + "/e.parquet", TestSchema());
  ASSERT_TRUE(w.ok());
  auto r = (*w)->Close();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows, 0u);
  EXPECT_EQ(r->row_groups, 0u);
}

}  // namespace
}  // namespace evpipe::parquet
