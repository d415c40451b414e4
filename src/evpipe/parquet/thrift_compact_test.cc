// Hand-checked bytes of the Thrift compact encoder.
#include "evpipe/parquet/thrift_compact.h"

#include <gtest/gtest.h>

#include "support/hex.h"

namespace evpipe::parquet {
namespace {

std::string Hex(const std::string& s) { return testing::HexBytes(s, " "); }

TEST(ThriftCompact, Varint) {
  for (auto [v, want] : std::vector<std::pair<uint64_t, std::string>>{
           {0, "00"}, {1, "01"}, {127, "7f"}, {128, "80 01"}, {300, "ac 02"},
           {UINT64_MAX, "ff ff ff ff ff ff ff ff ff 01"}}) {
    std::string out;
    ThriftWriter(&out).WriteVarint(v);
    EXPECT_EQ(Hex(out), want) << v;
  }
}

TEST(ThriftCompact, ZigZag) {
  EXPECT_EQ(ThriftWriter::ZigZag32(0), 0u);
  EXPECT_EQ(ThriftWriter::ZigZag32(-1), 1u);
  EXPECT_EQ(ThriftWriter::ZigZag32(1), 2u);
  EXPECT_EQ(ThriftWriter::ZigZag32(-2), 3u);
  EXPECT_EQ(ThriftWriter::ZigZag32(INT32_MAX), 0xfffffffeu);
  EXPECT_EQ(ThriftWriter::ZigZag32(INT32_MIN), 0xffffffffu);
  EXPECT_EQ(ThriftWriter::ZigZag64(INT64_MIN), UINT64_MAX);
  EXPECT_EQ(ThriftWriter::ZigZag64(-3), 5u);
}

TEST(ThriftCompact, FieldDeltasShortAndLong) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 1);        // delta 1, type i32 (5): 0x15, zigzag(1) = 2
  w.FieldBinary(2, "ab");  // delta 1, binary (8): 0x18, len 2
  w.FieldI64(20, -1);      // delta 18 > 15: type byte 0x06, zigzag id 40 = 0x28, value 1
  w.FieldI16(21, 300);     // delta 1, i16 (4): 0x14, zigzag(300) = 600 = d8 04
  w.EndStruct();
  EXPECT_EQ(Hex(out), "15 02 18 02 61 62 06 28 01 14 d8 04 00");
}

TEST(ThriftCompact, BoolsAndBytes) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldBool(1, true);   // type 1 carries the value
  w.FieldBool(2, false);  // type 2
  w.FieldI8(3, 32);       // byte type 3, raw byte
  w.EndStruct();
  EXPECT_EQ(Hex(out), "11 12 13 20 00");
}

TEST(ThriftCompact, Lists) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldListBegin(1, ThriftType::kI32, 3);  // 0x19, size 3 << 4 | i32
  w.ElementI32(0);
  w.ElementI32(3);
  w.ElementI32(8);
  w.FieldListBegin(2, ThriftType::kBinary, 15);  // 15 or more: 0xf8 then varint size
  for (int i = 0; i < 15; ++i) w.ElementBinary("");
  w.EndStruct();
  EXPECT_EQ(Hex(out), "19 35 00 06 10 19 f8 0f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
}

TEST(ThriftCompact, NestedStructsRestoreFieldIds) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldStructBegin(3);  // delta 3, struct (12): 0x3c
  w.FieldI32(1, 5);       // inner ids start from 0 again: 0x15 0x0a
  w.EndStruct();          // 0x00
  w.FieldI32(4, 1);       // outer delta from 3: 0x15 0x02
  w.FieldListBegin(5, ThriftType::kStruct, 2);  // 0x19 0x2c
  w.BeginStruct();
  w.FieldI32(2, -1);      // 0x25 0x01
  w.EndStruct();
  w.BeginStruct();
  w.EndStruct();
  w.FieldI32(6, 0);       // delta from 5: 0x15 0x00
  w.EndStruct();
  EXPECT_EQ(Hex(out), "3c 15 0a 00 15 02 19 2c 25 01 00 00 15 00 00");
}

}  // namespace
}  // namespace evpipe::parquet
