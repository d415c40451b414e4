// FileWriter: row groups, footer, and the file layout (see file_writer.h).
#include "evpipe/parquet/file_writer.h"

#include <algorithm>
#include <bit>

#include "evpipe/core/version.h"
#include "evpipe/parquet/column_groups_internal.h"
#include "evpipe/parquet/encoding.h"

namespace evpipe::parquet {

namespace {
constexpr std::string_view kMagic = "PAR1";
constexpr size_t kCheckEveryRows = 1024;
}  // namespace

Result<std::unique_ptr<FileWriter>> FileWriter::Open(io::FileSystem& fs, const std::string& path,
                                                     Schema schema, WriterOptions options) {
  EVPIPE_RETURN_IF_ERROR(schema.Validate());
  if (options.page_size_bytes == 0 || options.page_max_rows == 0 || options.row_group_size_bytes == 0) {
    return Status::InvalidArgument("parquet writer: page and row group sizes must be positive");
  }
  if (options.compression_threads < 0 || options.compression_threads > 64) {
    return Status::InvalidArgument("parquet writer: compression_threads must be 0..64");
  }
  if (options.encode_threads < 1 || options.encode_threads > 64) {
    return Status::InvalidArgument("parquet writer: encode_threads must be 1..64");
  }
  if (options.encode_threads > 1 && options.compression_threads > 0) {
    return Status::InvalidArgument("parquet writer: use encode_threads or compression_threads, not both");
  }
  std::unique_ptr<FileWriter> w(new FileWriter(std::move(schema), std::move(options)));
  const size_t ncols = w->schema_.columns.size();
  w->groups_ = std::make_unique<internal::ColumnGroups>(ncols, w->options_.encode_threads, w->options_.column_weights);
  for (size_t g = 0; g < w->groups_->size(); ++g) {
    EVPIPE_ASSIGN_OR_RETURN(auto compressor, Compressor::Make(w->options_.codec, w->options_.zstd_level));
    w->compressors_.push_back(std::move(compressor));
  }
  if (w->options_.compression_threads > 0) {
    EVPIPE_ASSIGN_OR_RETURN(w->pool_, PagePool::Make(w->options_.codec, w->options_.zstd_level,
                                                     w->options_.compression_threads));
  }
  for (size_t c = 0; c < ncols; ++c) {
    w->columns_.push_back(std::make_unique<ColumnWriter>(
        w->schema_.columns[c], w->options_, w->compressors_[w->groups_->group_of(c)].get(), w->pool_.get()));
  }
  EVPIPE_ASSIGN_OR_RETURN(w->file_, fs.NewWritableFile(path));
  EVPIPE_RETURN_IF_ERROR(w->file_->Append(kMagic).WithContext(path));
  w->offset_ = kMagic.size();
  return w;
}

FileWriter::FileWriter(Schema schema, WriterOptions options)
    : schema_(std::move(schema)), options_(std::move(options)) {}

FileWriter::~FileWriter() = default;

Status FileWriter::Fail(Status s) {
  if (failed_.ok()) failed_ = s;
  return s;
}

Status FileWriter::Validate(size_t num_rows, std::span<const ColumnValues> columns) const {
  if (columns.size() != schema_.columns.size()) {
    return Status::InvalidArgument("parquet writer: batch has " + std::to_string(columns.size()) +
                                   " columns, schema has " + std::to_string(schema_.columns.size()));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = schema_.columns[i];
    const ColumnValues& v = columns[i];
    size_t n = c.physical == PhysicalType::kByteArray ? v.strings.size()
               : c.physical == PhysicalType::kInt32   ? v.int32s.size()
                                                      : v.int64s.size();
    size_t others = v.strings.size() + v.int32s.size() + v.int64s.size() - n;
    if (n != num_rows || others != 0) {
      return Status::InvalidArgument("parquet writer: column '" + c.name + "' needs " +
                                     std::to_string(num_rows) + " " +
                                     std::string(PhysicalTypeName(c.physical)) + " values");
    }
    if (!v.nulls.empty() && (!c.optional() || v.nulls.size() != num_rows)) {
      return Status::InvalidArgument("parquet writer: column '" + c.name + "': " +
                                     (c.optional() ? "nulls must have one entry per row"
                                                   : "is required and cannot hold nulls"));
    }
  }
  return Status::Ok();
}

Status FileWriter::WriteBatch(size_t num_rows, std::span<const ColumnValues> columns) {
  if (!failed_.ok()) return failed_;
  if (closed_) return Status::InvalidArgument("parquet writer: WriteBatch after Close");
  EVPIPE_RETURN_IF_ERROR(Validate(num_rows, columns));
  size_t begin = 0;
  while (begin < num_rows) {
    // The row group is checked for fullness at fixed row counts (1, 2, 4, ...
    // 1024, then every 1024 rows), so where it is cut does not depend on how
    // the caller split the rows into batches.
    size_t next_check = rows_in_group_ < kCheckEveryRows
                            ? (rows_in_group_ == 0 ? 1 : std::bit_floor(rows_in_group_) * 2)
                            : (rows_in_group_ / kCheckEveryRows + 1) * kCheckEveryRows;
    if (options_.row_group_max_rows > 0) next_check = std::min(next_check, options_.row_group_max_rows);
    size_t step = next_check - rows_in_group_;
    size_t end = std::min(num_rows, begin + step);
    Status s = groups_->Run([&](size_t g) {
      for (size_t c : groups_->columns(g)) EVPIPE_RETURN_IF_ERROR(columns_[c]->Append(columns[c], begin, end));
      return Status::Ok();
    });
    if (!s.ok()) return Fail(std::move(s));
    rows_in_group_ += end - begin;
    rows_total_ += end - begin;
    begin = end;
    if (rows_in_group_ != next_check) continue;  // the batch ended between checks
    size_t buffered = 0;
    for (const auto& c : columns_) buffered += c->BufferedBytes();
    if (buffered >= options_.row_group_size_bytes ||
        (options_.row_group_max_rows > 0 && rows_in_group_ >= options_.row_group_max_rows)) {
      EVPIPE_RETURN_IF_ERROR(FlushRowGroup());
    }
  }
  return Status::Ok();
}

Status FileWriter::FlushRowGroup() {
  if (rows_in_group_ == 0) return Status::Ok();
  RowGroupMeta rg;
  rg.num_rows = static_cast<int64_t>(rows_in_group_);
  rg.file_offset = static_cast<int64_t>(offset_);
  Status finished = groups_->Run([&](size_t g) {
    for (size_t c : groups_->columns(g)) EVPIPE_RETURN_IF_ERROR(columns_[c]->FinishChunk());
    return Status::Ok();
  });
  if (!finished.ok()) return Fail(std::move(finished));
  if (pool_ != nullptr) {
    if (Status s = pool_->Wait(); !s.ok()) return Fail(std::move(s));
  }
  for (auto& c : columns_) {
    Status s;
    ColumnChunkMeta m = c->Meta(static_cast<int64_t>(offset_));
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

Result<FileSummary> FileWriter::Close() {
  if (!failed_.ok()) return failed_;
  if (closed_) return Status::InvalidArgument("parquet writer: Close called twice");
  EVPIPE_RETURN_IF_ERROR(FlushRowGroup());
  std::string footer;
  SerializeFileMetaData(schema_, row_groups_, static_cast<int64_t>(rows_total_),
                        options_.key_value_metadata, kCreatedBy, &footer);
  AppendLe32(&footer, static_cast<uint32_t>(footer.size()));
  footer.append(kMagic);
  auto fail = [&](Status s) { return Fail(s.WithContext(file_->path())); };
  if (Status s = file_->Append(footer); !s.ok()) return fail(std::move(s));
  offset_ += footer.size();
  if (options_.sync_on_close) {
    if (Status s = file_->Sync(); !s.ok()) return fail(std::move(s));
  }
  if (Status s = file_->Close(); !s.ok()) return fail(std::move(s));
  closed_ = true;
  FileSummary summary;
  summary.rows = rows_total_;
  summary.bytes = offset_;
  summary.row_groups = static_cast<uint32_t>(row_groups_.size());
  return summary;
}

}  // namespace evpipe::parquet
