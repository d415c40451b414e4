// Record batch validation: good batches of every codec pass; each broken rule
// is refused with the Kafka code Produce answers and a reason.
#include "evpipe/broker/batch/record_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "evpipe/broker/batch/byte_order.h"
#include "evpipe/broker/batch/compression.h"
#include "evpipe/broker/batch/crc32c.h"
#include "support/record_batch_builder.h"

namespace evpipe::broker::batch {
namespace {

using evpipe::testing::BatchOptions;
using evpipe::testing::BuildRecordBatch;
using evpipe::testing::BuildSimpleBatch;
using evpipe::testing::CompressRecordBatch;
using evpipe::testing::TestRecord;

constexpr int64_t kMax = 1 << 20;

void Recrc(std::string& b) { StoreBeU32(&b[kCrcPos], ComputeBatchCrc(b)); }

TEST(ByteOrderTest, VarintsRoundTripAndRefuseOverlongEncodings) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{300}, int64_t{-300}, INT64_MAX, INT64_MIN}) {
    std::string s;
    AppendVarlong(s, v);
    std::string_view in = s;
    int64_t back = 0;
    ASSERT_TRUE(ReadVarlong(in, &back));
    EXPECT_EQ(back, v);
    EXPECT_TRUE(in.empty());
  }
  std::string s;
  AppendVarint(s, INT32_MIN);
  std::string_view in = s;
  int32_t v = 0;
  ASSERT_TRUE(ReadVarint(in, &v));
  EXPECT_EQ(v, INT32_MIN);
  std::string six(5, '\x80');
  six += '\x01';
  in = six;
  EXPECT_FALSE(ReadVarint(in, &v));  // 6 bytes for 32 bits
  EXPECT_EQ(in.size(), six.size());  // nothing consumed
  std::string cut = "\x80\x80";
  in = cut;
  EXPECT_FALSE(ReadVarint(in, &v));
  char buf[8];
  StoreBe64(buf, -2);
  EXPECT_EQ(LoadBe64(buf), -2);
  StoreBeU32(buf, 0xE3069283u);
  EXPECT_EQ(LoadBeU32(buf), 0xE3069283u);
}

TEST(RecordBatchTest, GoodBatchPassesAndFillsTheHeader) {
  std::string b = BuildSimpleBatch(5);
  BatchHeader h;
  BatchVerdict v = ValidateBatch(b, kMax, &h);
  ASSERT_TRUE(v.ok()) << v.reason;
  EXPECT_EQ(h.record_count, 5);
  EXPECT_EQ(h.last_offset_delta, 4);
  std::vector<TestRecord> recs(2);
  recs[0].headers = {{"h", std::nullopt}, {"k", std::string("v")}};
  recs[1].key = std::nullopt;
  recs[1].value = std::string();
  EXPECT_TRUE(ValidateBatch(BuildRecordBatch(recs), kMax, nullptr).ok());
}

TEST(RecordBatchTest, RejectsBadMagicShortAndBadCrc) {
  std::string zeros(kBatchHeaderBytes, '\0');
  EXPECT_EQ(ValidateBatch(zeros, kMax, nullptr).error, BatchError::kCorruptMessage);
  EXPECT_EQ(ValidateBatch("short", kMax, nullptr).error, BatchError::kCorruptMessage);
  std::string b = BuildSimpleBatch(3);
  b[kMagicPos] = 1;
  EXPECT_EQ(ValidateBatch(b, kMax, nullptr).reason, "bad magic (want 2)");
  b = BuildSimpleBatch(3);
  b.back() ^= 1;
  EXPECT_EQ(ValidateBatch(b, kMax, nullptr).reason, "CRC-32C mismatch");
  b = BuildSimpleBatch(3);
  EXPECT_EQ(ValidateBatch(b, static_cast<int64_t>(b.size()) - 1, nullptr).error, BatchError::kMessageTooLarge);
}

TEST(RecordBatchTest, GarbageRecordsUnderAValidCrcAreCorrupt) {
  std::string b = BuildSimpleBatch(1, std::string(40, 'A'));
  for (size_t i = kBatchHeaderBytes; i < b.size(); ++i) b[i] = '\xff';
  Recrc(b);
  BatchVerdict v = ValidateBatch(b, kMax, nullptr);
  EXPECT_EQ(v.error, BatchError::kCorruptMessage);
  EXPECT_NE(v.reason.find("record 0"), std::string::npos) << v.reason;
}

TEST(RecordBatchTest, RecordCountAndDeltasMustMatchTheRecords) {
  // The header claims 2^31-1 records; one is there.
  std::string b = BuildSimpleBatch(1);
  StoreBe32(&b[kRecordCountPos], INT32_MAX);
  StoreBe32(&b[kLastOffsetDeltaPos], INT32_MAX - 1);
  Recrc(b);
  EXPECT_EQ(ValidateBatch(b, kMax, nullptr).error, BatchError::kInvalidRecord);
  // Claims 2 with 3 inside: bytes after the last record.
  b = BuildSimpleBatch(3);
  StoreBe32(&b[kRecordCountPos], 2);
  StoreBe32(&b[kLastOffsetDeltaPos], 1);
  Recrc(b);
  EXPECT_EQ(ValidateBatch(b, kMax, nullptr).error, BatchError::kCorruptMessage);
  // Count and delta disagree.
  b = BuildSimpleBatch(3);
  StoreBe32(&b[kLastOffsetDeltaPos], 5);
  Recrc(b);
  EXPECT_EQ(ValidateBatch(b, kMax, nullptr).error, BatchError::kInvalidRecord);
}

TEST(RecordBatchTest, OffsetDeltasMustRunFromZeroInOrder) {
  // Two records, the second with offset delta 0 again: re-encode by hand.
  std::string rec;
  rec += '\0';
  AppendVarlong(rec, 0);  // timestamp delta
  AppendVarint(rec, 0);   // offset delta
  AppendVarint(rec, -1);  // null key
  AppendVarint(rec, 1);
  rec += 'x';
  AppendVarint(rec, 0);  // headers
  std::string body;
  for (int i = 0; i < 2; ++i) {
    AppendVarint(body, static_cast<int32_t>(rec.size()));
    body += rec;
  }
  std::string b = BuildSimpleBatch(2);
  b.resize(kBatchHeaderBytes);
  b += body;
  StoreBe32(&b[kBatchLengthPos], static_cast<int32_t>(b.size() - kBatchLogOverhead));
  Recrc(b);
  BatchVerdict v = ValidateBatch(b, kMax, nullptr);
  EXPECT_EQ(v.error, BatchError::kInvalidRecord);
  EXPECT_NE(v.reason.find("offset delta"), std::string::npos) << v.reason;
}

TEST(RecordBatchTest, TimestampsThatOverflowAreRefused) {
  std::vector<TestRecord> recs(1);
  recs[0].value = "v";
  recs[0].timestamp_delta = 1;
  BatchOptions o;
  o.base_timestamp = 10;
  std::string b = BuildRecordBatch(recs, o);
  StoreBe64(&b[kBaseTimestampPos], INT64_MAX);  // INT64_MAX + 1 overflows
  Recrc(b);
  EXPECT_EQ(ValidateBatch(b, kMax, nullptr).error, BatchError::kInvalidRecord);
  recs[0].timestamp_delta = -20;  // 10 - 20 = -10: before the epoch and not "no timestamp"
  EXPECT_EQ(ValidateBatch(BuildRecordBatch(recs, o), kMax, nullptr).error, BatchError::kInvalidRecord);
}

TEST(RecordBatchTest, ProducerIdNeedsASequence) {
  BatchOptions o;
  o.producer_id = 777;
  o.producer_epoch = 0;
  o.base_sequence = -1;
  EXPECT_EQ(ValidateBatch(BuildSimpleBatch(1, "v", o), kMax, nullptr).error, BatchError::kInvalidRecord);
  o.base_sequence = 0;
  EXPECT_TRUE(ValidateBatch(BuildSimpleBatch(1, "v", o), kMax, nullptr).ok());
}

TEST(RecordBatchTest, TransactionalAndControlBatchesAreRefused) {
  BatchOptions o;
  o.attributes = kAttrTransactional;
  EXPECT_EQ(ValidateBatch(BuildSimpleBatch(1, "v", o), kMax, nullptr).error, BatchError::kInvalidRecord);
  o.attributes = kAttrControl;
  EXPECT_EQ(ValidateBatch(BuildSimpleBatch(1, "v", o), kMax, nullptr).error, BatchError::kInvalidRecord);
}

class CompressedBatchTest : public ::testing::TestWithParam<int> {};

TEST_P(CompressedBatchTest, GoodBatchPassesAndGarbageIsCorrupt) {
  const int codec = GetParam();
  std::string plain = BuildSimpleBatch(50, "value-");
  std::string b = CompressRecordBatch(plain, codec);
  BatchHeader h;
  BatchVerdict v = ValidateBatch(b, kMax, &h);
  ASSERT_TRUE(v.ok()) << CodecName(codec) << ": " << v.reason;
  EXPECT_EQ(h.compression(), codec);
  std::string scratch;
  auto records = RecordsOf(b, h, &scratch, &v);
  ASSERT_TRUE(records.has_value());
  EXPECT_EQ(*records, std::string_view(plain).substr(kBatchHeaderBytes));

  std::string garbage = b.substr(0, kBatchHeaderBytes) + std::string(40, '\xff');
  StoreBe32(&garbage[kBatchLengthPos], static_cast<int32_t>(garbage.size() - kBatchLogOverhead));
  Recrc(garbage);
  EXPECT_EQ(ValidateBatch(garbage, kMax, nullptr).error, BatchError::kCorruptMessage) << CodecName(codec);

  std::string cut = b.substr(0, b.size() - 3);
  StoreBe32(&cut[kBatchLengthPos], static_cast<int32_t>(cut.size() - kBatchLogOverhead));
  Recrc(cut);
  EXPECT_FALSE(ValidateBatch(cut, kMax, nullptr).ok()) << CodecName(codec);

  // The compressed records lie about their count too.
  std::string lie = plain;
  StoreBe32(&lie[kRecordCountPos], 51);
  StoreBe32(&lie[kLastOffsetDeltaPos], 50);
  EXPECT_EQ(ValidateBatch(CompressRecordBatch(lie, codec), kMax, nullptr).error, BatchError::kInvalidRecord);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedBatchTest,
                         ::testing::Values(kCodecGzip, kCodecSnappy, kCodecLz4, kCodecZstd),
                         [](const ::testing::TestParamInfo<int>& p) { return CodecName(p.param); });

TEST(RecordBatchTest, XerialSnappyFramingIsRead) {
  std::string plain = BuildSimpleBatch(20);
  EXPECT_TRUE(ValidateBatch(CompressRecordBatch(plain, kCodecSnappy, /*xerial=*/true), kMax, nullptr).ok());
}

TEST_P(CompressedBatchTest, DecompressionBombIsRefusedWithoutInflatingIt) {
  // 1 MiB of one byte compresses to little; with a 128 KiB bound it is refused
  // (ValidateBatch uses kMaxUncompressedBatchBytes and answers MESSAGE_TOO_LARGE).
  std::vector<TestRecord> recs(1);
  recs[0].value = std::string(size_t{1} << 20, 'z');
  std::string b = CompressRecordBatch(BuildRecordBatch(recs), GetParam());
  ASSERT_LT(b.size(), size_t{128} << 10);
  std::string out;
  Status s = Decompress(GetParam(), std::string_view(b).substr(kBatchHeaderBytes), size_t{128} << 10, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_LE(out.size(), (size_t{128} << 10) + 1);
}

TEST(RecordBatchTest, UnknownCodecIsRefusedAsUnsupported) {
  std::string b = BuildSimpleBatch(1);
  StoreBe16(&b[kAttributesPos], 5);
  Recrc(b);
  BatchVerdict v = ValidateBatch(b, kMax, nullptr);
  EXPECT_EQ(v.error, BatchError::kUnsupportedCompressionType);
  EXPECT_EQ(v.reason, "codec 5 batches cannot be checked by this broker");
}

TEST(RecordBatchTest, SplitBatchesFollowsLengthsOnly) {
  const std::string input = BuildSimpleBatch(1) + BuildSimpleBatch(2) + "xyz";  // outlives the views
  std::string_view rest;
  auto parts = SplitBatches(input, &rest);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(DecodeBatchHeader(parts[1].data()).record_count, 2);
  EXPECT_EQ(rest, "xyz");
}

}  // namespace
}  // namespace evpipe::broker::batch
