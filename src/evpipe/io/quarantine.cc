// Quarantine record encoding.
#include "evpipe/io/quarantine.h"

#include <ctime>

#include <fmt/core.h>

#include "evpipe/core/text.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/file_system.h"

namespace evpipe::io {

void AppendQuarantineLine(std::string_view original, std::string_view reason, std::string_view stage,
                          std::string_view ingest_date, const QuarantineSource& source,
                          int64_t quarantined_at_us, std::string* out) {
  out->append("{\"reason\":");
  AppendJsonString(IsValidUtf8(reason) ? reason : std::string_view("unprintable_reason"), out);
  out->append(",\"stage\":");
  AppendJsonString(stage, out);
  out->append(",\"ingest_date\":");
  if (ingest_date.empty()) {
    out->append("null");
  } else {
    AppendJsonString(ingest_date, out);
  }
  out->append(",\"source\":{");
  if (!source.file.empty()) {
    out->append("\"file\":");
    AppendJsonString(IsValidUtf8(source.file) ? std::string_view(source.file) : "?", out);
    out->append(fmt::format(",\"line\":{}", source.line));
  } else {
    out->append("\"topic\":");
    AppendJsonString(source.topic, out);
    out->append(fmt::format(",\"partition\":{},\"offset\":{}", source.partition, source.offset));
  }
  out->append("},");
  if (IsValidUtf8(original)) {
    out->append("\"original\":");
    AppendJsonString(original, out);
  } else {
    out->append("\"original_base64\":\"");
    out->append(Base64Encode(original));
    out->push_back('"');
  }
  time_t secs = static_cast<time_t>(quarantined_at_us / 1000000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  out->append(fmt::format(",\"quarantined_at\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z\"}}\n",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                          quarantined_at_us % 1000000));
}

std::string QuarantineDir(std::string_view root, std::string_view topic, std::string_view stage,
                          std::string_view ingest_date) {
  return JoinPath(JoinPath(JoinPath(root, topic), stage),
                  DatePartitionName(ingest_date.empty() ? std::string_view("unknown") : ingest_date));
}

}  // namespace evpipe::io
