// Round trips and malformed-input checks for the Kafka wire codec.
#include <gtest/gtest.h>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages.h"
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {
namespace {

TEST(WireTest, VarintsRoundTrip) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{300}, INT64_MAX, INT64_MIN}) {
    Writer w;
    w.Varlong(v);
    Reader r(w.buffer());
    EXPECT_EQ(r.Varlong(), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
  for (int32_t v : {0, 1, -1, 1000000, INT32_MAX, INT32_MIN}) {
    Writer w;
    w.Varint(v);
    Reader r(w.buffer());
    EXPECT_EQ(r.Varint(), v);
  }
}

TEST(WireTest, CompactAndClassicStrings) {
  Writer w;
  w.String("abc", true);
  w.NullableString(std::nullopt, true);
  w.String("de", false);
  w.NullableString(std::nullopt, false);
  Reader r(w.buffer());
  EXPECT_EQ(r.String(true), "abc");
  EXPECT_FALSE(r.NullableString(true).has_value());
  EXPECT_EQ(r.String(false), "de");
  EXPECT_FALSE(r.NullableString(false).has_value());
  EXPECT_TRUE(r.ok());
}

TEST(WireTest, HugeLengthsFailWithoutAllocating) {
  Writer w;
  w.Int32(0x7fffffff);  // array length far beyond the input
  Reader r(w.buffer());
  EXPECT_EQ(r.ArrayLength(false), 0);
  EXPECT_FALSE(r.ok());
  Writer w2;
  w2.Int16(30000);  // string longer than the input
  Reader r2(w2.buffer());
  r2.String(false);
  EXPECT_FALSE(r2.ok());
}

TEST(WireTest, ShortReadsFail) {
  Reader r(std::string_view("\x01", 1));
  r.Int32();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.Int64(), 0);
}

TEST(MessagesTest, MetadataRequestNullTopicsMeansAll) {
  MetadataRequest req;
  Writer w;
  req.Encode(w, 4);
  Reader r(w.buffer());
  MetadataRequest back;
  ASSERT_TRUE(back.Decode(r, 4));
  EXPECT_FALSE(back.topics.has_value());
}

TEST(MessagesTest, FetchRequestRoundTripAllVersions) {
  for (int16_t v = 4; v <= 11; ++v) {
    FetchRequest req;
    req.max_wait_ms = 500;
    req.min_bytes = 1;
    req.topics.push_back({"events", {{2, -1, 42, -1, 1 << 20}}});
    Writer w;
    req.Encode(w, v);
    Reader r(w.buffer());
    FetchRequest back;
    ASSERT_TRUE(back.Decode(r, v)) << v;
    EXPECT_EQ(r.remaining(), 0u) << v;
    ASSERT_EQ(back.topics.size(), 1u);
    EXPECT_EQ(back.topics[0].topic, "events");
    EXPECT_EQ(back.topics[0].partitions[0].fetch_offset, 42);
    EXPECT_EQ(back.topics[0].partitions[0].partition_max_bytes, 1 << 20);
  }
}

TEST(MessagesTest, ApiVersionsV3IsFlexible) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({0, 3, 8});
  Writer w;
  resp.Encode(w, 3);
  Reader r(w.buffer());
  ApiVersionsResponse back;
  ASSERT_TRUE(back.Decode(r, 3));
  ASSERT_EQ(back.api_keys.size(), 1u);
  EXPECT_EQ(back.api_keys[0].max_version, 8);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MessagesTest, TruncatedProduceRequestIsRejected) {
  ProduceRequest req;
  req.acks = -1;
  std::string records(100, 'x');
  req.topics.push_back({"t", {{0, std::string_view(records)}}});
  Writer w;
  req.Encode(w, 7);
  std::string bytes = w.Release();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Reader r(std::string_view(bytes).substr(0, cut));
    ProduceRequest back;
    EXPECT_FALSE(back.Decode(r, 7)) << cut;
  }
}

// A spliced encoding, joined, is byte for byte the copied one: the broker
// writes fetch responses this way (ResponseFrame in broker/connection.h).
TEST(WireTest, SplicedBytesJoinToTheCopiedEncoding) {
  FetchResponse m;
  m.topics.push_back({"a", {{0, 0, 9, 9, 0, -1, std::string(10, 'x')}, {1, 0, 9, 9, 0, -1, std::string(5000, 'y')}}});
  m.topics.push_back({"b", {{0, 0, 9, 9, 0, -1, std::string(4096, 'z')}, {1, 0, 9, 9, 0, -1, ""}}});
  for (int16_t v : {int16_t{4}, int16_t{12}}) {
    Writer copied;
    copied.Int32(7);
    m.Encode(copied, v);
    Writer spliced;
    spliced.SpliceBytesFrom(4096);
    spliced.Int32(7);
    m.Encode(spliced, v);
    EXPECT_EQ(spliced.size(), copied.size()) << "v" << v;
    std::vector<Writer::Splice> splices = spliced.ReleaseSplices();
    ASSERT_EQ(splices.size(), 2u) << "v" << v;  // the 5000 and 4096 byte records, not the 10
    std::string head = spliced.Release();
    EXPECT_EQ(head.size() + 5000 + 4096, copied.size());
    std::string joined;
    size_t at = 0;
    for (const auto& sp : splices) {
      ASSERT_GE(sp.at, at);
      joined.append(head, at, sp.at - at);
      joined.append(sp.bytes);
      at = sp.at;
    }
    joined.append(head, at);
    EXPECT_EQ(joined, copied.buffer()) << "v" << v;
  }
}

TEST(ApiTest, EveryApiHasASaneRange) {
  for (const ApiSupport& a : SupportedApis()) {
    EXPECT_LE(a.min_version, a.max_version) << a.name;
    EXPECT_EQ(FindApi(static_cast<int16_t>(a.key)), &a);
  }
  EXPECT_EQ(FindApi(999), nullptr);
}

}  // namespace
}  // namespace evpipe::kafka_protocol
