// Tests of quarantine line encoding.
#include "evpipe/io/quarantine.h"

#include <gtest/gtest.h>

namespace evpipe::io {
namespace {

TEST(QuarantineTest, FileSourceAndUtf8Original) {
  std::string out;
  QuarantineSource src;
  src.file = "raw/events/ingest_date=2026-02-05/part-1.ndjson";
  src.line = 7;
  AppendQuarantineLine("{\"a\":1}", "missing_field:event_id", "raw-to-parquet", "2026-02-05", src,
                       1770286272123456, &out);
  EXPECT_EQ(out,
            "{\"reason\":\"missing_field:event_id\",\"stage\":\"raw-to-parquet\",\"ingest_date\":\"2026-02-05\","
            "\"source\":{\"file\":\"raw/events/ingest_date=2026-02-05/part-1.ndjson\",\"line\":7},"
            "\"original\":\"{\\\"a\\\":1}\",\"quarantined_at\":\"2026-02-05T10:11:12.123456Z\"}\n");
}

TEST(QuarantineTest, KafkaSourceAndBinaryOriginal) {
  std::string out;
  QuarantineSource src;
  src.topic = "events";
  src.partition = 2;
  src.offset = 1234;
  AppendQuarantineLine("\xff\xfe", "invalid_utf8", "sink-raw", "", src, 0, &out);
  EXPECT_NE(out.find("\"ingest_date\":null"), std::string::npos);
  EXPECT_NE(out.find("\"source\":{\"topic\":\"events\",\"partition\":2,\"offset\":1234}"), std::string::npos);
  EXPECT_NE(out.find("\"original_base64\":\"//4=\""), std::string::npos);
}

TEST(QuarantineTest, Dir) {
  EXPECT_EQ(QuarantineDir("data/quarantine", "events", "sink-raw", ""),
            "data/quarantine/events/sink-raw/ingest_date=unknown");
  EXPECT_EQ(QuarantineDir("q", "t", "raw-to-parquet", "2026-02-05"), "q/t/raw-to-parquet/ingest_date=2026-02-05");
}

}  // namespace
}  // namespace evpipe::io
