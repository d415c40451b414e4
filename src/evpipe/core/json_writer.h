// JsonWriter: builds one compact JSON document (objects, arrays, scalars) with
// the commas placed for you, for every machine-readable output (--json, the
// console's API).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evpipe {

// Owned and used by one thread. Calls must nest properly (a Key before each
// value inside an object); a debug check catches misuse, not user input.
//
//   JsonWriter w;
//   w.BeginObject().Key("topic").String("events").Key("partitions").Int(3).EndObject();
//   w.str() == R"({"topic":"events","partitions":3})"
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  // Text that is not valid UTF-8 is written with U+FFFD for each bad byte
  // (display text: names, paths, messages; record bytes go through record_json).
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  // Non-finite values are written as null (JSON has no NaN).
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // An already encoded JSON value, copied as it is.
  JsonWriter& Raw(std::string_view json);

  // Shorthands for a key and its value.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  void AppendText(std::string_view text);
  std::string out_;
  // One entry per open object or array: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace evpipe
