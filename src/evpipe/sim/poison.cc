// Poison lines: a valid event's line edited to break exactly one validation rule.
#include "evpipe/core/text.h"
#include "evpipe/sim/render_internal.h"

namespace evpipe::sim::internal {
namespace {

// Where the value starting at `start` of an EncodeLine line ends: after a
// string's closing quote, before the `,"checksum"` after the payload object,
// else at the next ',' or '}'.
size_t ValueEnd(const std::string& line, size_t start) {
  if (line[start] == '"') return line.find('"', start + 1) + 1;
  if (line[start] == '{') return line.find(",\"checksum\"", start);
  return line.find_first_of(",}", start);
}

// Removes `,"<name>":<value>` (a string or null value) from a line encoded by EncodeLine.
void EraseField(std::string* line, std::string_view name) {
  std::string pattern = ",\"" + std::string(name) + "\":";
  size_t at = line->find(pattern);
  if (at == std::string::npos) {  // the first field has no leading comma
    pattern = "{\"" + std::string(name) + "\":";
    at = line->find(pattern);
    ++at;  // keep the '{'
    size_t end = line->find("\",", at + pattern.size());
    line->erase(at, end + 2 - at);
    return;
  }
  line->erase(at, ValueEnd(*line, at + pattern.size()) - at);
}

// Replaces the string value of `name` (an EncodeLine line) with `value` (raw JSON text).
void ReplaceValue(std::string* line, std::string_view name, std::string_view value) {
  const std::string pattern = "\"" + std::string(name) + "\":";
  const size_t start = line->find(pattern) + pattern.size();
  line->replace(start, ValueEnd(*line, start) - start, value);
}

}  // namespace

// Writes a line breaking exactly one rule into *line, from the event `valid`.
void Renderer::RenderPoison(Poison variant, const ev::EventView& valid, std::string* line) {
  ev::Event& e = event_;
  ev::CopyFrom(valid, &e);
  switch (variant) {
    case Poison::kNotAnObject:
      // The event wrapped in an array, as a batching producer might send it.
      line->push_back('[');
      ev::EncodeLine(e, line);
      line->push_back(']');
      return;
    case Poison::kInvalidUtf8:
      // A Latin-1 byte in a payload string; the checksum covers those bytes.
      e.payload.insert(e.payload.size() - 1, ",\"note\":\"caf\xe9\"");
      ev::SetChecksum(&e);
      break;
    case Poison::kBadTypePayload:
      // The payload double-encoded as a JSON string.
      scratch_.clear();
      evpipe::AppendJsonString(e.payload, &scratch_);  // payloads are ASCII without controls
      e.payload = scratch_;
      e.checksum.reset();
      break;
    default:
      break;
  }
  ev::EncodeLine(e, line);
  switch (variant) {
    case Poison::kTruncated: line->pop_back(); break;  // the closing brace is lost
    case Poison::kMissingEventId: EraseField(line, "event_id"); break;
    case Poison::kMissingEventTime: EraseField(line, "event_time"); break;
    case Poison::kMissingIngestTime: EraseField(line, "ingest_time"); break;
    case Poison::kMissingPayload: EraseField(line, "payload"); break;
    case Poison::kBadTypeEventId: ReplaceValue(line, "event_id", "12345"); break;
    case Poison::kBadTypeSchemaVersion: ReplaceValue(line, "schema_version", "\"1\""); break;
    case Poison::kBadEventTime:
    case Poison::kBadIngestTime: {
      // An impossible calendar day: February 30th of the same year.
      const std::string pattern = variant == Poison::kBadEventTime ? "\"event_time\":\"" : "\"ingest_time\":\"";
      const size_t at = line->find(pattern) + pattern.size();
      line->replace(at + 5, 5, "02-30");
      break;
    }
    case Poison::kChecksumMismatch: {
      // One flipped hex digit, as a corrupted byte would give.
      const size_t at = line->find("\"checksum\":\"") + 12;
      (*line)[at] = (*line)[at] == '0' ? '1' : '0';
      break;
    }
    default:
      break;
  }
}


}  // namespace evpipe::sim::internal
