// sink-raw --validate route (the default) against librdkafka's mock cluster,
// then raw-to-parquet in process: a record whose ingest_time cannot be read is
// quarantined by the sink with its Kafka coordinates; every other bad record
// lands in RAW_DIR and raw-to-parquet quarantines it with the reason
// --validate full would have given it. Nothing is lost, nothing is counted twice.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "evpipe/jobs/raw_to_parquet.h"
#include "evpipe/sink/roll_state.h"
#include "evpipe/sink/sink.h"
#include "integration/sink/sink_support.h"
#include "support/temp_dir.h"

namespace evpipe::sink {
namespace {

using testing::BadRecord;
using testing::GoodLine;
using testing::ReadLanded;
using testing::Sorted;

constexpr int64_t kDay5 = 1770249600LL * 1'000'000;  // 2026-02-05T00:00:00Z

// The reasons the sink still gives under --validate route: the ingest_time is
// unreadable (or the record would not stay one line). Written out, not derived
// from the code under test.
const std::set<std::string> kSinkReasons = {
    "empty_line",   "invalid_utf8", "invalid_json", "not_an_object", "missing_field:ingest_time",
    "bad_time:ingest_time", "line_break_in_record",
};

// How many quarantine lines carry `"reason":"<reason>"`.
int CountReason(const std::vector<std::string>& lines, const std::string& reason) {
  std::string want = "\"reason\":\"" + reason + "\"";
  int n = 0;
  for (const std::string& line : lines) n += line.find(want) != std::string::npos ? 1 : 0;
  return n;
}

TEST(Validation, NamesAndDefault) {
  EXPECT_EQ(kDefaultValidation, Validation::kRoute);
  EXPECT_EQ(*ParseValidation("route"), Validation::kRoute);
  EXPECT_EQ(*ParseValidation("full"), Validation::kFull);
  EXPECT_EQ(ParseValidation("none").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidationName(Validation::kFull), "full");
  EXPECT_EQ(NewEventClassifier(Validation::kRoute)->name(), "route");
  EXPECT_EQ(NewEventClassifier(Validation::kFull)->name(), "full");
}

TEST(RouteSinkTest, BadEventsWithAnIngestTimeLandAndRawToParquetQuarantinesThemWithTheSameReason) {
  ::evpipe::testing::TempDir tmp;
  testing::MockCluster cluster;
  cluster.CreateTopic("events", 3);
  std::vector<std::pair<int32_t, std::string>> records;
  std::vector<std::string> good;
  for (int i = 0; i < 600; ++i) {
    good.push_back(GoodLine(i, kDay5 + static_cast<int64_t>(i) * 300'000'000));  // spans 2+ days
    records.emplace_back(i % 3, good.back());
  }
  std::vector<BadRecord> bad = testing::BadRecords(kDay5 + 5);
  std::vector<std::string> routed;  // bad records the sink must land (their ingest_time is readable)
  for (const BadRecord& b : bad) {
    records.emplace_back(1, b.value);
    if (kSinkReasons.count(b.reason) == 0) routed.push_back(b.value);
  }
  ASSERT_EQ(routed.size(), bad.size() - kSinkReasons.size());
  testing::Produce(cluster.bootstrap(), "events", records);

  SinkOptions o;
  o.bootstrap = cluster.bootstrap();
  o.topic = "events";
  o.group = "route";
  o.raw_dir = tmp.path() + "/raw";
  o.quarantine_dir = tmp.path() + "/quarantine";
  o.exit_at_end = true;
  o.kafka_properties = {{"log_level", "3"}, {"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
  auto classifier = NewEventClassifier(Validation::kRoute);
  Sink s(o, io::FileSystem::Default(), *classifier);
  std::atomic<bool> stop{false};
  Status st = s.Run(stop);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(s.metrics().records.load(), records.size());
  EXPECT_EQ(s.metrics().quarantined.load(), kSinkReasons.size());

  // RAW_DIR: every good record and every bad one with a readable ingest_time, once.
  std::vector<std::string> want_raw = good;
  want_raw.insert(want_raw.end(), routed.begin(), routed.end());
  testing::Landed l = ReadLanded(o.raw_dir, "events");
  EXPECT_EQ(Sorted(l.lines), Sorted(want_raw));
  EXPECT_TRUE(l.hidden_files.empty());
  EXPECT_TRUE(l.bad_names.empty());
  EXPECT_EQ(l.dates["2026-02-05"], static_cast<int>(routed.size()) + 288);  // 288 good ones on day 5

  // The sink's quarantine: the unreadable ingest_times, with their Kafka coordinates.
  std::vector<std::string> sq = testing::ReadQuarantine(o.quarantine_dir, "events");
  EXPECT_EQ(sq.size(), kSinkReasons.size());
  for (const std::string& reason : kSinkReasons) EXPECT_EQ(CountReason(sq, reason), 1) << reason;
  for (const std::string& line : sq) {
    EXPECT_NE(line.find("\"stage\":\"sink-raw\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"topic\":\"events\",\"partition\":1,\"offset\":"), std::string::npos) << line;
  }
  int64_t landed_offsets = 0;
  for (int p = 0; p < 3; ++p) {
    auto state = LoadState(io::FileSystem::Default(), Layout(o.raw_dir, o.quarantine_dir, "events"), p);
    ASSERT_TRUE(state.ok() && state->has_value());
    landed_offsets += (*state)->next_offset;
  }
  EXPECT_EQ(landed_offsets, static_cast<int64_t>(records.size()));

  // raw-to-parquet: the routed bad records are quarantined there, each with the
  // reason --validate full gives it; every good record is a row.
  jobs::Options jo;
  jo.raw_dir = o.raw_dir;
  jo.parquet_dir = tmp.path() + "/parquet";
  jo.quarantine_dir = o.quarantine_dir;
  jo.topic = "events";
  jo.threads = 1;
  jo.progress = false;
  jo.iceberg = false;
  Result<std::vector<std::string>> dates = jobs::ListDates(io::FileSystem::Default(), jo);
  ASSERT_TRUE(dates.ok()) << dates.status().ToString();
  int64_t rows_out = 0, job_quarantined = 0;
  for (const std::string& date : *dates) {
    Result<jobs::DateReport> r = jobs::ConvertDate(io::FileSystem::Default(), jo, date);
    ASSERT_TRUE(r.ok()) << date << ": " << r.status().ToString();
    rows_out += r->rows_out;
    job_quarantined += r->quarantined;
  }
  EXPECT_EQ(rows_out, static_cast<int64_t>(good.size()));
  EXPECT_EQ(job_quarantined, static_cast<int64_t>(routed.size()));
  std::vector<std::string> jq = testing::ReadQuarantine(o.quarantine_dir, "events", jobs::kQuarantineStage);
  EXPECT_EQ(jq.size(), routed.size());
  for (const BadRecord& b : bad) {
    if (kSinkReasons.count(b.reason) != 0) {
      EXPECT_EQ(CountReason(jq, b.reason), 0) << b.reason << " reached raw-to-parquet";
    } else {
      EXPECT_EQ(CountReason(jq, b.reason), 1) << b.reason;
    }
  }
  // Balance: every record of the topic is a Parquet row or quarantined once, by one stage.
  EXPECT_EQ(rows_out + static_cast<int64_t>(sq.size() + jq.size()), static_cast<int64_t>(records.size()));
}

}  // namespace
}  // namespace evpipe::sink
