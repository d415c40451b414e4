#include "evpipe/iceberg/avro.h"

#include <gtest/gtest.h>

#include "support/hex.h"

namespace evpipe::iceberg::avro {
namespace {

std::string Hex(const std::string& s) { return testing::HexBytes(s); }

TEST(Avro, LongsAreZigzagVarints) {
  // The examples of the Avro specification, "Binary Encoding".
  const std::pair<int64_t, const char*> cases[] = {{0, "00"}, {-1, "01"}, {1, "02"}, {-2, "03"}, {2, "04"},
                                                   {-64, "7f"}, {64, "8001"}};
  for (const auto& [v, hex] : cases) {
    Encoder e;
    e.Long(v);
    EXPECT_EQ(Hex(e.data()), hex) << v;
    Decoder d(e.data());
    auto back = d.Long();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, v);
  }
  for (int64_t v : {INT64_MIN, INT64_MAX, int64_t{-1234567890123}}) {
    Encoder e;
    e.Long(v);
    Decoder d(e.data());
    EXPECT_EQ(*d.Long(), v);
    EXPECT_TRUE(d.AtEnd());
  }
}

TEST(Avro, StringsAndTruncation) {
  Encoder e;
  e.String("foo");
  EXPECT_EQ(Hex(e.data()), "06666f6f");
  Decoder d(std::string_view(e.data()).substr(0, 3));
  EXPECT_EQ(d.String().status().code(), StatusCode::kCorruption);
  Decoder empty("");
  EXPECT_EQ(empty.Long().status().code(), StatusCode::kCorruption);
}

TEST(Avro, ContainerFileRoundTrip) {
  Encoder rec;
  rec.Long(7);
  rec.String("x");
  rec.Long(8);
  rec.String("yz");
  const std::string schema = R"({"type":"record","name":"r","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]})";
  const std::string file = ContainerFile(schema, {{"k", "v"}}, 2, rec.data());
  EXPECT_EQ(file.substr(0, 4), std::string("Obj\x01", 4));
  auto c = ReadContainerFile(file);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->schema_json, schema);
  ASSERT_EQ(c->metadata.size(), 1u);
  EXPECT_EQ(c->metadata[0].second, "v");
  EXPECT_EQ(c->count, 2);
  EXPECT_EQ(c->records, rec.data());
  // A damaged sync marker or a cut file is Corruption, never a short read.
  std::string bad = file;
  bad.back() ^= 1;
  EXPECT_EQ(ReadContainerFile(bad).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ReadContainerFile(file.substr(0, file.size() - 20)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ReadContainerFile("PAR1").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace evpipe::iceberg::avro
