// `evpipe reconcile`: per ingest_date, what the simulator made against what the
// topic, raw files, quarantine and Parquet hold, and whether they balance.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_set>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/names.h"
#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/file_system.h"
#include "evpipe/kafka/consumer.h"
#include "evpipe/parquet/footer.h"
#include "evpipe/cli/sim_flags.h"
#include "evpipe/sim/simulator.h"

namespace evpipe::cli {
namespace {

constexpr const char* kUnknownDate = "unknown";
constexpr int kConnectTimeoutMs = 10000;

struct ReconcileOptions {
  std::string bootstrap;
  std::string topic;
  std::vector<std::string> properties;
  std::string raw_dir, parquet_dir, quarantine_dir;
  bool skip_topic = false;
  // "kafka": records count under the date the sink can read from them (unreadable
  // ingest_time: "unknown"); "gen": under the date of the gen file they were written to.
  std::string source = "kafka";
  int64_t started_ms = 0;
  SimulatorFlags sim;
};

// One row of the report.
struct DateCounts {
  int64_t made = 0;             // simulator records accounted under this date
  int64_t made_unique = 0;      // of which first deliveries (kEvent)
  int64_t made_duplicates = 0;  // re-deliveries
  int64_t made_poison = 0;
  int64_t topic = -1;           // records in the topic (-1: not read)
  int64_t raw_lines = 0;
  int64_t quarantined = 0;      // every stage
  int64_t duplicates_removed = 0;  // valid raw lines minus distinct event_ids
  int64_t parquet_rows = 0;
  int64_t parquet_files = 0;
  int64_t parquet_bytes = 0;
};

// The date a record counts under as the pipeline sees it: its readable
// ingest_time, else "unknown" (where sink-raw quarantines such records).
std::string PipelineDate(std::string_view line) {
  std::optional<int64_t> t = event::ExtractIngestTime(line);
  return t ? event::IngestDate(*t) : std::string(kUnknownDate);
}

// Complete (non-hidden) files with `suffix` directly under dir.
std::vector<io::DirEntry> VisibleFiles(io::FileSystem& fs, const std::string& dir, std::string_view suffix) {
  std::vector<io::DirEntry> out;
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return out;
  for (auto& e : *entries) {
    if (e.is_dir || e.name.empty() || e.name[0] == '.') continue;
    if (e.name.size() < suffix.size() || e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

// Dates present as ingest_date=D folders under dir.
std::vector<std::string> DateDirs(io::FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return out;
  for (const auto& e : *entries) {
    std::optional<std::string_view> date = io::DateOfPartitionName(e.name);
    if (e.is_dir && date) out.emplace_back(*date);
  }
  return out;
}

Status CountMade(const ReconcileOptions& o, std::map<std::string, DateCounts>& rows) {
  sim::Simulator simulator(o.sim.options);
  sim::Record r;
  while (simulator.Next(&r)) {
    DateCounts& c = rows[o.source == "gen" ? r.ingest_date : PipelineDate(r.line)];
    ++c.made;
    switch (r.kind) {
      case sim::Kind::kEvent: ++c.made_unique; break;
      case sim::Kind::kDuplicate: ++c.made_duplicates; break;
      case sim::Kind::kPoison: ++c.made_poison; break;
    }
  }
  return Status::Ok();
}

Status CountTopic(const ReconcileOptions& o, std::map<std::string, DateCounts>& rows) {
  kafka::ConsumeOptions copts;
  copts.topic = o.topic;
  copts.start_offset = RD_KAFKA_OFFSET_BEGINNING;
  copts.exit_at_end = true;
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::ConsumerConfig(o.bootstrap, copts, o.properties));
  EVPIPE_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(std::move(config), copts));
  EVPIPE_RETURN_IF_ERROR(consumer->Start(kConnectTimeoutMs));
  for (auto& [date, c] : rows) c.topic = 0;
  kafka::MessageBatch batch;
  while (!consumer->AtEnd()) {
    EVPIPE_RETURN_IF_ERROR(consumer->Poll(batch, 10000, 200));
    for (size_t i = 0; i < batch.size(); ++i) {
      const rd_kafka_message_t& m = batch[i];
      std::string_view value(static_cast<const char*>(m.payload), m.len);
      DateCounts& c = rows[PipelineDate(value)];
      c.topic = std::max<int64_t>(c.topic, 0) + 1;
    }
    batch.Clear();
  }
  return consumer->Close();
}

// Raw lines per date, and duplicates: valid lines minus their distinct event_ids.
Status CountRaw(io::FileSystem& fs, const ReconcileOptions& o, std::map<std::string, DateCounts>& rows) {
  const std::string root = io::JoinPath(o.raw_dir, o.topic);
  event::LineParser parser;
  event::EventView view;
  for (const std::string& date : DateDirs(fs, root)) {
    DateCounts& c = rows[date];
    std::unordered_set<std::string> ids;
    int64_t valid = 0;
    const std::string dir = io::JoinPath(root, io::DatePartitionName(date));
    for (const auto& f : VisibleFiles(fs, dir, ".ndjson")) {
      EVPIPE_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(io::JoinPath(dir, f.name)));
      size_t pos = 0;
      while (pos < data.size()) {
        size_t nl = data.find('\n', pos);
        if (nl == std::string::npos) nl = data.size();
        std::string_view line(data.data() + pos, nl - pos);
        pos = nl + 1;
        ++c.raw_lines;
        if (!parser.Parse(line, &view)) {
          ++valid;
          ids.emplace(view.event_id);
        }
      }
    }
    c.duplicates_removed = valid - static_cast<int64_t>(ids.size());
  }
  return Status::Ok();
}

int64_t CountLines(std::string_view data) { return std::count(data.begin(), data.end(), '\n'); }

Status CountQuarantine(io::FileSystem& fs, const ReconcileOptions& o, std::map<std::string, DateCounts>& rows) {
  const std::string root = io::JoinPath(o.quarantine_dir, o.topic);
  auto stages = fs.ListDir(root);
  if (!stages.ok()) return Status::Ok();  // nothing quarantined
  for (const auto& stage : *stages) {
    if (!stage.is_dir) continue;
    const std::string stage_dir = io::JoinPath(root, stage.name);
    for (const std::string& date : DateDirs(fs, stage_dir)) {
      const std::string dir = io::JoinPath(stage_dir, io::DatePartitionName(date));
      for (const auto& f : VisibleFiles(fs, dir, ".ndjson")) {
        EVPIPE_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(io::JoinPath(dir, f.name)));
        rows[date].quarantined += CountLines(data);
      }
    }
  }
  return Status::Ok();
}

Status CountParquet(io::FileSystem& fs, const ReconcileOptions& o, std::map<std::string, DateCounts>& rows) {
  const std::string root = io::JoinPath(o.parquet_dir, o.topic);
  for (const std::string& date : DateDirs(fs, root)) {
    DateCounts& c = rows[date];
    const std::string dir = io::JoinPath(root, io::DatePartitionName(date));
    for (const auto& f : VisibleFiles(fs, dir, ".parquet")) {
      const std::string path = io::JoinPath(dir, f.name);
      EVPIPE_ASSIGN_OR_RETURN(int64_t n, parquet::ReadRowCount(fs, path));
      c.parquet_rows += n;
      ++c.parquet_files;
      c.parquet_bytes += static_cast<int64_t>(f.size);
    }
  }
  return Status::Ok();
}

std::string Cell(int64_t v) { return v < 0 ? "n/a" : std::to_string(v); }

int RunReconcile(ReconcileOptions& o) {
  if (std::string err = o.sim.Resolve(); !err.empty()) {
    std::fprintf(stderr, "evpipe reconcile: %s\n", err.c_str());
    return kExitUsage;
  }
  // The topic names folders: only Kafka's names (no '/', no "..").
  if (Status t = ValidateTopicName(o.topic); !t.ok()) {
    std::fprintf(stderr, "evpipe reconcile: --topic: %s\n", t.message().c_str());
    return kExitUsage;
  }
  io::FileSystem& fs = io::FileSystem::Default();
  std::map<std::string, DateCounts> rows;
  Status s = CountMade(o, rows);
  if (o.source == "gen") o.skip_topic = true;
  if (s.ok() && !o.skip_topic) s = CountTopic(o, rows).WithContext("reading topic " + o.topic);
  if (s.ok()) s = CountRaw(fs, o, rows).WithContext("raw " + o.raw_dir);
  if (s.ok()) s = CountQuarantine(fs, o, rows).WithContext("quarantine " + o.quarantine_dir);
  if (s.ok()) s = CountParquet(fs, o, rows).WithContext("parquet " + o.parquet_dir);
  if (!s.ok()) {
    std::fprintf(stderr, "evpipe reconcile: %s\n", s.message().c_str());
    return kExitFailure;
  }

  std::string out = fmt::format("{:<11} {:>8} {:>6} {:>6} {:>8} {:>8} {:>11} {:>10} {:>8} {:>7}  {}\n", "date",
                                "made", "dups", "poison", "topic", "raw", "quarantined", "dups-rm", "parquet",
                                "files", "balance");
  DateCounts total;
  total.topic = o.skip_topic ? -1 : 0;
  int bad = 0;
  for (const auto& [date, c] : rows) {
    // Every record made is a Parquet row, a removed duplicate or quarantined;
    // and every first delivery is a Parquet row.
    const bool balanced = c.made == c.parquet_rows + c.duplicates_removed + c.quarantined &&
                          (date == kUnknownDate || c.parquet_rows == c.made_unique);
    const bool topic_ok = o.skip_topic || c.topic == c.made;
    if (!balanced || !topic_ok) ++bad;
    out += fmt::format("{:<11} {:>8} {:>6} {:>6} {:>8} {:>8} {:>11} {:>10} {:>8} {:>7}  {}\n", date, c.made,
                       c.made_duplicates, c.made_poison, Cell(c.topic), c.raw_lines, c.quarantined,
                       c.duplicates_removed, c.parquet_rows, c.parquet_files,
                       balanced && topic_ok ? "ok" : (!balanced ? "MISMATCH" : "MISMATCH (topic)"));
    total.made += c.made;
    total.made_duplicates += c.made_duplicates;
    total.made_poison += c.made_poison;
    if (total.topic >= 0) total.topic += std::max<int64_t>(c.topic, 0);
    total.raw_lines += c.raw_lines;
    total.quarantined += c.quarantined;
    total.duplicates_removed += c.duplicates_removed;
    total.parquet_rows += c.parquet_rows;
    total.parquet_files += c.parquet_files;
    total.parquet_bytes += c.parquet_bytes;
  }
  out += fmt::format("{:<11} {:>8} {:>6} {:>6} {:>8} {:>8} {:>11} {:>10} {:>8} {:>7}  {}\n", "total", total.made,
                     total.made_duplicates, total.made_poison, Cell(total.topic), total.raw_lines, total.quarantined,
                     total.duplicates_removed, total.parquet_rows, total.parquet_files, bad == 0 ? "ok" : "MISMATCH");
  out += fmt::format("parquet: {} files, {} bytes", total.parquet_files, total.parquet_bytes);
  if (o.started_ms > 0) {
    out += fmt::format("; end to end {:.1f} s", static_cast<double>(NowMicros() / 1000 - o.started_ms) / 1000.0);
  }
  out += '\n';
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  if (bad > 0) {
    std::fprintf(stderr,
                 "evpipe reconcile: *** %d date(s) do not balance: made must equal parquet + dups-rm + "
                 "quarantined (and topic) ***\n",
                 bad);
    return kExitFailure;
  }
  std::fprintf(stderr, "evpipe reconcile: every date balances\n");
  return kExitOk;
}

}  // namespace

void RegisterReconcile(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<ReconcileOptions>();
  CLI::App* sub = root.add_subcommand(
      "reconcile", "per ingest_date: simulator, topic, raw, quarantine and Parquet counts, and whether they balance");
  AddBootstrap(sub, o->bootstrap);
  AddTopic(sub, o->topic);
  AddKafkaProperties(sub, o->properties);
  AddOrders(sub, o->sim.options.orders);
  AddSeed(sub, o->sim.options.seed);
  o->sim.Add(sub);
  AddRawDir(sub, o->raw_dir);
  AddParquetDir(sub, o->parquet_dir);
  AddQuarantineDir(sub, o->quarantine_dir);
  sub->add_option("--source", o->source,
                  "kafka: the run went through the topic and sink-raw; gen: raw input came from evpipe gen")
      ->check(CLI::IsMember({"kafka", "gen"}))->capture_default_str();
  sub->add_flag("--skip-topic", o->skip_topic, "do not read the topic (no broker)");
  sub->add_option("--started-ms", o->started_ms, "epoch ms when the run began, to report end-to-end seconds");
  sub->callback([o, &ctx] { ctx.exit_code = RunReconcile(*o); });
}

}  // namespace evpipe::cli
