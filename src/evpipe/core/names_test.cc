// Topic names and Prometheus label values.
#include "evpipe/core/names.h"

#include <gtest/gtest.h>

namespace evpipe {
namespace {

TEST(ValidateTopicName, KafkasRule) {
  for (std::string_view ok : {"events", "a", "A.b_c-9", "..x", "x.."}) {
    EXPECT_TRUE(ValidateTopicName(ok).ok()) << ok;
  }
  std::string longest(kMaxTopicNameLength, 'a');
  EXPECT_TRUE(ValidateTopicName(longest).ok());
  for (std::string_view bad : {"", ".", "..", "../../escaped", "a/b", "a b", "ü", "a\n"}) {
    Status s = ValidateTopicName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ValidateTopicName(longest + "a").ok());
}

TEST(AppendPrometheusLabelValue, EscapesBackslashQuoteAndNewline) {
  std::string out;
  AppendPrometheusLabelValue("evil\",state=\"x\"}\nfake\\", &out);
  EXPECT_EQ(out, "evil\\\",state=\\\"x\\\"}\\nfake\\\\");
}

}  // namespace
}  // namespace evpipe
