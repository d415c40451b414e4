// FileWriter with encode_threads > 1 writes the same bytes as with one thread,
// whatever the thread count, batch sizes and row group size.
#include <gtest/gtest.h>

#include <random>

#include "evpipe/parquet/file_writer.h"
#include "support/temp_dir.h"

namespace evpipe::parquet {
namespace {

struct Rows {
  std::vector<std::string> ids, notes;
  std::vector<std::string_view> id_views, note_views;
  std::vector<uint8_t> note_nulls;
  std::vector<int32_t> small;
  std::vector<int64_t> times;
};

Rows MakeRows(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Rows r;
  for (size_t i = 0; i < n; ++i) {
    r.ids.push_back("id-" + std::to_string(rng() % 100000));
    r.notes.push_back(std::string(rng() % 300, static_cast<char>('a' + rng() % 26)));
    r.note_nulls.push_back(rng() % 7 == 0);
    r.small.push_back(static_cast<int32_t>(rng() % 5));
    r.times.push_back(1770249600000000LL + static_cast<int64_t>(rng() % 86400000000ULL));
  }
  for (size_t i = 0; i < n; ++i) {
    r.id_views.push_back(r.ids[i]);
    r.note_views.push_back(r.notes[i]);
  }
  return r;
}

parquet::Schema TestSchema() {
  return parquet::Schema{{parquet::Column::String("id"), parquet::Column::String("note", parquet::Repetition::kOptional),
                          parquet::Column::Int32("small"), parquet::Column::TimestampMicros("t")}};
}

template <typename Writer>
void WriteAll(Writer* w, const Rows& r, size_t batch) {
  for (size_t b = 0; b < r.ids.size(); b += batch) {
    const size_t e = std::min(r.ids.size(), b + batch);
    const parquet::ColumnValues cols[] = {
        parquet::ColumnValues::Strings(std::span(r.id_views).subspan(b, e - b)),
        parquet::ColumnValues::Strings(std::span(r.note_views).subspan(b, e - b),
                                       std::span(r.note_nulls).subspan(b, e - b)),
        parquet::ColumnValues::Int32s(std::span(r.small).subspan(b, e - b)),
        parquet::ColumnValues::Int64s(std::span(r.times).subspan(b, e - b)),
    };
    ASSERT_TRUE(w->WriteBatch(e - b, cols).ok());
  }
}

TEST(FileWriterEncodeThreads, SameBytesForAnyThreadCount) {
  const uint32_t seed = 20260205;
  std::printf("seed %u\n", seed);
  testing::TempDir tmp;
  io::FileSystem& fs = io::FileSystem::Default();
  const Rows rows = MakeRows(30000, seed);
  for (size_t row_group_bytes : {size_t{100000}, size_t{1} << 27}) {
    for (parquet::Codec codec : {parquet::Codec::kZstd, parquet::Codec::kSnappy}) {
      parquet::WriterOptions opt;
      opt.codec = codec;
      opt.row_group_size_bytes = row_group_bytes;
      opt.sync_on_close = false;
      const std::string ref_path = tmp.path() + "/ref.parquet";
      auto ref = parquet::FileWriter::Open(fs, ref_path, TestSchema(), opt);
      ASSERT_TRUE(ref.ok());
      WriteAll(ref->get(), rows, 5000);
      ASSERT_TRUE((*ref)->Close().ok());
      const std::string want = *fs.ReadFile(ref_path);
      for (int threads : {1, 2, 3, 8}) {
        for (size_t batch : {size_t{777}, size_t{30000}}) {
          const std::string path = tmp.path() + "/par.parquet";
          parquet::WriterOptions par = opt;
          par.encode_threads = threads;
          par.column_weights = {1, 3, 0.5, 0.5};
          auto w = parquet::FileWriter::Open(fs, path, TestSchema(), par);
          ASSERT_TRUE(w.ok());
          WriteAll(w->get(), rows, batch);
          auto summary = (*w)->Close();
          ASSERT_TRUE(summary.ok());
          EXPECT_EQ(summary->rows, rows.ids.size());
          EXPECT_EQ(*fs.ReadFile(path), want) << "threads " << threads << " batch " << batch << " row group bytes "
                                              << row_group_bytes;
        }
      }
    }
  }
}

TEST(FileWriterEncodeThreads, RejectsMismatchedBatches) {
  testing::TempDir tmp;
  parquet::WriterOptions opt;
  opt.encode_threads = 2;
  auto w = parquet::FileWriter::Open(io::FileSystem::Default(), tmp.path() + "/x.parquet", TestSchema(), opt);
  ASSERT_TRUE(w.ok());
  std::vector<std::string_view> one = {"a"};
  const parquet::ColumnValues cols[] = {parquet::ColumnValues::Strings(one)};
  EXPECT_EQ((*w)->WriteBatch(1, cols).code(), StatusCode::kInvalidArgument);
}

TEST(FileWriterEncodeThreads, RefusesBadThreadCounts) {
  testing::TempDir tmp;
  parquet::WriterOptions opt;
  opt.encode_threads = 0;
  EXPECT_EQ(parquet::FileWriter::Open(io::FileSystem::Default(), tmp.path() + "/a.parquet", TestSchema(), opt)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  opt.encode_threads = 2;
  opt.compression_threads = 2;
  EXPECT_EQ(parquet::FileWriter::Open(io::FileSystem::Default(), tmp.path() + "/b.parquet", TestSchema(), opt)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evpipe::parquet
