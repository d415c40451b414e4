// Quarantine records: how a rejected line or Kafka record is kept, with its
// original bytes, the reason and where it came from (docs/formats/quarantine.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace evpipe::io {

// Where a rejected record came from: a file and line, or a topic, partition and offset.
struct QuarantineSource {
  std::string file;         // raw file path (raw-to-parquet), empty otherwise
  int64_t line = -1;        // 1-based line number in `file`
  std::string topic;        // Kafka topic (sink-raw), empty otherwise
  int32_t partition = -1;
  int64_t offset = -1;
};

// Appends one quarantine line (JSON object + '\n') to `out`:
// {"reason":"...","stage":"...","ingest_date":"..."|null,"source":{...},
//  "original":"<the bytes as a JSON string>"}  -- or "original_base64" when the
// bytes are not valid UTF-8 -- ,"quarantined_at":"<RFC 3339>"}.
// `ingest_date` empty means unknown (written as null).
void AppendQuarantineLine(std::string_view original, std::string_view reason, std::string_view stage,
                          std::string_view ingest_date, const QuarantineSource& source,
                          int64_t quarantined_at_us, std::string* out);

// The folder for one stage and date: <root>/<topic>/<stage>/ingest_date=<date or "unknown">.
std::string QuarantineDir(std::string_view root, std::string_view topic, std::string_view stage,
                          std::string_view ingest_date);

}  // namespace evpipe::io
