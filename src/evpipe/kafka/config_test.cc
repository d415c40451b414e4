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

TEST(ConfigTest, BatchesForFewPartitionsAreOneMegabyteInFourMebibytes) {
  for (int partitions : {0, 1, 2, 3}) {
    BatchSizing s = SizeBatches(partitions);
    EXPECT_EQ(s.batch_bytes, 1'000'000) << partitions;
    EXPECT_EQ(s.window_kbytes, 4096) << partitions;
  }
}

TEST(ConfigTest, WindowHoldsABatchPerPartitionAndOneMore) {
  // Otherwise no partition's batch fills and every batch waits for linger.ms.
  EXPECT_EQ(SizeBatches(6).batch_bytes, 1'000'000);
  EXPECT_EQ(SizeBatches(6).window_kbytes, 6836);  // 7 MB
  for (int partitions = 1; partitions <= 5000; ++partitions) {
    BatchSizing s = SizeBatches(partitions);
    ASSERT_GT(s.batch_bytes, 0) << partitions;
    ASSERT_LE(s.batch_bytes, 1'000'000) << partitions;
    ASSERT_GE(s.window_kbytes * 1024, (partitions + 1) * s.batch_bytes) << partitions;
    ASSERT_LE(s.window_kbytes * 1024, kMaxWindowBytes) << partitions;
  }
  EXPECT_LT(SizeBatches(100).batch_bytes, 1'000'000);  // past 32 MiB the batches shrink
}

TEST(ConfigTest, ProducerIsSizedForItsPartitionsUnlessToldOtherwise) {
  auto sized = ProducerConfig("127.0.0.1:1", "none", {}, 12);
  ASSERT_TRUE(sized.ok()) << sized.status().ToString();
  EXPECT_EQ(sized->Get("queue.buffering.max.kbytes"), "12696");
  EXPECT_EQ(sized->Get("batch.size"), "1000000");
  auto told = ProducerConfig("127.0.0.1:1", "none", {"queue.buffering.max.kbytes=2048", "batch.size=65536"}, 12);
  ASSERT_TRUE(told.ok()) << told.status().ToString();
  EXPECT_EQ(told->Get("queue.buffering.max.kbytes"), "2048");
  EXPECT_EQ(told->Get("batch.size"), "65536");
}

}  // namespace
}  // namespace evpipe::kafka
