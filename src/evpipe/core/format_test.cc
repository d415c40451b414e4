// The number formatter.
#include "evpipe/core/format.h"

#include <gtest/gtest.h>

namespace evpipe {
namespace {

TEST(FormatTest, Bytes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(1000), "1.0 kB");
  EXPECT_EQ(FormatBytes(358711), "358.7 kB");
  EXPECT_EQ(FormatBytes(13200766), "13.2 MB");
  EXPECT_EQ(FormatBytes(999960), "1.0 MB");  // not "1000.0 kB"
  EXPECT_EQ(FormatBytes(1095542734), "1.1 GB");
  EXPECT_EQ(FormatBytes(-5), "0 B");
}

TEST(FormatTest, Counts) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(912), "912");
  EXPECT_EQ(FormatCount(999.4), "999");
  EXPECT_EQ(FormatCount(999.6), "1.00k");
  EXPECT_EQ(FormatCount(1234), "1.23k");
  EXPECT_EQ(FormatCount(22716), "22.7k");
  EXPECT_EQ(FormatCount(268301), "268k");
  EXPECT_EQ(FormatCount(999999), "1.00M");
  EXPECT_EQ(FormatCount(1271306), "1.27M");
  EXPECT_EQ(FormatCount(3.4e9), "3.40G");
}

TEST(FormatTest, RatesAndPlurals) {
  EXPECT_EQ(FormatRate(268301, "records"), "268k records/s");
  EXPECT_EQ(FormatRate(391.9e6, "B"), "391.9 MB/s");
  EXPECT_EQ(Plural(1, "record"), "1 record");
  EXPECT_EQ(Plural(0, "record"), "0 records");
  EXPECT_EQ(Plural(22716, "record"), "22716 records");
}

}  // namespace
}  // namespace evpipe
