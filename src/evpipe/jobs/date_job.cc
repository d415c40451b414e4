// One date of raw-to-parquet, built aside: map the raw files, parse them in
// parallel, dedup, order, write the Parquet files and the quarantine file into
// staging directories (date_job_internal.h). Publishing is publish.cc's.
//
// Memory: lines are never copied into std::strings (raw_rows_internal.h);
// pages of the maps are dropped behind the readers and again behind the
// writer. Peak memory is then about a third of the input plus one Parquet row
// group.
#include "evpipe/jobs/date_job_internal.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/core.h>

#include "evpipe/core/clock.h"
#include "evpipe/core/progress.h"
#include "evpipe/event/event.h"
#include "evpipe/iceberg/kill_point.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/jobs/event_parquet.h"
#include "evpipe/jobs/raw_rows_internal.h"
#include "evpipe/jobs/row_order_internal.h"
#include "evpipe/parquet/file_writer.h"

namespace evpipe::jobs::internal {
namespace {

constexpr uint64_t kReleaseWhileWritingBytes = 1ull << 20;  // of payload written
constexpr uint64_t kMinChunkBytes = 1ull << 20;
// Rows gathered per batch: few enough that their lines stay in cache while each
// column takes its values from them (4096 rows of ~600 bytes did not: 8% more
// CPU). The file's bytes do not depend on it (the writer cuts pages and row
// groups at fixed counts).
constexpr size_t kBatchRows = 512;
constexpr size_t kRowGroupBytes = 16u << 20;

std::string PartName(int64_t index, std::string_view run_id) {
  return fmt::format("part-{:05d}-{}.parquet", index, run_id);
}

Status WriteSmallFile(io::FileSystem& fs, const std::string& path, std::string_view data) {
  EVPIPE_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
  EVPIPE_RETURN_IF_ERROR(file->Append(data));
  EVPIPE_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 2 : static_cast<int>(hw);
}

// The work of one date, once its input is listed and mapped.
class DateJob {
 public:
  DateJob(io::FileSystem& fs, const Options& options, std::string date, std::vector<RawFile> files,
          std::string_view run_id)
      : fs_(fs), options_(options), date_(std::move(date)), files_(std::move(files)), run_id_(run_id) {}

  // Builds the date aside (Parquet and quarantine in their staging dirs);
  // PublishRun() swaps it in.
  Result<PendingDate> Build();

 private:
  Status MapInputs();
  Status WriteParquet(const std::string& dir);
  Result<std::unique_ptr<DateSwap>> StageQuarantine();

  io::FileSystem& fs_;
  const Options& options_;
  std::string date_;
  std::vector<RawFile> files_;
  std::string_view run_id_;
  std::vector<MappedFile> maps_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<RowRef> rows_;     // valid rows, then the kept ones
  std::vector<uint32_t> order_;  // rows_ in output order
  std::vector<BadLine> bad_;
  Manifest manifest_;
  DateReport report_;
};

Status DateJob::MapInputs() {
  for (const RawFile& f : files_) {
    EVPIPE_ASSIGN_OR_RETURN(MappedFile m, MappedFile::Open(f.path));
    report_.input_bytes += m.size();
    maps_.push_back(std::move(m));
  }
  report_.input_files = static_cast<int64_t>(files_.size());
  return Status::Ok();
}

Status DateJob::WriteParquet(const std::string& dir) {
  const int64_t per_file = std::max<int64_t>(1, options_.rows_per_file);
  const int64_t total = static_cast<int64_t>(rows_.size());
  parquet::WriterOptions wopt;
  wopt.codec = options_.codec;
  wopt.zstd_level = options_.zstd_level;
  // Row groups of ~16 MiB of encoded data (the writer holds one, compressed as pages fill).
  wopt.row_group_size_bytes = kRowGroupBytes;
  const parquet::Schema schema = EventParquetSchema();
  // zstd is most of the writer's CPU and the payload most of its bytes, so
  // pages are compressed on a pool while this thread gathers and encodes the
  // next rows (the same bytes as encode_threads' column groups, whose payload
  // group held up the others: 110 -> 72 ms for a 35 MB date, 2 cores).
  wopt.compression_threads = ResolveThreads(options_.threads);
  EventBatch batch(kBatchRows);
  std::unique_ptr<Progress> progress;
  if (options_.progress) progress = std::make_unique<Progress>(fmt::format("{} writing", date_), static_cast<uint64_t>(total), "rows");
  std::string_view small[kSmallFieldCount];
  bool nulls[kSmallFieldCount];
  uint64_t since_release = 0;
  // Rows in output order hit lines all over the input, and each page fault maps
  // 64 KiB around it: drop the mapped pages often.
  const uint64_t release_every = kReleaseWhileWritingBytes;
  for (int64_t first = 0, part = 0; first < total; first += per_file, ++part) {
    const int64_t last = std::min(total, first + per_file);
    const std::string name = PartName(part, run_id_);
    EVPIPE_ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::Open(fs_, io::JoinPath(dir, name), schema, wopt));
    for (int64_t i = first; i < last; ++i) {
      const RowRef& r = rows_[order_[static_cast<size_t>(i)]];
      const char* line = maps_[r.file].data().data() + r.line_off;
      chunks_[r.chunk]->arena.Get(r.block, r.block_off, line, small, nulls);
      event::EventView ev;
      ev.event_id = small[kSfEventId];
      ev.event_type = small[kSfEventType];
      ev.schema_version = r.schema_version;
      ev.event_time_us = r.event_time_us;
      ev.ingest_time_us = r.ingest_time_us;
      auto opt = [&](int f) {
        return nulls[f] ? std::optional<std::string_view>() : std::optional<std::string_view>(small[f]);
      };
      ev.tenant_id = opt(kSfTenantId);
      ev.user_id = opt(kSfUserId);
      ev.session_id = opt(kSfSessionId);
      ev.source_system = opt(kSfSourceSystem);
      ev.environment = opt(kSfEnvironment);
      ev.record_source = opt(kSfRecordSource);
      ev.checksum = opt(kSfChecksum);
      if (r.payload_off == kPayloadInArena) {
        ev.payload = small[kSfPayload];
      } else {
        ev.payload = std::string_view(line + r.payload_off, r.payload_len);
      }
      since_release += ev.payload.size();
      batch.Add(ev);
      if (batch.size() == kBatchRows || i + 1 == last) {
        EVPIPE_RETURN_IF_ERROR(batch.WriteTo(writer.get()).WithContext(name));
        if (progress) progress->Update(static_cast<uint64_t>(i + 1));
        if (since_release >= release_every) {
          for (const MappedFile& m : maps_) m.ReleaseAll();
          since_release = 0;
        }
      }
    }
    EVPIPE_ASSIGN_OR_RETURN(parquet::FileSummary summary, writer->Close());
    manifest_.outputs.push_back(ManifestOutput{name, last - first, summary.bytes});
    report_.output_bytes += summary.bytes;
    ++report_.output_files;
  }
  if (progress) progress->Finish();
  for (const MappedFile& m : maps_) m.ReleaseAll();
  return Status::Ok();
}

// The date's quarantine file in a staging dir, or null when nothing was
// rejected (publishing then removes the date's quarantine folder).
Result<std::unique_ptr<DateSwap>> DateJob::StageQuarantine() {
  auto swap = std::make_unique<DateSwap>(fs_, io::QuarantineDir(options_.quarantine_dir, options_.topic, kQuarantineStage, date_));
  if (bad_.empty()) {
    swap->Abandon();  // a crashed run's leftover
    return std::unique_ptr<DateSwap>();
  }
  EVPIPE_RETURN_IF_ERROR(swap->Prepare());
  std::string text;
  const int64_t now = NowMicros();
  for (const BadLine& b : bad_) {
    io::QuarantineSource source;
    source.file = files_[b.file].path;
    source.line = b.line;
    const std::string_view original(maps_[b.file].data().data() + b.line_off, b.line_len);
    io::AppendQuarantineLine(original, b.reason, kQuarantineStage, date_, source, now, &text);
  }
  Status s = WriteSmallFile(fs_, io::JoinPath(swap->staging_dir(), "part-00000.ndjson"), text);
  if (!s.ok()) {
    swap->Abandon();
    return s;
  }
  return swap;
}

Result<PendingDate> DateJob::Build() {
  const int64_t start_us = MonotonicMicros();
  report_.date = date_;
  EVPIPE_RETURN_IF_ERROR(MapInputs());

  // 1. Parse every line, in parallel chunks.
  const int threads = ResolveThreads(options_.threads);
  const uint64_t target = std::max<uint64_t>(kMinChunkBytes, report_.input_bytes / (static_cast<uint64_t>(threads) * 4) + 1);
  chunks_ = SplitIntoChunks(maps_, target);
  ParseContext ctx;
  ctx.maps = &maps_;
  EVPIPE_ASSIGN_OR_RETURN(ctx.day_begin_us, event::ParseDate(date_));
  ctx.day_end_us = ctx.day_begin_us + 86'400'000'000LL - 1;  // the date's last microsecond
  {
    std::unique_ptr<Progress> progress;
    if (options_.progress) progress = std::make_unique<Progress>(fmt::format("{} reading", date_), report_.input_bytes, "B");
    ParseAll(ctx, chunks_, threads, progress.get());
    if (progress) progress->Finish();
  }
  // Merge in file order; line numbers become per file.
  size_t valid = 0;
  for (const auto& c : chunks_) valid += c->rows.size();
  rows_.reserve(valid);
  std::vector<int64_t> lines_before(files_.size(), 0);
  for (auto& c : chunks_) {
    rows_.insert(rows_.end(), c->rows.begin(), c->rows.end());
    std::vector<RowRef>().swap(c->rows);
    for (BadLine& b : c->bad) {
      b.line += lines_before[c->file];
      bad_.push_back(std::move(b));
    }
    std::vector<BadLine>().swap(c->bad);
    lines_before[c->file] += c->lines;
    report_.rows_in += c->lines;
  }
  report_.quarantined = static_cast<int64_t>(bad_.size());

  // 2. Deduplicate by event_id, 3. order by (event_time, event_id).
  const RowTable table(chunks_);
  report_.duplicates_removed = DeduplicateRows(table, &rows_);
  order_ = OutputOrder(table, rows_);
  report_.rows_out = static_cast<int64_t>(rows_.size());

  manifest_.topic = options_.topic;
  manifest_.date = date_;
  manifest_.rows_per_file = options_.rows_per_file;
  manifest_.codec = std::string(parquet::CodecName(options_.codec));
  for (const RawFile& f : files_) manifest_.inputs.push_back(ManifestInput{f.name, f.size});
  manifest_.rows_in = report_.rows_in;
  manifest_.duplicates_removed = report_.duplicates_removed;
  manifest_.quarantined = report_.quarantined;
  manifest_.rows_out = report_.rows_out;

  // 4. Write the date aside; PublishRun() swaps quarantine and Parquet in.
  PendingDate out;
  out.date = date_;
  out.parquet = std::make_unique<DateSwap>(fs_, io::DatePartitionDir(options_.parquet_dir, options_.topic, date_));
  EVPIPE_RETURN_IF_ERROR(out.parquet->Prepare().WithContext("date=" + date_));
  Status s = WriteParquet(out.parquet->staging_dir());
  if (s.ok()) {
    auto q = StageQuarantine();
    if (q.ok()) {
      out.quarantine = std::move(*q);
    } else {
      s = q.status();
    }
  }
  if (!s.ok()) {
    out.parquet->Abandon();
    return s.WithContext("date=" + date_);
  }
  iceberg::KillPoint("date built");
  report_.seconds = static_cast<double>(MonotonicMicros() - start_us) / 1e6;
  out.report = report_;
  out.manifest = std::move(manifest_);
  return out;
}

}  // namespace

Result<PendingDate> BuildDate(io::FileSystem& fs, const Options& options, std::string date,
                              std::vector<RawFile> files, std::string_view run_id) {
  DateJob job(fs, options, std::move(date), std::move(files), run_id);
  return job.Build();
}

}  // namespace evpipe::jobs::internal
