// `evpipe reconcile`: per ingest_date, what the simulator made against what the
// topic, raw files, quarantine and Parquet hold, and whether they balance
// (the counting is jobs/reconcile.h; this prints it).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/cli/sim_flags.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/names.h"
#include "evpipe/jobs/reconcile.h"

namespace evpipe::cli {
namespace {

struct ReconcileFlags {
  jobs::ReconcileOptions job;
  SimulatorFlags sim;
  int64_t started_ms = 0;
  bool json = false;
  CLI::App* app = nullptr;
};

std::string Cell(int64_t v) { return v < 0 ? "n/a" : std::to_string(v); }

// The simulator flags the user did not give come from the run record.
void ApplyRecord(ReconcileFlags& f, const jobs::RunRecord& record) {
  sim::Options& o = f.sim.options;
  const sim::Options& r = record.options;
  auto unset = [&f](const char* name) { return f.app->get_option(name)->count() == 0; };
  if (unset("--orders")) o.orders = r.orders;
  if (unset("--seed")) o.seed = r.seed;
  if (unset("--tenants")) o.tenants = r.tenants;
  if (unset("--start")) o.start_time_us = r.start_time_us;
  if (unset("--span-days")) o.span_days = r.span_days;
  if (unset("--duplicate-rate")) o.duplicate_rate = r.duplicate_rate;
  if (unset("--late-rate")) o.late_rate = r.late_rate;
  if (unset("--max-lateness")) o.max_lateness_us = r.max_lateness_us;
  if (unset("--poison-rate")) o.poison_rate = r.poison_rate;
  if (unset("--environment")) o.environment = r.environment;
}

int RunReconcile(ReconcileFlags& f) {
  if (std::string err = f.sim.Resolve(); !err.empty()) {
    std::fprintf(stderr, "evpipe reconcile: %s\n", err.c_str());
    return kExitUsage;
  }
  jobs::ReconcileOptions& o = f.job;
  // The topic names folders: only Kafka's names (no '/', no "..").
  if (Status t = ValidateTopicName(o.topic); !t.ok()) {
    std::fprintf(stderr, "evpipe reconcile: --topic: %s\n", t.message().c_str());
    return kExitUsage;
  }
  io::FileSystem& fs = io::FileSystem::Default();
  auto record = jobs::ReadRunRecord(fs, o.raw_dir, o.topic);
  if (!record.ok()) {
    std::fprintf(stderr, "evpipe reconcile: warning: %s (using the flags as given)\n",
                 record.status().message().c_str());
    record = std::optional<jobs::RunRecord>();
  }
  if (record->has_value()) ApplyRecord(f, **record);
  o.sim = f.sim.options;
  auto report = jobs::Reconcile(fs, o, *record);
  if (!report.ok()) {
    std::fprintf(stderr, "evpipe reconcile: %s\n", report.status().message().c_str());
    return kExitFailure;
  }
  const jobs::ReconcileReport& r = *report;
  if (!r.topic_warning.empty()) {
    std::fprintf(stderr, "evpipe reconcile: warning: %s (--skip-topic leaves it out)\n", r.topic_warning.c_str());
  }
  if (f.json) {
    std::string out = r.ToJson() + "\n";
    std::fputs(out.c_str(), stdout);
    return r.unbalanced == 0 ? kExitOk : kExitFailure;
  }
  std::string out = fmt::format("{:<11} {:>8} {:>6} {:>6} {:>8} {:>8} {:>11} {:>10} {:>8} {:>7}  {}\n", "date",
                                "made", "dups", "poison", "topic", "raw", "quarantined", "dups-rm", "parquet",
                                "files", "balance");
  for (const auto& [date, c] : r.dates) {
    out += fmt::format("{:<11} {:>8} {:>6} {:>6} {:>8} {:>8} {:>11} {:>10} {:>8} {:>7}  {}\n", date, c.made,
                       c.made_duplicates, c.made_poison, Cell(c.topic), c.raw_lines, c.quarantined,
                       c.duplicates_removed, c.parquet_rows, c.parquet_files,
                       c.balanced && c.topic_ok ? "ok" : (!c.balanced ? "MISMATCH" : "MISMATCH (topic)"));
  }
  const jobs::DateCounts& t = r.total;
  out += fmt::format("{:<11} {:>8} {:>6} {:>6} {:>8} {:>8} {:>11} {:>10} {:>8} {:>7}  {}\n", "total", t.made,
                     t.made_duplicates, t.made_poison, Cell(t.topic), t.raw_lines, t.quarantined,
                     t.duplicates_removed, t.parquet_rows, t.parquet_files, r.unbalanced == 0 ? "ok" : "MISMATCH");
  out += fmt::format("parquet: {} files, {}", t.parquet_files, FormatBytes(static_cast<double>(t.parquet_bytes)));
  if (f.started_ms > 0) {
    out += fmt::format("; end to end {:.1f} s", static_cast<double>(NowMicros() / 1000 - f.started_ms) / 1000.0);
  }
  out += '\n';
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  if (r.unbalanced > 0) {
    std::fprintf(stderr,
                 "evpipe reconcile: *** %d date(s) do not balance: made must equal parquet + dups-rm + "
                 "quarantined (and topic) ***\n",
                 r.unbalanced);
    if (!r.hint.empty()) std::fprintf(stderr, "evpipe reconcile: %s\n", r.hint.c_str());
    return kExitFailure;
  }
  std::fprintf(stderr, "evpipe reconcile: every date balances\n");
  return kExitOk;
}

}  // namespace

void RegisterReconcile(CLI::App& root, Context& ctx) {
  auto f = std::make_shared<ReconcileFlags>();
  jobs::ReconcileOptions& o = f->job;
  CLI::App* sub = root.add_subcommand(
      "reconcile", "per ingest_date: simulator, topic, raw, quarantine and Parquet counts, and whether they balance");
  f->app = sub;
  AddBootstrap(sub, o.bootstrap);
  AddTopic(sub, o.topic);
  AddKafkaProperties(sub, o.properties);
  AddConnectTimeout(sub, o.connect_timeout_ms);
  AddOrders(sub, f->sim.options.orders);
  AddSeed(sub, f->sim.options.seed);
  f->sim.Add(sub);
  AddRawDir(sub, o.raw_dir);
  AddParquetDir(sub, o.parquet_dir);
  AddQuarantineDir(sub, o.quarantine_dir);
  sub->add_option("--source", o.source,
                  "kafka: the run went through the topic and sink-raw; gen: raw input came from evpipe gen")
      ->check(CLI::IsMember({"kafka", "gen"}))->capture_default_str();
  sub->add_flag("--skip-topic", o.skip_topic, "do not read the topic (no broker)")->envname("SKIP_TOPIC");
  sub->add_option("--started-ms", f->started_ms, "epoch ms when the run began, to report end-to-end seconds");
  sub->add_flag("--json", f->json, "one JSON object on stdout instead of the table");
  sub->footer("Simulator flags not given default to the produce or gen run's, recorded in "
              "RAW_DIR/_evpipe/TOPIC/simulator.json (GEN_DIR for gen).");
  sub->callback([f, &ctx] { ctx.exit_code = RunReconcile(*f); });
}

}  // namespace evpipe::cli
