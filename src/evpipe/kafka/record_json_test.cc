// The JSON record encoding round-trips any bytes.
#include "evpipe/kafka/record_json.h"

#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

namespace evpipe::kafka {
namespace {

// The base64 and JSON escaping vectors are in core/text_test.cc (one encoder).

TEST(RecordJsonTest, Utf8StaysReadable) {
  RecordView r;
  r.topic = "events";
  r.partition = 2;
  r.offset = 41;
  r.timestamp_ms = 1770286272123;
  r.key = "o-17";
  r.value = "{\"a\":\"b\\n\"}\n\xc3\xa9";
  r.headers = {{"trace", std::string_view("a1")}, {"nul", std::nullopt}};
  std::string line;
  AppendRecordJson(r, &line);
  EXPECT_EQ(line,
            "{\"topic\":\"events\",\"partition\":2,\"offset\":41,\"timestamp\":1770286272123,\"key\":\"o-17\","
            "\"headers\":[{\"key\":\"trace\",\"value\":\"a1\"},{\"key\":\"nul\",\"value\":null}],"
            "\"value\":\"{\\\"a\\\":\\\"b\\\\n\\\"}\\n\xc3\xa9\"}\n");
}

TEST(RecordJsonTest, NullKeyAndValue) {
  RecordView r;
  r.topic = "t";
  std::string line;
  AppendRecordJson(r, &line);
  JsonRecordReader reader;
  JsonRecord back;
  ASSERT_TRUE(reader.Parse(line, &back).ok());
  EXPECT_FALSE(back.key.has_value());
  EXPECT_FALSE(back.value.has_value());
  EXPECT_EQ(back.timestamp_ms, -1);
}

TEST(RecordJsonTest, RandomBytesRoundTrip) {
  // EVPIPE_TEST_SEED=N repeats a run.
  const char* env = std::getenv("EVPIPE_TEST_SEED");
  uint32_t seed = env != nullptr ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10)) : std::random_device{}();
  std::printf("seed=%u (EVPIPE_TEST_SEED)\n", seed);
  std::mt19937 rng(seed);
  JsonRecordReader reader;
  for (int i = 0; i < 2000; ++i) {
    auto random_bytes = [&](bool ascii) {
      std::string s(rng() % 40, '\0');
      for (char& c : s) c = static_cast<char>(ascii ? rng() % 128 : rng() % 256);
      return s;
    };
    std::string key = random_bytes(i % 2 == 0);
    std::string value = random_bytes(i % 3 == 0);
    std::string hkey = random_bytes(true);
    std::string hvalue = random_bytes(false);
    RecordView r;
    r.topic = "t";
    r.partition = static_cast<int32_t>(rng() % 7);
    r.timestamp_ms = rng();
    r.key = key;
    r.value = value;
    r.headers = {{hkey, std::string_view(hvalue)}};
    std::string line;
    AppendRecordJson(r, &line);
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
    JsonRecord back;
    Status s = reader.Parse(line, &back);
    ASSERT_TRUE(s.ok()) << s.message() << " in " << line;
    EXPECT_EQ(back.key, key);
    EXPECT_EQ(back.value, value);
    EXPECT_EQ(back.partition, r.partition);
    EXPECT_EQ(back.timestamp_ms, r.timestamp_ms);
    ASSERT_EQ(back.headers.size(), 1u);
    EXPECT_EQ(back.headers[0].first, hkey);
    EXPECT_EQ(back.headers[0].second, hvalue);
  }
}

TEST(RecordJsonTest, RejectsBadLines) {
  JsonRecordReader reader;
  JsonRecord r;
  EXPECT_FALSE(reader.Parse("not json", &r).ok());
  EXPECT_FALSE(reader.Parse("[1]", &r).ok());
  EXPECT_FALSE(reader.Parse("{\"key\":\"k\"}", &r).ok()) << "no value";
  EXPECT_FALSE(reader.Parse("{\"value\":1}", &r).ok());
  EXPECT_FALSE(reader.Parse("{\"value_b64\":\"@@@@\"}", &r).ok());
  EXPECT_FALSE(reader.Parse("{\"value\":\"v\",\"partition\":-1}", &r).ok());
}

}  // namespace
}  // namespace evpipe::kafka
