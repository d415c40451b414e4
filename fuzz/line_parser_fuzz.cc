// libFuzzer target: LineParser (parse + validate), the lenient look-ups and timestamps on arbitrary bytes.
// Beyond "no crash, no sanitizer report" it checks that ParseInLine agrees with
// Parse, and round trips: a valid line
// re-encoded from its view parses to the same event, and a parsed timestamp
// formats and parses back to the same instant.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "evpipe/event/event.h"

namespace {

using namespace evpipe::event;
using evpipe::Result;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
    std::abort();
  }
}

std::optional<std::string> Own(const std::optional<std::string_view>& v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static LineParser parser;
  static LineParser reparser;
  static LineParser in_line_parser;
  EventView v;
  std::optional<std::string> reason = parser.Parse(input, &v);
  EventView u;
  std::optional<std::string> in_line_reason = in_line_parser.ParseInLine(input, &u);
  Check(in_line_reason == reason, "ParseInLine gives Parse's reason");
  if (!reason) {
    Check(u.event_id == v.event_id && u.event_type == v.event_type && u.tenant_id == v.tenant_id &&
              u.user_id == v.user_id && u.session_id == v.session_id && u.source_system == v.source_system &&
              u.environment == v.environment && u.record_source == v.record_source && u.checksum == v.checksum &&
              u.payload == v.payload && u.event_time_us == v.event_time_us && u.ingest_time_us == v.ingest_time_us &&
              u.schema_version == v.schema_version,
          "ParseInLine gives Parse's event");
  }
  (void)ExtractKey(input, "order_id");
  std::optional<int64_t> ingest = ExtractIngestTime(input);

  if (!reason) {
    Check(v.payload.data() >= input.data() && v.payload.data() + v.payload.size() <= input.data() + input.size(),
          "payload view inside the line");
    Check(!v.payload.empty() && v.payload.front() == '{' && v.payload.back() == '}', "payload is an object's bytes");
    Check(ingest.has_value() && *ingest == v.ingest_time_us, "ExtractIngestTime agrees with Parse");
    Event e;
    CopyFrom(v, &e);
    std::string line;
    EncodeLine(e, &line);
    EventView w;
    std::optional<std::string> again = reparser.Parse(line, &w);
    Check(!again, "re-encoded valid event parses");
    Check(w.event_id == e.event_id && w.event_type == e.event_type && w.payload == e.payload &&
              w.event_time_us == e.event_time_us && w.ingest_time_us == e.ingest_time_us &&
              w.schema_version == e.schema_version && Own(w.user_id) == e.user_id && Own(w.checksum) == e.checksum,
          "re-encoded event has the same fields");
  } else {
    Check(!reason->empty(), "a reason is never empty");
  }

  Result<int64_t> t = ParseTimestamp(input);
  if (t.ok()) {
    Result<int64_t> back = ParseTimestamp(FormatTimestamp(*t));
    Check(back.ok() && *back == *t, "timestamp round trip");
    Check(IngestDate(*t) == FormatTimestamp(*t).substr(0, 10), "date is the timestamp's day");
  }
  return 0;
}
