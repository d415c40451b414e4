// Reconcile (see reconcile.h).
#include "evpipe/jobs/reconcile.h"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>
#include <simdjson.h>

#include "evpipe/core/json_writer.h"
#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/jobs/lake_scan.h"
#include "evpipe/kafka/consumer.h"

namespace evpipe::jobs {
namespace {

using Rows = std::map<std::string, DateCounts>;

// The date a record counts under as the pipeline sees it: its readable
// ingest_time, else "unknown" (where sink-raw quarantines such records).
std::string PipelineDate(std::string_view line) {
  std::optional<int64_t> t = event::ExtractIngestTime(line);
  return t ? event::IngestDate(*t) : std::string(kUnknownDate);
}

Status CountMade(const ReconcileOptions& o, Rows& rows) {
  sim::Simulator simulator(o.sim);
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

Status CountTopic(const ReconcileOptions& o, Rows& rows) {
  kafka::ConsumeOptions copts;
  copts.topic = o.topic;
  copts.start_offset = RD_KAFKA_OFFSET_BEGINNING;
  copts.exit_at_end = true;
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::ConsumerConfig(o.bootstrap, copts, o.properties));
  EVPIPE_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(std::move(config), copts));
  EVPIPE_RETURN_IF_ERROR(consumer->Start(o.connect_timeout_ms));
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
Status CountRaw(io::FileSystem& fs, const ReconcileOptions& o, Rows& rows) {
  for (const std::string& date : PartitionDates(fs, io::JoinPath(o.raw_dir, o.topic))) {
    EVPIPE_RETURN_IF_ERROR(AddRawDate(fs, io::DatePartitionDir(o.raw_dir, o.topic, date), rows[date]));
  }
  return Status::Ok();
}

int64_t CountLines(std::string_view data) { return std::count(data.begin(), data.end(), '\n'); }

Status CountQuarantine(io::FileSystem& fs, const ReconcileOptions& o, Rows& rows) {
  const std::string root = io::JoinPath(o.quarantine_dir, o.topic);
  auto stages = fs.ListDir(root);
  if (!stages.ok()) return Status::Ok();  // nothing quarantined
  for (const auto& stage : *stages) {
    if (!stage.is_dir) continue;
    const std::string stage_dir = io::JoinPath(root, stage.name);
    for (const std::string& date : PartitionDates(fs, stage_dir)) {
      const std::string dir = io::JoinPath(stage_dir, io::DatePartitionName(date));
      for (const auto& f : VisibleFiles(fs, dir, ".ndjson")) {
        EVPIPE_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(io::JoinPath(dir, f.name)));
        rows[date].quarantined += CountLines(data);
      }
    }
  }
  return Status::Ok();
}

Status CountParquet(io::FileSystem& fs, const ReconcileOptions& o, Rows& rows) {
  for (const std::string& date : PartitionDates(fs, io::JoinPath(o.parquet_dir, o.topic))) {
    EVPIPE_RETURN_IF_ERROR(AddParquetDate(fs, io::DatePartitionDir(o.parquet_dir, o.topic, date), rows[date]));
  }
  return Status::Ok();
}

void WriteOptions(JsonWriter& w, const sim::Options& o) {
  w.BeginObject()
      .Field("orders", o.orders)
      .Key("seed").Int(static_cast<int64_t>(o.seed))
      .Field("tenants", o.tenants)
      .Field("start_time_us", o.start_time_us)
      .Field("span_days", o.span_days)
      .Key("duplicate_rate").Double(o.duplicate_rate)
      .Key("late_rate").Double(o.late_rate)
      .Field("max_lateness_us", o.max_lateness_us)
      .Key("poison_rate").Double(o.poison_rate)
      .Field("environment", o.environment)
      .EndObject();
}

bool SameOptions(const sim::Options& a, const sim::Options& b) { return DifferingFlags(a, b).empty(); }

void WriteCounts(JsonWriter& w, const DateCounts& c) {
  w.Field("made", c.made)
      .Field("made_unique", c.made_unique)
      .Field("made_duplicates", c.made_duplicates)
      .Field("made_poison", c.made_poison)
      .Key("topic");
  c.topic < 0 ? w.Null() : w.Int(c.topic);
  w.Field("raw_lines", c.raw_lines)
      .Field("quarantined", c.quarantined)
      .Field("duplicates_removed", c.duplicates_removed)
      .Field("parquet_rows", c.parquet_rows)
      .Field("parquet_files", c.parquet_files)
      .Field("parquet_bytes", c.parquet_bytes)
      .Field("balanced", c.balanced && c.topic_ok);
}

}  // namespace

std::string RunRecordPath(const std::string& dir, const std::string& topic) {
  return io::JoinPath(io::JoinPath(io::JoinPath(dir, "_evpipe"), topic), "simulator.json");
}

Status WriteRunRecord(io::FileSystem& fs, const std::string& dir, const std::string& topic,
                      const sim::Options& options, const std::string& tool) {
  bool mixed = false;
  auto previous = ReadRunRecord(fs, dir, topic);
  if (previous.ok() && previous->has_value()) {
    mixed = (*previous)->mixed || !SameOptions((*previous)->options, options);
  }
  JsonWriter w;
  w.BeginObject().Field("tool", tool).Field("topic", topic).Field("mixed", mixed).Key("options");
  WriteOptions(w, options);
  w.EndObject();
  const std::string path = RunRecordPath(dir, topic);
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(path.substr(0, path.rfind('/'))));
  return io::WriteFileAtomically(fs, path, w.Take() + "\n");
}

Result<std::optional<RunRecord>> ReadRunRecord(io::FileSystem& fs, const std::string& dir, const std::string& topic) {
  const std::string path = RunRecordPath(dir, topic);
  if (!fs.Exists(path)) return std::optional<RunRecord>();
  EVPIPE_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  RunRecord r;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS) return Status::Corruption(path + ": not JSON");
  auto opt = doc["options"];
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string_view s;
  bool b = false;
  sim::Options& o = r.options;
  if (opt["orders"].get(i) == simdjson::SUCCESS) o.orders = i;
  if (opt["seed"].get(u) == simdjson::SUCCESS) o.seed = u;
  else if (opt["seed"].get(i) == simdjson::SUCCESS) o.seed = static_cast<uint64_t>(i);
  if (opt["tenants"].get(i) == simdjson::SUCCESS) o.tenants = static_cast<int>(i);
  if (opt["start_time_us"].get(i) == simdjson::SUCCESS) o.start_time_us = i;
  if (opt["span_days"].get(i) == simdjson::SUCCESS) o.span_days = static_cast<int>(i);
  if (opt["duplicate_rate"].get(d) == simdjson::SUCCESS) o.duplicate_rate = d;
  if (opt["late_rate"].get(d) == simdjson::SUCCESS) o.late_rate = d;
  if (opt["max_lateness_us"].get(i) == simdjson::SUCCESS) o.max_lateness_us = i;
  if (opt["poison_rate"].get(d) == simdjson::SUCCESS) o.poison_rate = d;
  if (opt["environment"].get(s) == simdjson::SUCCESS) o.environment = std::string(s);
  if (doc["tool"].get(s) == simdjson::SUCCESS) r.tool = std::string(s);
  if (doc["mixed"].get(b) == simdjson::SUCCESS) r.mixed = b;
  return std::optional<RunRecord>(std::move(r));
}

std::string DifferingFlags(const sim::Options& used, const sim::Options& recorded) {
  std::string out;
  auto add = [&out](const std::string& flag, const std::string& value) {
    out += (out.empty() ? "" : " ") + flag + " " + value;
  };
  auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b)); };
  if (used.orders != recorded.orders) add("--orders", std::to_string(recorded.orders));
  if (used.seed != recorded.seed) add("--seed", std::to_string(recorded.seed));
  if (used.tenants != recorded.tenants) add("--tenants", std::to_string(recorded.tenants));
  if (used.start_time_us != recorded.start_time_us) add("--start", event::FormatTimestamp(recorded.start_time_us));
  if (used.span_days != recorded.span_days) add("--span-days", std::to_string(recorded.span_days));
  if (!close(used.duplicate_rate, recorded.duplicate_rate)) add("--duplicate-rate", fmt::format("{}", recorded.duplicate_rate));
  if (!close(used.late_rate, recorded.late_rate)) add("--late-rate", fmt::format("{}", recorded.late_rate));
  if (used.max_lateness_us != recorded.max_lateness_us) {
    add("--max-lateness", fmt::format("{}s", recorded.max_lateness_us / 1000000));
  }
  if (!close(used.poison_rate, recorded.poison_rate)) add("--poison-rate", fmt::format("{}", recorded.poison_rate));
  if (used.environment != recorded.environment) add("--environment", recorded.environment);
  return out;
}

Result<ReconcileReport> Reconcile(io::FileSystem& fs, const ReconcileOptions& o,
                                  const std::optional<RunRecord>& record) {
  ReconcileReport report;
  Rows& rows = report.dates;
  EVPIPE_RETURN_IF_ERROR(CountMade(o, rows));
  if (o.source != "gen" && !o.skip_topic) {
    Status s = CountTopic(o, rows);
    if (s.ok()) {
      report.topic_read = true;
    } else {
      for (auto& [date, c] : rows) c.topic = -1;
      report.topic_warning = "topic column n/a: reading topic " + o.topic + ": " + s.message();
    }
  }
  EVPIPE_RETURN_IF_ERROR(CountRaw(fs, o, rows).WithContext("raw " + o.raw_dir));
  EVPIPE_RETURN_IF_ERROR(CountQuarantine(fs, o, rows).WithContext("quarantine " + o.quarantine_dir));
  EVPIPE_RETURN_IF_ERROR(CountParquet(fs, o, rows).WithContext("parquet " + o.parquet_dir));

  DateCounts& total = report.total;
  total.topic = report.topic_read ? 0 : -1;
  for (auto& [date, c] : rows) {
    // Every record made is a Parquet row, a removed duplicate or quarantined;
    // and every first delivery is a Parquet row.
    c.balanced = c.made == c.parquet_rows + c.duplicates_removed + c.quarantined &&
                 (date == kUnknownDate || c.parquet_rows == c.made_unique);
    c.topic_ok = !report.topic_read || c.topic == c.made;
    if (!c.balanced || !c.topic_ok) ++report.unbalanced;
    total.Add(c);
    total.made += c.made;
    total.made_unique += c.made_unique;
    total.made_duplicates += c.made_duplicates;
    total.made_poison += c.made_poison;
    if (total.topic >= 0) total.topic += std::max<int64_t>(c.topic, 0);
  }
  total.balanced = report.unbalanced == 0;
  if (!rows.empty() && report.unbalanced == static_cast<int>(rows.size())) {
    std::string differ = record ? DifferingFlags(o.sim, record->options) : "";
    if (!differ.empty()) {
      report.hint = "every date mismatches: the " + record->tool + " run recorded " + differ +
                    "; pass those flags (or leave them out to use the record)";
    } else if (record && record->mixed) {
      report.hint = "every date mismatches: more than one simulator run with different flags went into topic " +
                    o.topic + "; reconcile models one run (start again with a new topic)";
    } else {
      int64_t seen = report.topic_read ? total.topic : total.raw_lines;
      report.hint = fmt::format(
          "every date mismatches: the {} holds {} records, the simulator with these flags makes {}: pass the "
          "produce run's --orders/--seed/--poison-rate",
          report.topic_read ? "topic" : "raw input", seen, total.made);
    }
  }
  return report;
}

std::string ReconcileReport::ToJson() const {
  JsonWriter w;
  w.BeginObject().Key("dates").BeginArray();
  for (const auto& [date, c] : dates) {
    w.BeginObject().Field("date", date);
    WriteCounts(w, c);
    w.EndObject();
  }
  w.EndArray().Key("total").BeginObject();
  WriteCounts(w, total);
  w.EndObject();
  w.Field("unbalanced", unbalanced).Field("balanced", unbalanced == 0).Field("topic_read", topic_read);
  w.Key("topic_warning");
  topic_warning.empty() ? w.Null() : w.String(topic_warning);
  w.Key("hint");
  hint.empty() ? w.Null() : w.String(hint);
  w.EndObject();
  return w.Take();
}

}  // namespace evpipe::jobs
