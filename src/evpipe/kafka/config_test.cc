// Config: -X settings are applied, and bad ones come back as one-line errors.
#include "evpipe/kafka/config.h"

#include <gtest/gtest.h>

#include "evpipe/kafka/producer.h"

namespace evpipe::kafka {
namespace {

TEST(ConfigTest, SetsAKnownProperty) {
  Config config;
  ASSERT_TRUE(config.Set("linger.ms", "7").ok());
  EXPECT_EQ(config.Get("linger.ms"), "7");
}

TEST(ConfigTest, UnknownKeyNamesTheKey) {
  Config config;
  Status s = config.SetProperties({"no.such.thing=1"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("-X no.such.thing=1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such configuration property"), std::string::npos) << s.message();
}

TEST(ConfigTest, BadValueNamesTheValue) {
  Config config;
  Status s = config.SetProperties({"linger.ms=soon"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("linger.ms=soon"), std::string::npos) << s.message();
}

TEST(ConfigTest, MissingEqualsSign) {
  Config config;
  Status s = config.SetProperties({"acks"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("key=value"), std::string::npos) << s.message();
}

TEST(ConfigTest, UserSettingsOverrideOurDefaults) {
  auto config = ProducerConfig("127.0.0.1:1", "zstd", {"linger.ms=1", "compression.type=lz4"});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->Get("linger.ms"), "1");
  EXPECT_EQ(config->Get("compression.type"), "lz4");
  EXPECT_EQ(config->Get("enable.idempotence"), "true");
}

TEST(ConfigTest, BadCompressionIsRejected) {
  auto config = ProducerConfig("127.0.0.1:1", "zip", {});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("--compression"), std::string::npos) << config.status().message();
}

}  // namespace
}  // namespace evpipe::kafka
