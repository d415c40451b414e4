// `evpipe raw-to-parquet`: compact a date of raw NDJSON into deduplicated Parquet
// (docs/formats/raw_to_parquet.md).
#include <cstdio>
#include <string>
#include <vector>

#include "evpipe/cli/command.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/format.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/raw_to_parquet.h"
#include "evpipe/jobs/roots.h"

namespace evpipe::cli {
namespace {

struct RawToParquetArgs {
  std::string date;
  bool all = false;
  bool json = false;
  bool no_iceberg = false;
  std::string codec = "zstd";
  jobs::Options options;
};

void PrintReport(const jobs::DateReport& r, bool json) {
  const std::string line = json ? r.ToJson() : r.ToLine();
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "evpipe raw-to-parquet: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

int Run(RawToParquetArgs& args) {
  auto codec = parquet::ParseCodec(args.codec);
  if (!codec.ok()) return Fail(codec.status());
  args.options.codec = *codec;
  io::FileSystem& fs = io::FileSystem::Default();
  if (!args.all && args.date.empty()) {
    return Fail(Status::InvalidArgument("give --date YYYY-MM-DD or --all"));
  }
  args.options.iceberg = !args.no_iceberg;
  if (args.no_iceberg && !args.options.iceberg_catalog.empty()) {
    return Fail(Status::InvalidArgument("--iceberg-catalog (ICEBERG_CATALOG) needs the table: drop --no-iceberg"));
  }
  // Before anything reads or creates a path (security audit finding 4).
  if (Status s = jobs::CheckTopicAndRoots(args.options); !s.ok()) return Fail(s);
  std::vector<std::string> dates;
  if (!args.all) {
    // Check the date before taking the lock (a typo must not create directories).
    if (Status s = jobs::CheckDate(fs, args.options, args.date); !s.ok()) return Fail(s);
    dates.push_back(args.date);
  } else {
    auto listed = jobs::ListDates(fs, args.options);  // before the lock: no raw data creates nothing
    if (!listed.ok()) return Fail(listed.status());
    dates = std::move(*listed);
  }
  auto lock = jobs::TopicLock::Acquire(fs, args.options);
  if (!lock.ok()) return Fail(lock.status());
  jobs::RunReport run = jobs::RunConversion(fs, args.options, dates, args.all);
  if (!run.status.ok()) return Fail(run.status);
  int code = kExitOk;
  jobs::DateReport total;
  int64_t converted = 0;
  int64_t skipped = 0;
  for (const jobs::DateOutcome& d : run.dates) {
    if (d.status.ok()) {
      (d.report.skipped ? skipped : converted) += 1;
      total.rows_in += d.report.rows_in;
      total.duplicates_removed += d.report.duplicates_removed;
      total.quarantined += d.report.quarantined;
      total.rows_out += d.report.rows_out;
      total.output_files += d.report.output_files;
      total.output_bytes += d.report.output_bytes;
      total.seconds += d.report.seconds;
    }
    if (!d.status.ok()) {
      // --all goes on with the other dates; one date's error is one line.
      std::fprintf(stderr, "evpipe raw-to-parquet: %s\n", d.status.ToString().c_str());
      code = d.status.code() == StatusCode::kInvalidArgument && !args.all ? kExitUsage : kExitFailure;
      continue;
    }
    PrintReport(d.report, args.json);
  }
  if (args.all && !args.json) {
    std::fprintf(stdout, "total: %s (%lld converted, %lld unchanged): rows in %lld, duplicates %lld, quarantined %lld, "
                 "rows out %lld, files %lld, %s, %.2f s\n",
                 Plural(static_cast<uint64_t>(converted + skipped), "date").c_str(), static_cast<long long>(converted),
                 static_cast<long long>(skipped), static_cast<long long>(total.rows_in),
                 static_cast<long long>(total.duplicates_removed), static_cast<long long>(total.quarantined),
                 static_cast<long long>(total.rows_out), static_cast<long long>(total.output_files),
                 FormatBytes(static_cast<double>(total.output_bytes)).c_str(), total.seconds);
  }
  if (!run.table.empty() && !args.json) std::fprintf(stdout, "%s\n", run.table.c_str());
  if (!args.json && code == kExitOk) {
    const std::string glob = io::JoinPath(io::JoinPath(args.options.parquet_dir, args.options.topic), "*/*.parquet");
    std::fprintf(stderr,
                 "look at it: make query  (or: duckdb -c \"SELECT ingest_date, count(*) FROM read_parquet('%s', "
                 "hive_partitioning=true) GROUP BY 1 ORDER BY 1\")\n",
                 glob.c_str());
  }
  return code;
}

}  // namespace

void RegisterRawToParquet(CLI::App& root, Context& ctx) {
  auto args = std::make_shared<RawToParquetArgs>();
  CLI::App* sub = root.add_subcommand(
      "raw-to-parquet",
      "compact a date of raw NDJSON into deduplicated Parquet (one ingest_date replaced atomically)");
  AddDate(sub, args->date);
  sub->add_flag("--all", args->all, "convert every date whose raw input changed since its last conversion");
  AddTopic(sub, args->options.topic);
  AddRawDir(sub, args->options.raw_dir);
  AddParquetDir(sub, args->options.parquet_dir);
  AddQuarantineDir(sub, args->options.quarantine_dir);
  AddRowsPerFile(sub, args->options.rows_per_file);
  sub->add_option("--codec", args->codec, "Parquet page codec: zstd, snappy or uncompressed")->capture_default_str();
  args->options.zstd_level = parquet::kDefaultZstdLevel;
  sub->add_option("--zstd-level", args->options.zstd_level, "zstd level (1 = fast)")
      ->check(CLI::Range(-7, 22))->capture_default_str();
  sub->add_option("--threads", args->options.threads, "parse threads (0 = one per core)")
      ->check(CLI::Range(0, 256))->capture_default_str();
  sub->add_flag("--no-iceberg", args->no_iceberg,
                "write the Parquet files only: no Iceberg snapshot of PARQUET_DIR/<topic> (docs/formats/iceberg.md)");
  sub->add_option("--iceberg-catalog", args->options.iceberg_catalog,
                  "also register the table in this SQLite catalog (sqlite:///path.db; JdbcCatalog/SqlCatalog schema)")
      ->envname("ICEBERG_CATALOG");
  sub->add_flag("--force", args->options.force,
                "replace a date that has Parquet output even when its raw input is now empty");
  sub->add_flag("--json", args->json, "one JSON object per date on stdout instead of the summary line");
  sub->callback([&ctx, args] {
    args->options.progress = !args->json;
    ctx.exit_code = Run(*args);
  });
}

}  // namespace evpipe::cli
