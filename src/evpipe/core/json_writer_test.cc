// JsonWriter: commas, nesting, escaping, and what it does with bad UTF-8 and NaN.
#include "evpipe/core/json_writer.h"

#include <cmath>

#include <gtest/gtest.h>

namespace evpipe {
namespace {

TEST(JsonWriter, NestsObjectsAndArraysWithCommas) {
  JsonWriter w;
  w.BeginObject()
      .Field("topic", "events")
      .Field("partitions", 3)
      .Key("offsets").BeginArray().Int(0).Int(-1).BeginObject().EndObject().BeginArray().EndArray().EndArray()
      .Key("empty").BeginObject().EndObject()
      .Field("ok", true)
      .Key("none").Null()
      .EndObject();
  EXPECT_EQ(w.str(), R"({"topic":"events","partitions":3,"offsets":[0,-1,{},[]],"empty":{},"ok":true,"none":null})");
}

TEST(JsonWriter, EscapesStringsAndKeys) {
  JsonWriter w;
  w.BeginObject().Field("a\"b", "line\nnext\t\\ \x01").EndObject();
  EXPECT_EQ(w.str(), "{\"a\\\"b\":\"line\\nnext\\t\\\\ \\u0001\"}");
}

TEST(JsonWriter, ReplacesInvalidUtf8ForDisplay) {
  JsonWriter w;
  w.BeginArray().String("ok\xff").String("caf\xc3\xa9").EndArray();
  EXPECT_EQ(w.str(), "[\"ok\xEF\xBF\xBD\",\"caf\xc3\xa9\"]");
}

TEST(JsonWriter, DoublesAndRawValues) {
  JsonWriter w;
  w.BeginArray().Double(1.5).Double(std::nan("")).Raw(R"({"x":1})").Int(7).EndArray();
  EXPECT_EQ(w.str(), R"([1.5,null,{"x":1},7])");
}

}  // namespace
}  // namespace evpipe
