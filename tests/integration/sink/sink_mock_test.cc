// sink-raw against librdkafka's mock cluster, in process: landing, quarantine,
// rolling, disk faults through the file-system seam, injected request errors
// and a rebalance. (The kill tests run the binary against `evpipe broker`:
// kill_test.py.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <fmt/core.h>

#include "evpipe/event/event.h"
#include "evpipe/io/fault_fs.h"
#include "evpipe/sink/roll_state.h"
#include "evpipe/sink/sink.h"
#include "integration/sink/sink_support.h"
#include "support/temp_dir.h"

namespace evpipe::sink {
namespace {

using testing::GoodLine;
using testing::MockCluster;
using testing::ReadLanded;
using testing::Sorted;

constexpr int64_t kDay5 = 1770249600LL * 1'000'000;  // 2026-02-05T00:00:00Z

class SinkMockTest : public ::testing::Test {
 protected:
  SinkOptions Options(const std::string& group) {
    SinkOptions o;
    o.bootstrap = cluster_.bootstrap();
    o.topic = "events";
    o.group = group;
    o.raw_dir = tmp_.path() + "/raw";
    o.quarantine_dir = tmp_.path() + "/quarantine";
    o.exit_at_end = true;
    o.kafka_properties = {{"log_level", "3"}, {"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
    return o;
  }
  Status RunSink(const SinkOptions& o, io::FileSystem& fs = io::FileSystem::Default(), uint64_t* records = nullptr) {
    auto classifier = NewEventClassifier(validation_);
    Sink s(o, fs, *classifier);
    std::atomic<bool> stop{false};
    Status st = s.Run(stop);
    if (records != nullptr) *records = s.metrics().records.load();
    return st;
  }

  ::evpipe::testing::TempDir tmp_;
  MockCluster cluster_;
  // The per-reason quarantine contract of these tests is --validate full's
  // (sink_route_test.cc covers --validate route).
  Validation validation_ = Validation::kFull;
};

// The reasons of the event model, plus the sink's own (sink_support.h).
using testing::BadRecord;
std::vector<BadRecord> BadRecords() { return testing::BadRecords(kDay5 + 5); }

TEST_F(SinkMockTest, LandsEveryRecordOnceAndQuarantinesEveryReason) {
  cluster_.CreateTopic("events", 3);
  std::vector<std::pair<int32_t, std::string>> records;
  std::vector<std::string> good;
  std::vector<BadRecord> bad = BadRecords();
  for (int i = 0; i < 600; ++i) {
    std::string line = GoodLine(i, kDay5 + static_cast<int64_t>(i) * 300'000'000);  // spans 2+ days
    good.push_back(line);
    records.emplace_back(i % 3, line);
    if (i % 40 == 7 && !bad.empty()) {
      records.emplace_back(1, bad.back().value);
      bad.pop_back();
    }
  }
  for (const BadRecord& b : bad) records.emplace_back(1, b.value);
  testing::Produce(cluster_.bootstrap(), "events", records);

  SinkOptions o = Options("g1");
  uint64_t landed = 0;
  Status st = RunSink(o, io::FileSystem::Default(), &landed);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(landed, records.size());

  testing::Landed l = ReadLanded(o.raw_dir, "events");
  EXPECT_EQ(Sorted(l.lines), Sorted(good));
  EXPECT_TRUE(l.hidden_files.empty()) << l.hidden_files[0];
  EXPECT_TRUE(l.bad_names.empty()) << l.bad_names[0];
  EXPECT_GE(l.dates.size(), 2u);

  std::vector<std::string> q = testing::ReadQuarantine(o.quarantine_dir, "events");
  std::vector<BadRecord> all_bad = BadRecords();
  ASSERT_EQ(q.size(), all_bad.size());
  for (const BadRecord& b : all_bad) {
    std::string want = "\"reason\":\"" + b.reason + "\"";
    int found = 0;
    for (const std::string& line : q) found += line.find(want) != std::string::npos ? 1 : 0;
    EXPECT_EQ(found, 1) << "reason " << b.reason;
  }
  for (const std::string& line : q) {
    EXPECT_NE(line.find("\"stage\":\"sink-raw\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"topic\":\"events\",\"partition\":1,\"offset\":"), std::string::npos) << line;
  }
  // The readable ingest_time of a bad record decides its folder; none goes to unknown when readable.
  std::map<int32_t, int64_t> committed = testing::Committed(cluster_.bootstrap(), "g1", "events", 3);
  int64_t total = 0;
  for (int p = 0; p < 3; ++p) {
    auto state = LoadState(io::FileSystem::Default(), Layout(o.raw_dir, o.quarantine_dir, "events"), p);
    ASSERT_TRUE(state.ok() && state->has_value());
    EXPECT_EQ(committed[p], (*state)->next_offset) << "partition " << p;
    total += (*state)->next_offset;
  }
  EXPECT_EQ(total, static_cast<int64_t>(records.size()));

  // Again, same group: resumes after what RAW_DIR holds and lands nothing new.
  ASSERT_TRUE(RunSink(o, io::FileSystem::Default(), &landed).ok());
  EXPECT_EQ(landed, 0u);
  EXPECT_EQ(ReadLanded(o.raw_dir, "events").lines.size(), good.size());
  // A fresh group over the same RAW_DIR: still nothing twice (RAW_DIR decides, not the group).
  ASSERT_TRUE(RunSink(Options("g2"), io::FileSystem::Default(), &landed).ok());
  EXPECT_EQ(landed, 0u);
  EXPECT_EQ(ReadLanded(o.raw_dir, "events").lines.size(), good.size());
}

TEST_F(SinkMockTest, RollsBySize) {
  cluster_.CreateTopic("events", 1);
  std::vector<std::pair<int32_t, std::string>> records;
  for (int i = 0; i < 300; ++i) records.emplace_back(0, GoodLine(i, kDay5 + i));
  testing::Produce(cluster_.bootstrap(), "events", records);
  SinkOptions o = Options("g");
  o.roll_max_bytes = 10'000;
  ASSERT_TRUE(RunSink(o).ok());
  testing::Landed l = ReadLanded(o.raw_dir, "events");
  EXPECT_EQ(l.lines.size(), 300u);
  EXPECT_TRUE(l.bad_names.empty());
  size_t line_bytes = records[0].second.size() + 1;
  size_t per_file = (10'000 + line_bytes - 1) / line_bytes;
  EXPECT_GE(l.visible_files.size(), 300 / per_file);
  // Offsets in the names tile the partition: each file holds first..last, no gap, no overlap.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const std::string& f : l.visible_files) {
    auto id = ParseFinalFileName(f.substr(f.find('/') + 1));
    ranges.emplace_back(id->first, id->last);
  }
  std::sort(ranges.begin(), ranges.end());
  int64_t next = 0;
  for (auto [first, last] : ranges) {
    EXPECT_EQ(first, next);
    next = last + 1;
  }
  EXPECT_EQ(next, 300);
}

TEST_F(SinkMockTest, RollsByAgeOnAQuietPartition) {
  cluster_.CreateTopic("events", 2);
  std::vector<std::pair<int32_t, std::string>> records;
  for (int i = 0; i < 10; ++i) records.emplace_back(0, GoodLine(i, kDay5 + i));
  testing::Produce(cluster_.bootstrap(), "events", records);
  SinkOptions o = Options("g");
  o.exit_at_end = false;
  o.roll_max_us = 1'000'000;
  auto classifier = NewEventClassifier(validation_);
  Sink s(o, io::FileSystem::Default(), *classifier);
  std::atomic<bool> stop{false};
  Status st;
  std::thread t([&] { st = s.Run(stop); });
  // No new record arrives and the sink is not stopped: only the age timer can publish.
  size_t seen = 0;
  // (The files become visible at their rename, a little before the roll is counted.)
  for (int i = 0; i < 600 && (seen < 10 || s.metrics().rolls.load() == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = ReadLanded(o.raw_dir, "events").lines.size();
  }
  EXPECT_EQ(seen, 10u);
  uint64_t rolls_while_running = s.metrics().rolls.load();
  stop = true;
  t.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(rolls_while_running, 1u);
}

TEST_F(SinkMockTest, DatesAcrossMidnightGoToTheirOwnFolders) {
  cluster_.CreateTopic("events", 1);
  const int64_t midnight = kDay5 + 86'400'000'000LL;
  std::vector<std::pair<int32_t, std::string>> records;
  for (int i = 0; i < 20; ++i) records.emplace_back(0, GoodLine(i, i % 2 == 0 ? midnight - 1 : midnight));
  testing::Produce(cluster_.bootstrap(), "events", records);
  SinkOptions o = Options("g");
  ASSERT_TRUE(RunSink(o).ok());
  testing::Landed l = ReadLanded(o.raw_dir, "events");
  EXPECT_EQ(l.dates["2026-02-05"], 10);
  EXPECT_EQ(l.dates["2026-02-06"], 10);
  std::vector<std::string> files = Sorted(l.visible_files);
  ASSERT_EQ(files.size(), 2u);  // one roll, two dates, published together
  EXPECT_EQ(files[0], "ingest_date=2026-02-05/part-p0-0-18.ndjson");
  EXPECT_EQ(files[1], "ingest_date=2026-02-06/part-p0-1-19.ndjson");
}

struct DiskFault {
  io::FaultOp op;
  int after;
  int err;
  const char* name;
};

TEST_F(SinkMockTest, DiskFaultsCommitNothingAndFailWithOneClearError) {
  cluster_.CreateTopic("events", 1);
  std::vector<std::pair<int32_t, std::string>> records;
  for (int i = 0; i < 100; ++i) records.emplace_back(0, GoodLine(i, kDay5 + i));
  testing::Produce(cluster_.bootstrap(), "events", records);
  const DiskFault faults[] = {
      {io::FaultOp::kAppend, 0, ENOSPC, "write ENOSPC"},   {io::FaultOp::kAppend, 50, EIO, "write EIO"},
      {io::FaultOp::kSync, 0, EIO, "fsync EIO"},           {io::FaultOp::kSync, 0, ENOSPC, "fsync ENOSPC"},
      {io::FaultOp::kSync, 1, EIO, "fsync of the state"},  {io::FaultOp::kCreate, 0, ENOSPC, "create ENOSPC"},
      {io::FaultOp::kSyncDir, 0, EIO, "dir fsync EIO"},
  };
  int n = 0;
  for (const DiskFault& f : faults) {
    SCOPED_TRACE(f.name);
    std::string group = fmt::format("fault{}", n++);
    SinkOptions o = Options(group);
    o.raw_dir = tmp_.path() + "/raw-" + group;
    io::FaultInjectingFileSystem fs(io::FileSystem::Default());
    fs.Arm(f.op, f.after, f.err);
    Status st = RunSink(o, fs);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find(std::strerror(f.err)), std::string::npos) << st.ToString();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
    EXPECT_GE(fs.fired(), 1);
    for (auto [p, off] : testing::Committed(cluster_.bootstrap(), group, "events", 1)) {
      EXPECT_LT(off, 0) << "partition " << p << " committed " << off << " after a disk fault";
    }
    // Nothing half-written is visible; a rerun on a healthy disk lands everything once.
    EXPECT_TRUE(ReadLanded(o.raw_dir, "events").lines.size() % 100 == 0);
    uint64_t landed = 0;
    ASSERT_TRUE(RunSink(o, io::FileSystem::Default(), &landed).ok());
    testing::Landed l = ReadLanded(o.raw_dir, "events");
    EXPECT_EQ(l.lines.size(), 100u);
    EXPECT_TRUE(l.hidden_files.empty());
  }
}

TEST_F(SinkMockTest, InjectedRequestErrorsAreRetriedNothingLostNothingTwice) {
  uint64_t seed = testing::TestSeed(20260205);
  std::mt19937_64 rng(seed);
  cluster_.CreateTopic("events", 3);
  std::vector<std::pair<int32_t, std::string>> records;
  std::vector<std::string> good;
  for (int i = 0; i < 1500; ++i) {
    good.push_back(GoodLine(i, kDay5 + i));
    records.emplace_back(static_cast<int32_t>(rng() % 3), good.back());
  }
  testing::Produce(cluster_.bootstrap(), "events", records);
  rd_kafka_mock_cluster_t* mc = cluster_.get();
  // ApiKeys: Fetch 1, ListOffsets 2, OffsetCommit 8, OffsetFetch 9, FindCoordinator 10,
  // JoinGroup 11, Heartbeat 12, SyncGroup 14.
  rd_kafka_mock_push_request_errors(mc, 10, 2, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
  rd_kafka_mock_push_request_errors(mc, 11, 1, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
  rd_kafka_mock_push_request_errors(mc, 9, 2, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                                    RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
  rd_kafka_mock_push_request_errors(mc, 1, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                                    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  rd_kafka_mock_push_request_errors(mc, 8, 3, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
  SinkOptions o = Options("g");
  o.roll_max_bytes = 20'000;
  o.exit_at_end = false;
  auto classifier = NewEventClassifier(validation_);
  Sink s(o, io::FileSystem::Default(), *classifier);
  std::atomic<bool> stop{false};
  Status st;
  std::thread t([&] { st = s.Run(stop); });
  // Take the broker down for a while in the middle of the run.
  for (int i = 0; i < 400 && s.metrics().records.load() < 500; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  rd_kafka_mock_broker_set_down(mc, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1000));
  rd_kafka_mock_broker_set_up(mc, 1);
  for (int i = 0; i < 1200 && s.metrics().records.load() < good.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  t.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  // Finish with a clean run (more commit errors on the way) and check.
  rd_kafka_mock_push_request_errors(mc, 8, 2, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
  ASSERT_TRUE(RunSink(Options("g")).ok());
  testing::Landed l = ReadLanded(o.raw_dir, "events");
  EXPECT_EQ(Sorted(l.lines), Sorted(good));
  EXPECT_TRUE(l.hidden_files.empty());
}

TEST_F(SinkMockTest, RebalanceBetweenTwoSinksLosesNothingAndRepeatsNothing) {
  uint64_t seed = testing::TestSeed(7);
  std::mt19937_64 rng(seed);
  cluster_.CreateTopic("events", 4);
  std::vector<std::string> good;
  auto produce = [&](int from, int to) {
    std::vector<std::pair<int32_t, std::string>> records;
    for (int i = from; i < to; ++i) {
      good.push_back(GoodLine(i, kDay5 + i * 1000));
      records.emplace_back(static_cast<int32_t>(rng() % 4), good.back());
    }
    testing::Produce(cluster_.bootstrap(), "events", records);
  };
  produce(0, 1000);
  SinkOptions o = Options("shared");
  o.exit_at_end = false;
  o.roll_max_bytes = 8'000;
  o.kafka_properties.emplace_back("session.timeout.ms", "6000");
  o.kafka_properties.emplace_back("heartbeat.interval.ms", "500");
  auto ca = NewEventClassifier(validation_);
  auto cb = NewEventClassifier(validation_);
  Sink a(o, io::FileSystem::Default(), *ca);
  Sink b(o, io::FileSystem::Default(), *cb);
  std::atomic<bool> stop_a{false}, stop_b{false};
  Status sa, sb;
  std::thread ta([&] { sa = a.Run(stop_a); });
  for (int i = 0; i < 400 && a.metrics().records.load() < 300; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::thread tb([&] { sb = b.Run(stop_b); });  // joins: the group rebalances
  produce(1000, 2000);
  for (int i = 0; i < 400 && b.metrics().rolls.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  stop_a = true;  // a leaves midway: its partitions move to b
  ta.join();
  produce(2000, 3000);
  for (int i = 0; i < 1200 && a.metrics().records.load() + b.metrics().records.load() < good.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  stop_b = true;
  tb.join();
  ASSERT_TRUE(sa.ok()) << sa.ToString();
  ASSERT_TRUE(sb.ok()) << sb.ToString();
  EXPECT_GT(b.metrics().records.load(), 0u);
  EXPECT_EQ(a.metrics().records.load() + b.metrics().records.load(), good.size());
  testing::Landed l = ReadLanded(o.raw_dir, "events");
  EXPECT_EQ(Sorted(l.lines), Sorted(good));
  EXPECT_TRUE(l.hidden_files.empty());
}

}  // namespace
}  // namespace evpipe::sink
