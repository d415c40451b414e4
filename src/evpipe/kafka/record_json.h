// The `--format json` encoding of a Kafka record: one JSON object per line,
// written by `evpipe consume --format json` and read by `evpipe produce --format json`.
//
//   {"topic":"events","partition":2,"offset":41,"timestamp":1770286272123,
//    "key":"o-17","headers":[{"key":"trace","value":"a1"}],"value":"{\"event_id\":...}"}
//
// Bytes that are valid UTF-8 are JSON strings (so the common case stays
// readable); anything else goes in a sibling field with a _b64 suffix
// ("key_b64", "value_b64", and "key_b64"/"value_b64" inside a header) as
// standard base64 with padding. A null key, value or header value is JSON
// null. Decoding either form gives back the original bytes exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::kafka {

struct RecordHeaderView {
  std::string_view key;
  std::optional<std::string_view> value;
};

// A record as consume sees it; the views point into librdkafka's message.
struct RecordView {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: none
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<RecordHeaderView> headers;
};

// Appends the record as one JSON line, '\n' included.
void AppendRecordJson(const RecordView& record, std::string* out);

// A record read back from a JSON line; owns its bytes.
struct JsonRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int32_t partition = -1;     // -1: absent (the partitioner decides)
  int64_t timestamp_ms = -1;  // -1: absent (now)
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// Parses JSON record lines. Keeps a parser and a padded buffer between calls;
// one per thread.
class JsonRecordReader {
 public:
  JsonRecordReader();
  ~JsonRecordReader();
  JsonRecordReader(const JsonRecordReader&) = delete;
  JsonRecordReader& operator=(const JsonRecordReader&) = delete;

  // Fails with InvalidArgument naming the problem (not JSON, a field of the wrong type, bad base64).
  Status Parse(std::string_view line, JsonRecord* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evpipe::kafka
