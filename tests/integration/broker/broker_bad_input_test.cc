// Bad input against `evpipe broker` over raw TCP: malformed frames, wrong
// sizes, unknown API keys and versions, huge lengths, corrupt record batches
// and seeded random garbage. Each gets an error response or a closed
// connection; the broker keeps serving and never crashes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages.h"
#include "evpipe/broker/batch/byte_order.h"
#include "evpipe/broker/batch/record_batch.h"
#include "support/broker_process.h"
#include "support/raw_client.h"

namespace {

namespace kp = evpipe::kafka_protocol;
using evpipe::testing::BrokerProcess;
using evpipe::testing::RawConn;
using evpipe::testing::RequestFrame;

std::string Raw(int32_t size, const std::string& rest) {
  kp::Writer w;
  w.Int32(size);
  w.Raw(rest);
  return w.Release();
}

// ApiVersions v0 on a fresh connection: the broker is alive and answering.
void ExpectAlive(const BrokerProcess& broker) {
  RawConn c(broker.bootstrap());
  ASSERT_TRUE(c.ok()) << "cannot connect: broker down?";
  ASSERT_TRUE(c.Send(RequestFrame(18, 0, 7, "")));
  std::string resp = c.ReadFrame();
  ASSERT_GE(resp.size(), 6u) << "no ApiVersions response";
  kp::Reader r(resp);
  EXPECT_EQ(r.Int32(), 7);
  EXPECT_EQ(r.Int16(), 0);
}

class BrokerBadInputTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ExpectAlive(broker_);
    EXPECT_TRUE(broker_.Stop()) << "broker did not exit cleanly on SIGTERM:\n" << broker_.ReadLog();
  }
  BrokerProcess broker_;
};

TEST_F(BrokerBadInputTest, NegativeAndTinyAndHugeSizesCloseTheConnection) {
  for (int32_t size : {-1, 0, 3, INT32_MAX, 100 * 1024 * 1024 + 1}) {
    RawConn c(broker_.bootstrap());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send(Raw(size, std::string(16, 'x'))));
    EXPECT_TRUE(c.ClosesWithoutAnswer()) << "size " << size;
  }
}

TEST_F(BrokerBadInputTest, UnknownApiKeyClosesAfterEarlierResponses) {
  RawConn c(broker_.bootstrap());
  ASSERT_TRUE(c.Send(RequestFrame(18, 0, 1, "") + RequestFrame(999, 0, 2, "") + RequestFrame(18, 0, 3, "")));
  std::string first = c.ReadFrame();
  ASSERT_GE(first.size(), 4u);
  EXPECT_EQ(kp::Reader(first).Int32(), 1);  // answered in order before the close
  EXPECT_TRUE(c.ClosesWithoutAnswer());
}

TEST_F(BrokerBadInputTest, UnsupportedApiVersionsVersionGetsV0ErrorWithRanges) {
  RawConn c(broker_.bootstrap());
  ASSERT_TRUE(c.Send(RequestFrame(18, 99, 5, std::string(3, '\0'))));
  std::string resp = c.ReadFrame();
  kp::Reader r(resp);
  EXPECT_EQ(r.Int32(), 5);
  kp::ApiVersionsResponse v;
  ASSERT_TRUE(v.Decode(r, 0));
  EXPECT_EQ(v.error_code, kp::Code(kp::ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(v.api_keys.size(), kp::SupportedApis().size());
}

TEST_F(BrokerBadInputTest, UnsupportedVersionOfAKnownApiCloses) {
  RawConn c(broker_.bootstrap());
  ASSERT_TRUE(c.Send(RequestFrame(0, 99, 1, "")));  // Produce v99
  EXPECT_TRUE(c.ClosesWithoutAnswer());
}

TEST_F(BrokerBadInputTest, TruncatedAndOversizedArraysClose) {
  {
    kp::Writer body;
    body.Int32(INT32_MAX);  // Metadata topics array length
    RawConn c(broker_.bootstrap());
    ASSERT_TRUE(c.Send(RequestFrame(3, 4, 1, body.Release())));
    EXPECT_TRUE(c.ClosesWithoutAnswer());
  }
  {
    RawConn c(broker_.bootstrap());
    ASSERT_TRUE(c.Send(RequestFrame(0, 7, 1, std::string(5, '\x01'))));  // Produce, cut short
    EXPECT_TRUE(c.ClosesWithoutAnswer());
  }
}

TEST_F(BrokerBadInputTest, CorruptRecordBatchGetsCorruptMessage) {
  // A batch whose CRC does not match its bytes.
  namespace rb = evpipe::broker::batch;
  std::string batch(rb::kBatchHeaderBytes + 10, '\0');
  rb::StoreBeU32(batch.data() + rb::kBatchLengthPos, static_cast<uint32_t>(batch.size() - 12));
  batch[rb::kMagicPos] = 2;
  rb::StoreBeU32(batch.data() + rb::kCrcPos, 12345);
  RawConn c(broker_.bootstrap());
  // Produce never creates a topic (as in Kafka): Metadata does.
  kp::MetadataRequest md;
  md.topics = std::vector<std::string>{"bad-input"};
  md.allow_auto_topic_creation = true;
  kp::Writer md_body;
  md.Encode(md_body, 4);
  ASSERT_TRUE(c.Send(RequestFrame(3, 4, 8, md_body.Release())));
  c.ReadFrame();
  kp::ProduceRequest req;
  req.acks = 1;
  req.timeout_ms = 1000;
  req.topics.push_back({"bad-input", {{0, std::string_view(batch)}}});
  kp::Writer body;
  req.Encode(body, 7);
  ASSERT_TRUE(c.Send(RequestFrame(0, 7, 9, body.Release())));
  std::string resp = c.ReadFrame();
  kp::Reader r(resp);
  EXPECT_EQ(r.Int32(), 9);
  kp::ProduceResponse pr;
  ASSERT_TRUE(pr.Decode(r, 7));
  ASSERT_EQ(pr.topics.size(), 1u);
  ASSERT_EQ(pr.topics[0].partitions.size(), 1u);
  EXPECT_EQ(pr.topics[0].partitions[0].error_code, kp::Code(kp::ErrorCode::kCorruptMessage));
}

TEST_F(BrokerBadInputTest, SeededRandomFramesNeverCrashTheBroker) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("EVPIPE_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("seed=%llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::vector<int16_t> keys;
  for (const auto& a : kp::SupportedApis()) keys.push_back(static_cast<int16_t>(a.key));
  for (int i = 0; i < 300; ++i) {
    RawConn c(broker_.bootstrap());
    ASSERT_TRUE(c.ok()) << "broker stopped accepting after " << i << " frames (seed " << seed << ")";
    const auto* api = kp::FindApi(keys[rng() % keys.size()]);
    int16_t version = static_cast<int16_t>(api->min_version + rng() % (api->max_version - api->min_version + 1));
    std::string body(rng() % 200, '\0');
    for (char& ch : body) ch = static_cast<char>(rng() % 4 == 0 ? 0xff : rng() % 8);
    c.Send(RequestFrame(static_cast<int16_t>(api->key), version, i, body));
    c.ReadFrame(500);  // a response, a close or a parked long poll: all fine
  }
}

}  // namespace
