// FileWriter: writes one Parquet file from column-wise batches of rows,
// streaming row groups to an io::FileSystem (docs/formats/parquet.md). Column
// chunks may be encoded on several threads (WriterOptions::encode_threads);
// the row group cut points, the layout and the footer are written once, here.
//
//   Schema schema{{Column::String("id"), Column::Int64("n", Repetition::kOptional)}};
//   EVPIPE_ASSIGN_OR_RETURN(auto w, FileWriter::Open(fs, path, schema, WriterOptions{}));
//   std::vector<std::string_view> ids = ...; std::vector<int64_t> ns = ...;
//   std::vector<uint8_t> n_nulls = ...;  // 1 = null
//   ColumnValues cols[] = {ColumnValues::Strings(ids), ColumnValues::Int64s(ns, n_nulls)};
//   EVPIPE_RETURN_IF_ERROR(w->WriteBatch(ids.size(), cols));
//   EVPIPE_ASSIGN_OR_RETURN(FileSummary s, w->Close());
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/parquet/column_values.h"
#include "evpipe/parquet/column_writer.h"
#include "evpipe/parquet/compression.h"
#include "evpipe/parquet/metadata.h"
#include "evpipe/parquet/page_pool.h"
#include "evpipe/parquet/schema.h"
#include "evpipe/parquet/writer_options.h"

namespace evpipe::parquet {

namespace internal {
class ColumnGroups;
}

struct FileSummary {
  uint64_t rows = 0;
  uint64_t bytes = 0;  // file size
  uint32_t row_groups = 0;
};

// Not thread-safe: one thread writes a file (the writer's own encode threads
// are internal). Memory is bounded by one row
// group (WriterOptions::row_group_size_bytes), not by the file. Output is a
// pure function of (schema, options, rows): the same rows in the same batches
// or not give byte-identical files. After any error the writer is failed:
// every later call returns that error and the file is garbage (the caller
// writes under a temporary name and renames only after Close() succeeds).
// Destroying a writer without Close() abandons the file.
class FileWriter {
 public:
  static Result<std::unique_ptr<FileWriter>> Open(io::FileSystem& fs, const std::string& path,
                                                   Schema schema, WriterOptions options = {});
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Appends num_rows rows given column by column, in schema order: each
  // ColumnValues holds num_rows entries of the column's physical type
  // (column_values.h). Row groups are cut inside a batch when they fill, so
  // any batch size works (1 row is fine but slower).
  Status WriteBatch(size_t num_rows, std::span<const ColumnValues> columns);
  // Closes the open row group, writes the footer, fsyncs (unless
  // options.sync_on_close is false) and closes the file.
  Result<FileSummary> Close();

  const Schema& schema() const { return schema_; }
  uint64_t rows_written() const { return rows_total_; }

 private:
  FileWriter(Schema schema, WriterOptions options);
  Status Validate(size_t num_rows, std::span<const ColumnValues> columns) const;
  Status FlushRowGroup();
  Status Fail(Status s);

  Schema schema_;
  WriterOptions options_;
  std::unique_ptr<io::WritableFile> file_;
  std::vector<std::unique_ptr<Compressor>> compressors_;  // one per column group
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  std::unique_ptr<PagePool> pool_;  // after columns_: its workers stop first
  std::unique_ptr<internal::ColumnGroups> groups_;  // last: its threads stop first
  std::vector<RowGroupMeta> row_groups_;
  uint64_t offset_ = 0;
  uint64_t rows_total_ = 0;
  uint64_t rows_in_group_ = 0;
  bool closed_ = false;
  Status failed_;
};

}  // namespace evpipe::parquet
