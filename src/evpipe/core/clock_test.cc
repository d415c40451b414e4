// Tests for the clock helpers: the duration syntax of flags.
#include <gtest/gtest.h>

#include "evpipe/core/clock.h"

namespace evpipe {
namespace {

TEST(Clock, ParseDurationMicros) {
  EXPECT_EQ(*ParseDurationMicros("36h"), 36LL * 3600 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("90m"), 90LL * 60 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("2d"), 2LL * 86400 * 1000000);
  EXPECT_EQ(*ParseDurationMicros("45"), 45LL * 1000000);
  EXPECT_EQ(*ParseDurationMicros("1500ms"), 1500000);
  EXPECT_FALSE(ParseDurationMicros("").ok());
  EXPECT_FALSE(ParseDurationMicros("h").ok());
  EXPECT_FALSE(ParseDurationMicros("5w").ok());
  EXPECT_FALSE(ParseDurationMicros("-5m").ok());
  EXPECT_FALSE(ParseDurationMicros("99999999999999d").ok());
}

}  // namespace
}  // namespace evpipe
