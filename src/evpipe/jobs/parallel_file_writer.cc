// ParallelFileWriter: FileWriter's layout with column groups encoded in parallel.
#include "evpipe/jobs/parallel_file_writer.h"

#include <algorithm>
#include <bit>
#include <numeric>

#include "evpipe/core/version.h"
#include "evpipe/parquet/encoding.h"
#include "evpipe/parquet/metadata.h"

namespace evpipe::jobs {
namespace {

constexpr std::string_view kMagic = "PAR1";
// Must match parquet::FileWriter's check points, so that row groups are cut at
// the same rows and the bytes are the same.
constexpr size_t kCheckEveryRows = 1024;

}  // namespace

Result<std::unique_ptr<ParallelFileWriter>> ParallelFileWriter::Open(io::FileSystem& fs, const std::string& path,
                                                                     parquet::Schema schema,
                                                                     parquet::WriterOptions options, int threads,
                                                                     std::vector<double> weights) {
  EVPIPE_RETURN_IF_ERROR(schema.Validate());
  if (options.page_size_bytes == 0 || options.page_max_rows == 0 || options.row_group_size_bytes == 0) {
    return Status::InvalidArgument("parquet writer: page and row group sizes must be positive");
  }
  std::unique_ptr<ParallelFileWriter> w(new ParallelFileWriter(std::move(schema), std::move(options)));
  const size_t ncols = w->schema_.columns.size();
  const size_t ngroups = std::clamp<size_t>(static_cast<size_t>(std::max(threads, 1)), 1, ncols);
  if (weights.size() != ncols) weights.assign(ncols, 1.0);
  // Heaviest column first onto the lightest group (LPT); ties by index, so deterministic.
  std::vector<size_t> order(ncols);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return weights[a] > weights[b]; });
  std::vector<double> load(ngroups, 0);
  w->groups_.resize(ngroups);
  std::vector<size_t> group_of(ncols);
  for (size_t c : order) {
    const size_t g = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[g] += weights[c];
    group_of[c] = g;
  }
  for (size_t c = 0; c < ncols; ++c) w->groups_[group_of[c]].push_back(c);
  for (size_t g = 0; g < ngroups; ++g) {
    EVPIPE_ASSIGN_OR_RETURN(auto comp, parquet::Compressor::Make(w->options_.codec, w->options_.zstd_level));
    w->compressors_.push_back(std::move(comp));
  }
  for (size_t c = 0; c < ncols; ++c) {
    // No PagePool: each group compresses its own pages on its own thread.
    w->columns_.push_back(std::make_unique<parquet::ColumnWriter>(w->schema_.columns[c], w->options_,
                                                                  w->compressors_[group_of[c]].get(), nullptr));
  }
  EVPIPE_ASSIGN_OR_RETURN(w->file_, fs.NewWritableFile(path));
  EVPIPE_RETURN_IF_ERROR(w->file_->Append(kMagic).WithContext(path));
  w->offset_ = kMagic.size();
  w->results_.resize(ngroups);
  for (size_t g = 1; g < ngroups; ++g) w->workers_.emplace_back(&ParallelFileWriter::WorkerLoop, w.get(), g);
  return w;
}

ParallelFileWriter::~ParallelFileWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ParallelFileWriter::WorkerLoop(size_t group) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<Status(size_t)>* task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
    }
    Status s;
    try {
      s = (*task)(group);
    } catch (const std::exception& e) {  // a thread entry point never lets an exception out
      s = Status::Internal(std::string("parquet writer thread: ") + e.what());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      results_[group] = std::move(s);
      --pending_;
    }
    cv_.notify_all();
  }
}

Status ParallelFileWriter::RunGroups(const std::function<Status(size_t)>& fn) {
  if (!workers_.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    pending_ = workers_.size();
    ++generation_;
  }
  cv_.notify_all();
  Status first = fn(0);
  if (!workers_.empty()) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return pending_ == 0; });
    for (size_t g = 1; g < results_.size(); ++g) {
      if (first.ok() && !results_[g].ok()) first = results_[g];
    }
  }
  return first;
}

Status ParallelFileWriter::Fail(Status s) {
  if (failed_.ok()) failed_ = s;
  return s;
}

Status ParallelFileWriter::WriteBatch(size_t num_rows, std::span<const parquet::ColumnValues> columns) {
  if (!failed_.ok()) return failed_;
  if (closed_) return Status::InvalidArgument("parquet writer: WriteBatch after Close");
  if (columns.size() != columns_.size()) {
    return Status::InvalidArgument("parquet writer: batch has " + std::to_string(columns.size()) + " columns, schema has " +
                                   std::to_string(columns_.size()));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const parquet::Column& c = schema_.columns[i];
    const parquet::ColumnValues& v = columns[i];
    const size_t n = c.physical == parquet::PhysicalType::kByteArray ? v.strings.size()
                     : c.physical == parquet::PhysicalType::kInt32  ? v.int32s.size()
                                                                    : v.int64s.size();
    if (n != num_rows || (!v.nulls.empty() && (!c.optional() || v.nulls.size() != num_rows))) {
      return Status::InvalidArgument("parquet writer: column '" + c.name + "' does not match the batch");
    }
  }
  size_t begin = 0;
  while (begin < num_rows) {
    size_t next_check = rows_in_group_ < kCheckEveryRows
                            ? (rows_in_group_ == 0 ? 1 : std::bit_floor(rows_in_group_) * 2)
                            : (rows_in_group_ / kCheckEveryRows + 1) * kCheckEveryRows;
    if (options_.row_group_max_rows > 0) next_check = std::min(next_check, options_.row_group_max_rows);
    const size_t end = std::min(num_rows, begin + (next_check - rows_in_group_));
    Status s = RunGroups([&](size_t g) {
      for (size_t c : groups_[g]) EVPIPE_RETURN_IF_ERROR(columns_[c]->Append(columns[c], begin, end));
      return Status::Ok();
    });
    if (!s.ok()) return Fail(std::move(s));
    rows_in_group_ += end - begin;
    rows_total_ += end - begin;
    begin = end;
    if (rows_in_group_ != next_check) continue;
    size_t buffered = 0;
    for (const auto& c : columns_) buffered += c->BufferedBytes();
    if (buffered >= options_.row_group_size_bytes ||
        (options_.row_group_max_rows > 0 && rows_in_group_ >= options_.row_group_max_rows)) {
      EVPIPE_RETURN_IF_ERROR(FlushRowGroup());
    }
  }
  return Status::Ok();
}

Status ParallelFileWriter::FlushRowGroup() {
  if (rows_in_group_ == 0) return Status::Ok();
  Status s = RunGroups([&](size_t g) {
    for (size_t c : groups_[g]) EVPIPE_RETURN_IF_ERROR(columns_[c]->FinishChunk());
    return Status::Ok();
  });
  if (!s.ok()) return Fail(std::move(s));
  parquet::RowGroupMeta rg;
  rg.num_rows = static_cast<int64_t>(rows_in_group_);
  rg.file_offset = static_cast<int64_t>(offset_);
  for (auto& c : columns_) {
    parquet::ColumnChunkMeta m = c->Meta(static_cast<int64_t>(offset_));
    std::vector<std::string_view> parts = c->data_pages();
    parts.insert(parts.begin(), c->dictionary_page());
    for (std::string_view part : parts) {
      if (part.empty()) continue;
      s = file_->Append(part);
      if (!s.ok()) return Fail(s.WithContext(file_->path()));
      offset_ += part.size();
    }
    rg.total_byte_size += m.total_uncompressed_size;
    rg.total_compressed_size += m.total_compressed_size;
    rg.columns.push_back(std::move(m));
    c->ResetChunk();
  }
  row_groups_.push_back(std::move(rg));
  rows_in_group_ = 0;
  return Status::Ok();
}

Result<parquet::FileSummary> ParallelFileWriter::Close() {
  if (!failed_.ok()) return failed_;
  if (closed_) return Status::InvalidArgument("parquet writer: Close called twice");
  EVPIPE_RETURN_IF_ERROR(FlushRowGroup());
  std::string footer;
  parquet::SerializeFileMetaData(schema_, row_groups_, static_cast<int64_t>(rows_total_), options_.key_value_metadata,
                                 kCreatedBy, &footer);
  parquet::AppendLe32(&footer, static_cast<uint32_t>(footer.size()));
  footer.append(kMagic);
  auto fail = [&](Status s) { return Fail(s.WithContext(file_->path())); };
  if (Status s = file_->Append(footer); !s.ok()) return fail(std::move(s));
  offset_ += footer.size();
  if (options_.sync_on_close) {
    if (Status s = file_->Sync(); !s.ok()) return fail(std::move(s));
  }
  if (Status s = file_->Close(); !s.ok()) return fail(std::move(s));
  closed_ = true;
  parquet::FileSummary summary;
  summary.rows = rows_total_;
  summary.bytes = offset_;
  summary.row_groups = static_cast<uint32_t>(row_groups_.size());
  return summary;
}

}  // namespace evpipe::jobs
