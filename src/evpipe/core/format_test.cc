// The number formatter.
#include "evpipe/core/format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace evpipe {
namespace {

TEST(FormatTest, Bytes) {
  const struct {
    int64_t bytes;
    std::string want;
  } cases[] = {
      {0, "0 B"},
      {999, "999 B"},
      {1000, "1.0 kB"},
      {358711, "358.7 kB"},
      {13200766, "13.2 MB"},
      {999960, "1.0 MB"},  // not "1000.0 kB"
      {1095542734, "1.1 GB"},
      {-5, "0 B"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatBytes(c.bytes), c.want) << c.bytes;
}

TEST(FormatTest, Counts) {
  const struct {
    double count;
    std::string want;
  } cases[] = {
      {0, "0"},          {912, "912"},       {999.4, "999"},      {999.6, "1.00k"},     {1234, "1.23k"},
      {22716, "22.7k"},  {268301, "268k"},   {999999, "1.00M"},   {1271306, "1.27M"},   {3.4e9, "3.40G"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatCount(c.count), c.want) << c.count;
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
