// ScanLake over directories written the way sink-raw and raw-to-parquet write
// them (the real job makes the Parquet files), plus missing and broken inputs.
#include "evpipe/console/lake.h"

#include <gtest/gtest.h>

#include "evpipe/event/event.h"
#include "evpipe/io/quarantine.h"
#include "evpipe/jobs/raw_input.h"
#include "evpipe/jobs/raw_to_parquet.h"
#include "support/temp_dir.h"

namespace evpipe::console {
namespace {

constexpr const char* kTopic = "events";

std::string EventLine(const std::string& id, const std::string& ingest) {
  event::Event e;
  e.event_id = id;
  e.event_type = "order_created";
  e.event_time_us = *event::ParseTimestamp(ingest);
  e.ingest_time_us = e.event_time_us;
  e.payload = R"({"order_id":"o-)" + id + R"("})";
  event::SetChecksum(&e);
  std::string line;
  event::EncodeLine(e, &line);
  return line + "\n";
}

class LakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dirs_.raw_dir = io::JoinPath(tmp_.path(), "raw");
    dirs_.parquet_dir = io::JoinPath(tmp_.path(), "parquet");
    dirs_.quarantine_dir = io::JoinPath(tmp_.path(), "quarantine");
  }
  void WriteRaw(const std::string& date, const std::string& name, const std::string& data) {
    const std::string dir = io::DatePartitionDir(dirs_.raw_dir, kTopic, date);
    ASSERT_TRUE(fs_.CreateDirs(dir).ok());
    ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, name), data).ok());
  }
  void Quarantine(const std::string& stage, const std::string& date, const std::string& reason, int n) {
    std::string data;
    for (int i = 0; i < n; ++i) {
      io::QuarantineSource src;
      src.topic = kTopic;
      src.partition = 0;
      src.offset = i;
      io::AppendQuarantineLine("not json", reason, stage, date == "unknown" ? "" : date, src, 0, &data);
    }
    const std::string dir = io::QuarantineDir(dirs_.quarantine_dir, kTopic, stage, date);
    ASSERT_TRUE(fs_.CreateDirs(dir).ok());
    ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, "part-" + reason + ".ndjson"), data).ok());
  }
  void Convert(const std::string& date) {
    jobs::Options o;
    o.raw_dir = dirs_.raw_dir;
    o.parquet_dir = dirs_.parquet_dir;
    o.quarantine_dir = dirs_.quarantine_dir;
    o.topic = kTopic;
    o.progress = false;
    o.threads = 1;
    auto r = jobs::ConvertDate(fs_, o, date);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  testing::TempDir tmp_;
  io::FileSystem& fs_ = io::FileSystem::Default();
  LakeDirs dirs_;
};

TEST_F(LakeTest, MissingDirectoriesAreReportedNotFailed) {
  auto r = ScanLake(fs_, dirs_, kTopic);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->raw_exists);
  EXPECT_FALSE(r->parquet_exists);
  EXPECT_FALSE(r->quarantine_exists);
  EXPECT_TRUE(r->dates.empty());
  EXPECT_FALSE(r->iceberg_exists);
  std::string json = LakeToJson(*r);
  EXPECT_NE(json.find(R"("raw":{"dir":")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("exists":false)"), std::string::npos) << json;
}

TEST_F(LakeTest, CountsRawQuarantineParquetAndBalancesPerDate) {
  // 2026-02-05: 4 lines, one a duplicate and one poison; converted.
  WriteRaw("2026-02-05", "part-0-0.ndjson",
           EventLine("a", "2026-02-05T10:00:00Z") + EventLine("b", "2026-02-05T11:00:00Z"));
  WriteRaw("2026-02-05", "part-0-2.ndjson", EventLine("a", "2026-02-05T10:00:00Z") + "{not json\n");
  WriteRaw("2026-02-05", ".part-0-4.ndjson", EventLine("z", "2026-02-05T10:00:00Z"));  // being written: skipped
  Convert("2026-02-05");
  // 2026-02-06: landed, not converted yet.
  WriteRaw("2026-02-06", "part-1-0.ndjson", EventLine("c", "2026-02-06T01:00:00Z"));
  // Records the sink could not date.
  Quarantine("sink-raw", "unknown", "invalid_json", 2);
  Quarantine("sink-raw", "2026-02-05", "checksum_mismatch", 1);

  auto r = ScanLake(fs_, dirs_, kTopic);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->dates.size(), 3u);
  const LakeDate& d5 = r->dates[0];
  EXPECT_EQ(d5.date, "2026-02-05");
  EXPECT_EQ(d5.raw_files, 2);
  EXPECT_EQ(d5.raw_lines, 4);
  EXPECT_EQ(d5.duplicates_removed, 1);
  EXPECT_EQ(d5.parquet_rows, 2);
  EXPECT_GE(d5.parquet_files, 1);
  EXPECT_GT(d5.parquet_bytes, 0);
  EXPECT_EQ(d5.quarantined, 2);  // the poison line (raw-to-parquet) and the sink's checksum reject
  EXPECT_EQ(d5.quarantined_by_stage.at("raw-to-parquet"), 1);
  EXPECT_EQ(d5.quarantined_by_stage.at("sink-raw"), 1);
  EXPECT_EQ(d5.quarantined_by_reason.at("checksum_mismatch"), 1);
  EXPECT_EQ(d5.balance, "ok");

  const LakeDate& d6 = r->dates[1];
  EXPECT_EQ(d6.date, "2026-02-06");
  EXPECT_EQ(d6.raw_lines, 1);
  EXPECT_EQ(d6.parquet_rows, 0);
  EXPECT_EQ(d6.balance, "pending");

  const LakeDate& unknown = r->dates[2];
  EXPECT_EQ(unknown.date, "unknown");
  EXPECT_EQ(unknown.quarantined_by_reason.at("invalid_json"), 2);
  EXPECT_EQ(unknown.balance, "quarantine-only");
  EXPECT_EQ(r->topics, std::vector<std::string>{kTopic});
}

TEST_F(LakeTest, RawLinesLandedAfterTheConversionAreAMismatch) {
  WriteRaw("2026-02-05", "part-0-0.ndjson",
           EventLine("a", "2026-02-05T10:00:00Z") + EventLine("b", "2026-02-05T11:00:00Z"));
  Convert("2026-02-05");
  // More raw lines land after the conversion: the date no longer balances.
  WriteRaw("2026-02-05", "part-0-2.ndjson", EventLine("c", "2026-02-05T12:00:00Z"));
  auto r = ScanLake(fs_, dirs_, kTopic);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->dates.size(), 1u);
  EXPECT_EQ(r->dates[0].balance, "mismatch");
}

TEST_F(LakeTest, ACorruptParquetFileIsAnErrorNamingIt) {
  const std::string dir = io::DatePartitionDir(dirs_.parquet_dir, kTopic, "2026-02-05");
  ASSERT_TRUE(fs_.CreateDirs(dir).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, "part-00000.parquet"), "not parquet").ok());
  auto r = ScanLake(fs_, dirs_, kTopic);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("part-00000.parquet"), std::string::npos) << r.status().message();
}

TEST_F(LakeTest, ShowsTheIcebergSnapshotsThatTheJobCommits) {
  WriteRaw("2026-02-05", "part-0-0.ndjson",
           EventLine("a", "2026-02-05T10:00:00Z") + EventLine("b", "2026-02-05T11:00:00Z"));
  WriteRaw("2026-02-06", "part-0-0.ndjson", EventLine("c", "2026-02-06T10:00:00Z"));
  Convert("2026-02-05");
  Convert("2026-02-06");
  auto r = ScanLake(fs_, dirs_, kTopic);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->iceberg_exists);
  EXPECT_EQ(r->iceberg_error, "");
  ASSERT_EQ(r->snapshots.size(), 2u);  // one per run, oldest first
  EXPECT_FALSE(r->snapshots[0].current);
  EXPECT_TRUE(r->snapshots[1].current);
  EXPECT_EQ(r->snapshots[1].total_records, 3);
  EXPECT_EQ(r->snapshots[1].added_records, 1);
  ASSERT_EQ(r->dates.size(), 2u);
  for (const LakeDate& d : r->dates) {
    EXPECT_EQ(d.iceberg_rows, d.parquet_rows) << d.date;
    EXPECT_EQ(d.balance, "ok") << d.date;
  }
  // Snapshot ids go out as strings: JavaScript numbers cannot hold them.
  std::string json = LakeToJson(*r);
  EXPECT_NE(json.find("\"snapshot_id\":\"" + std::to_string(r->snapshots[1].snapshot_id) + "\""), std::string::npos)
      << json;
}

TEST_F(LakeTest, AForeignOrBrokenTableIsShownNotFatal) {
  WriteRaw("2026-02-05", "part-0-0.ndjson", EventLine("a", "2026-02-05T10:00:00Z"));
  const std::string meta = io::JoinPath(io::JoinPath(dirs_.parquet_dir, kTopic), "metadata");
  ASSERT_TRUE(fs_.CreateDirs(meta).ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(meta, "v1.metadata.json"), "{truncated").ok());
  ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(meta, "version-hint.text"), "1").ok());
  auto r = ScanLake(fs_, dirs_, kTopic);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->iceberg_exists);
  EXPECT_NE(r->iceberg_error, "");
  EXPECT_TRUE(r->snapshots.empty());
  ASSERT_EQ(r->dates.size(), 1u);
  EXPECT_EQ(r->dates[0].raw_lines, 1);
}

}  // namespace
}  // namespace evpipe::console
