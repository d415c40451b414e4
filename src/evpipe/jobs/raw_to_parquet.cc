// raw-to-parquet's entry points: one run over some dates (build each aside,
// then publish them together), the reports, the job manifest's path, the
// topic lock. The steps live in date_job.cc (one date: raw_rows.cc reads,
// row_order.cc dedups and orders) and publish.cc (the swap and the commit).
#include "evpipe/jobs/raw_to_parquet.h"


#include <ctime>
#include <optional>
#include <random>
#include <utility>

#include <fmt/core.h>

#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/jobs/date_job_internal.h"
#include "evpipe/jobs/event_table.h"
#include "evpipe/jobs/publish_internal.h"
#include "evpipe/jobs/raw_input.h"

namespace evpipe::jobs {
namespace {

using internal::PendingDate;

Result<std::vector<RawFile>> ListDateInput(io::FileSystem& fs, const Options& options, std::string_view date) {
  EVPIPE_RETURN_IF_ERROR(CheckDate(fs, options, date));
  return ListRawFiles(fs, io::DatePartitionDir(options.raw_dir, options.topic, date));
}

}  // namespace

Status CheckDate(io::FileSystem& fs, const Options& options, std::string_view date) {
  if (!event::ParseDate(date).ok()) {
    return Status::InvalidArgument(fmt::format("bad date '{}': expected YYYY-MM-DD, a real calendar date", date));
  }
  const std::string dir = io::DatePartitionDir(options.raw_dir, options.topic, date);
  if (!fs.Exists(dir)) {
    return Status::NotFound(fmt::format("no raw partition for date {}: {} does not exist", date, dir));
  }
  return Status::Ok();
}

std::string DateReport::ToLine() const {
  if (skipped) {
    return fmt::format("{}: unchanged, skipped (rows in {}, duplicates {}, quarantined {}, rows out {}, files {})",
                       date, rows_in, duplicates_removed, quarantined, rows_out, output_files);
  }
  const double rate = seconds > 0 ? static_cast<double>(rows_in) / seconds : 0;
  return fmt::format("{}: rows in {}, duplicates {}, quarantined {}, rows out {}, files {}, {}, {:.2f} s, {}", date,
                     rows_in, duplicates_removed, quarantined, rows_out, output_files,
                     FormatBytes(static_cast<double>(output_bytes)), seconds, FormatRate(rate, "rows"));
}

std::string DateReport::ToJson() const {
  const double rate = seconds > 0 ? static_cast<double>(rows_in) / seconds : 0;
  return fmt::format(
      "{{\"date\":\"{}\",\"skipped\":{},\"input_files\":{},\"input_bytes\":{},\"rows_in\":{},"
      "\"duplicates_removed\":{},\"quarantined\":{},\"rows_out\":{},\"output_files\":{},\"output_bytes\":{},"
      "\"seconds\":{:.3f},\"rows_per_second\":{:.0f}}}",
      date, skipped ? "true" : "false", input_files, input_bytes, rows_in, duplicates_removed, quarantined, rows_out,
      output_files, output_bytes, seconds, rate);
}

std::string JobManifestPath(const Options& options, std::string_view date) {
  return io::JoinPath(io::JoinPath(io::JoinPath(options.parquet_dir, options.topic), kJobManifestDir),
                      "ingest_date=" + std::string(date) + ".json");
}

std::string NewRunId() {
  const int64_t now = NowMicros();
  const std::time_t secs = static_cast<std::time_t>(now / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  return fmt::format("{}-{:08x}", stamp, rd());
}

RunReport RunConversion(io::FileSystem& fs, const Options& options, const std::vector<std::string>& dates,
                        bool only_changed) {
  RunReport run;
  const std::string run_id = options.run_id.empty() ? NewRunId() : options.run_id;
  std::optional<TableSession> table;
  Status s = fs.CreateDirs(io::JoinPath(options.parquet_dir, options.topic));
  if (s.ok() && options.iceberg) {
    auto opened = TableSession::Open(fs, options.parquet_dir, options.topic, options.iceberg_catalog);
    if (opened.ok()) {
      table.emplace(std::move(*opened));
    } else {
      s = opened.status();
    }
  }
  if (!s.ok()) {
    run.status = s;
    return run;
  }
  std::vector<PendingDate> built;
  for (const std::string& date : dates) {
    DateOutcome outcome;
    outcome.date = date;
    auto files = ListDateInput(fs, options, date);
    if (!files.ok()) {
      outcome.status = files.status();
      run.dates.push_back(std::move(outcome));
      continue;
    }
    const std::vector<std::string> published = internal::PublishedFiles(fs, options, date);
    if (only_changed) {
      auto manifest = ReadManifest(fs, options, date);
      if (manifest.ok() && internal::SameInputs(*manifest, options, date, *files) &&
          internal::OutputNames(*manifest) == published &&
          (!table || table->FileNames(date) == published)) {
        outcome.report = internal::SkippedReport(date, *files, *manifest);
        run.dates.push_back(std::move(outcome));
        continue;
      }
    }
    uint64_t input_bytes = 0;
    for (const RawFile& f : *files) input_bytes += f.size;
    if (input_bytes == 0 && !options.force && (!published.empty() || (table && !table->FileNames(date).empty()))) {
      outcome.status = Status::AlreadyExists(fmt::format(
          "date {}: its raw input is empty ({} files, 0 bytes) but it has Parquet output; refusing to replace it "
          "with nothing (--force does)",
          date, files->size()));
      run.dates.push_back(std::move(outcome));
      continue;
    }
    auto pending = internal::BuildDate(fs, options, date, std::move(*files), run_id);
    if (!pending.ok()) {
      outcome.status = pending.status();
      run.dates.push_back(std::move(outcome));
      continue;
    }
    outcome.report = pending->report;
    outcome.built = true;
    built.push_back(std::move(*pending));
    run.dates.push_back(std::move(outcome));
  }
  s = internal::PublishRun(fs, options, built, table ? &*table : nullptr, run_id);
  if (!s.ok()) {
    internal::AbandonAll(built);
    run.status = s;
    return run;
  }
  if (table && !built.empty()) run.table = table->Describe();
  return run;
}

namespace {

// One checked date as a run of its own: the run's error, else the date's.
Result<DateReport> ConvertOneDate(io::FileSystem& fs, const Options& options, std::string_view date,
                                  bool only_changed) {
  EVPIPE_RETURN_IF_ERROR(CheckDate(fs, options, date));
  RunReport run = RunConversion(fs, options, {std::string(date)}, only_changed);
  if (!run.status.ok()) return run.status;
  if (!run.dates[0].status.ok()) return run.dates[0].status;
  return run.dates[0].report;
}

}  // namespace

Result<DateReport> ConvertDate(io::FileSystem& fs, const Options& options, std::string_view date) {
  return ConvertOneDate(fs, options, date, false);
}

Result<std::vector<std::string>> ListDates(io::FileSystem& fs, const Options& options) {
  auto dates = ListRawDates(fs, options.raw_dir, options.topic);
  if (!dates.ok() && dates.status().code() == StatusCode::kNotFound) {
    return Status::NotFound(fmt::format("no raw data: {} does not exist (run make sink-raw first, or set RAW_DIR / --raw-dir to GEN_DIR for make gen output)",
                                        io::JoinPath(options.raw_dir, options.topic)));
  }
  return dates;
}

Result<Manifest> ReadManifest(io::FileSystem& fs, const Options& options, std::string_view date) {
  EVPIPE_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(JobManifestPath(options, date)));
  return ParseManifest(text);
}

Result<DateReport> ConvertDateIfChanged(io::FileSystem& fs, const Options& options, std::string_view date) {
  return ConvertOneDate(fs, options, date, true);
}

Result<TopicLock> TopicLock::Acquire(io::FileSystem& fs, const Options& options) {
  const std::string dir = io::JoinPath(options.parquet_dir, options.topic);
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  const std::string path = io::JoinPath(dir, ".raw-to-parquet.lock");
  auto lock = fs.LockFile(path, io::LockMode::kTry);
  if (lock.status().code() == StatusCode::kUnavailable) {
    return Status::Unavailable("another raw-to-parquet is running on " + dir + " (lock " + path + ")");
  }
  if (!lock.ok()) return lock.status();
  return TopicLock(std::move(lock).value());
}

}  // namespace evpipe::jobs
