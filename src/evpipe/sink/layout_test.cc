// File names of the raw landing.
#include "evpipe/sink/layout.h"

#include <gtest/gtest.h>

namespace evpipe::sink {
namespace {

TEST(LayoutTest, FinalNameRoundTrips) {
  EXPECT_EQ(FinalFileName(2, 100, 250), "part-p2-100-250.ndjson");
  auto id = ParseFinalFileName("part-p2-100-250.ndjson");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->partition, 2);
  EXPECT_EQ(id->first, 100);
  EXPECT_EQ(id->last, 250);
}

TEST(LayoutTest, RejectsOtherNames) {
  EXPECT_FALSE(ParseFinalFileName("part-p2-100.ndjson"));
  EXPECT_FALSE(ParseFinalFileName("part-p2-300-250.ndjson"));
  EXPECT_FALSE(ParseFinalFileName(".part-p2-100.ndjson.inprogress"));
  EXPECT_FALSE(ParseFinalFileName("part-px-1-2.ndjson"));
}

TEST(LayoutTest, InProgressNamesAreHiddenAndPerPartition) {
  std::string n = InProgressFileName(12, 7);
  EXPECT_EQ(n, ".part-p12-7.ndjson.inprogress");
  EXPECT_TRUE(IsInProgressFileOf(n, 12));
  EXPECT_FALSE(IsInProgressFileOf(n, 1));
  EXPECT_FALSE(IsInProgressFileOf("part-p12-7-9.ndjson", 12));
}

TEST(LayoutTest, Folders) {
  Layout l("/r", "/q", "events");
  EXPECT_EQ(l.RawDateDir("2026-02-05"), "/r/events/ingest_date=2026-02-05");
  EXPECT_EQ(l.QuarantineDateDir(""), "/q/events/sink-raw/ingest_date=unknown");
  EXPECT_EQ(l.StatePath(3), "/r/events/.sink-raw/p3.state");
}

}  // namespace
}  // namespace evpipe::sink
