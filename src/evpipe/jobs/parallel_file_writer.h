// A Parquet file writer that encodes column chunks on several threads. It is
// parquet::FileWriter's twin (same ColumnWriter, same row group cut points,
// same footer), so the bytes are identical to FileWriter's for the same rows
// and options, whatever the thread count; only the encoding and compression of
// different columns run at the same time. It lives in jobs because the job is
// its only user; it depends on the parquet module's public headers only.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/parquet/column_values.h"
#include "evpipe/parquet/column_writer.h"
#include "evpipe/parquet/compression.h"
#include "evpipe/parquet/file_writer.h"
#include "evpipe/parquet/schema.h"
#include "evpipe/parquet/writer_options.h"

namespace evpipe::jobs {

// Called by one thread (it owns the helper threads it starts). Contract as
// parquet::FileWriter: after an error the writer is failed and the file garbage.
class ParallelFileWriter {
 public:
  // `weights` (one per column, or empty = equal) estimates each column's
  // encoding cost; columns are split into `threads` groups of similar weight.
  static Result<std::unique_ptr<ParallelFileWriter>> Open(io::FileSystem& fs, const std::string& path,
                                                           parquet::Schema schema, parquet::WriterOptions options,
                                                           int threads, std::vector<double> weights = {});
  ~ParallelFileWriter();
  ParallelFileWriter(const ParallelFileWriter&) = delete;
  ParallelFileWriter& operator=(const ParallelFileWriter&) = delete;

  Status WriteBatch(size_t num_rows, std::span<const parquet::ColumnValues> columns);
  Result<parquet::FileSummary> Close();

 private:
  ParallelFileWriter(parquet::Schema schema, parquet::WriterOptions options)
      : schema_(std::move(schema)), options_(std::move(options)) {}
  // Runs fn(group) for every group, group 0 on the calling thread; the first error wins.
  Status RunGroups(const std::function<Status(size_t)>& fn);
  void WorkerLoop(size_t group);
  Status FlushRowGroup();
  Status Fail(Status s);

  parquet::Schema schema_;
  parquet::WriterOptions options_;
  std::unique_ptr<io::WritableFile> file_;
  std::vector<std::unique_ptr<parquet::Compressor>> compressors_;  // one per group
  std::vector<std::unique_ptr<parquet::ColumnWriter>> columns_;
  std::vector<std::vector<size_t>> groups_;  // column indexes per group
  std::vector<parquet::RowGroupMeta> row_groups_;
  uint64_t offset_ = 0;
  uint64_t rows_total_ = 0;
  uint64_t rows_in_group_ = 0;
  bool closed_ = false;
  Status failed_;

  // Helper threads (groups 1..n-1) and the task they are given.
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<Status(size_t)>* task_ = nullptr;
  uint64_t generation_ = 0;
  size_t pending_ = 0;
  bool stop_ = false;
  std::vector<Status> results_;
};

}  // namespace evpipe::jobs
