// Encoding an Event into one JSON line (docs/formats/event.md, field order fixed).
#include "evpipe/core/text.h"
#include "evpipe/event/event.h"

namespace evpipe::event {
namespace {

void AppendOptional(std::string_view name, const std::optional<std::string>& value, std::string* out) {
  out->append(name);
  if (value) {
    AppendJsonString(*value, out);
  } else {
    out->append("null");
  }
}

void AppendTime(std::string_view name, int64_t micros, std::string* out) {
  out->append(name);
  const size_t at = out->size();
  out->resize(at + kTimestampLength + 2);
  char* p = out->data() + at;
  p[0] = '"';
  FormatTimestampTo(micros, p + 1);
  p[kTimestampLength + 1] = '"';
}

}  // namespace

void EncodeLine(const Event& e, std::string* out) {
  out->append("{\"event_id\":");
  AppendJsonString(e.event_id, out);
  out->append(",\"event_type\":");
  AppendJsonString(e.event_type, out);
  out->append(",\"schema_version\":");
  out->append(std::to_string(e.schema_version));
  AppendTime(",\"event_time\":", e.event_time_us, out);
  AppendTime(",\"ingest_time\":", e.ingest_time_us, out);
  AppendOptional(",\"tenant_id\":", e.tenant_id, out);
  AppendOptional(",\"user_id\":", e.user_id, out);
  AppendOptional(",\"session_id\":", e.session_id, out);
  AppendOptional(",\"source_system\":", e.source_system, out);
  AppendOptional(",\"environment\":", e.environment, out);
  AppendOptional(",\"record_source\":", e.record_source, out);
  out->append(",\"payload\":");
  out->append(e.payload);
  AppendOptional(",\"checksum\":", e.checksum, out);
  out->push_back('}');
}

}  // namespace evpipe::event
