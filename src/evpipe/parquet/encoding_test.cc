// Hand-checked bytes of PLAIN and the RLE/bit-packed hybrid (Parquet Encodings.md).
#include "evpipe/parquet/encoding.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/hex.h"

namespace evpipe::parquet {
namespace {

std::string Hex(const std::string& s) { return testing::HexBytes(s, " "); }

std::string Rle(std::vector<uint32_t> v, int bw) {
  std::string out;
  RleHybridEncode(v, bw, &out);
  return Hex(out);
}

TEST(Encoding, Plain) {
  std::string out;
  PlainByteArray(&out, "ab");
  PlainByteArray(&out, "");
  EXPECT_EQ(Hex(out), "02 00 00 00 61 62 00 00 00 00");
  out.clear();
  std::vector<int32_t> i32 = {1, -1, 0x01020304};
  PlainInt32(&out, i32);
  EXPECT_EQ(Hex(out), "01 00 00 00 ff ff ff ff 04 03 02 01");
  out.clear();
  std::vector<int64_t> i64 = {-2};
  PlainInt64(&out, i64);
  EXPECT_EQ(Hex(out), "fe ff ff ff ff ff ff ff");
}

TEST(Encoding, BitWidth) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(3), 2);
  EXPECT_EQ(BitWidth(4), 3);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
}

TEST(Encoding, RleRun) {
  // 10 x 1 at width 1: header 10 << 1 = 0x14, value in one byte.
  EXPECT_EQ(Rle(std::vector<uint32_t>(10, 1), 1), "14 01");
  // 300 x 513 at width 10: header 600 = d8 04, value in two LE bytes.
  EXPECT_EQ(Rle(std::vector<uint32_t>(300, 513), 10), "d8 04 01 02");
}

TEST(Encoding, BitPackedSpecExample) {
  // Encodings.md: 0..7 at width 3 packs to 10001000 11000110 11111010.
  EXPECT_EQ(Rle({0, 1, 2, 3, 4, 5, 6, 7}, 3), "03 88 c6 fa");
}

TEST(Encoding, BitPackedPadsLastGroup) {
  // 3 values, one group of 8 padded with zeros: header (1 << 1) | 1.
  EXPECT_EQ(Rle({1, 0, 1}, 1), "03 05");
  // 9 values: two groups.
  EXPECT_EQ(Rle({1, 1, 0, 0, 1, 1, 0, 0, 1}, 1), "05 33 01");
}

TEST(Encoding, MixedRuns) {
  // 8 zeros (RLE), then a short tail (bit-packed).
  EXPECT_EQ(Rle({0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}, 1), "10 00 03 05");
  // A short head is packed as a whole group, then a run of 8 starting at a
  // group boundary is RLE.
  EXPECT_EQ(Rle({1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1), "03 07 10 00");
  // Width 0 (a one-entry dictionary would be width 0; we never write it, but it encodes).
  EXPECT_EQ(Rle({0, 0, 0, 0, 0, 0, 0, 0}, 0), "10");
}

TEST(Encoding, Levels) {
  std::vector<uint8_t> levels = {1, 0, 1};
  std::string out;
  RleHybridEncodeLevels(levels, &out);
  EXPECT_EQ(Hex(out), "03 05");
  out.clear();
  std::vector<uint8_t> ones(1000, 1);
  RleHybridEncodeLevels(ones, &out);
  EXPECT_EQ(Hex(out), "d0 0f 01");  // 2000 = d0 0f
}

TEST(Encoding, EmptyInput) {
  EXPECT_EQ(Rle({}, 3), "");
}

}  // namespace
}  // namespace evpipe::parquet
