// LineParser: one NDJSON line -> a validated EventView or a quarantine reason (simdjson On Demand).
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "evpipe/event/event.h"
#include "evpipe/event/json_walk.h"

namespace evpipe::event {
namespace {

namespace od = simdjson::ondemand;

enum Field : int {
  kEventId,
  kEventType,
  kSchemaVersionField,
  kEventTime,
  kIngestTime,
  kTenantId,
  kUserId,
  kSessionId,
  kSourceSystem,
  kEnvironment,
  kRecordSource,
  kPayload,
  kChecksum,
  kOther,
};

constexpr std::string_view kFieldNames[] = {
    "event_id",      "event_type",  "schema_version", "event_time", "ingest_time",
    "tenant_id",     "user_id",     "session_id",     "source_system", "environment",
    "record_source", "payload",     "checksum",
};

// The JSON type of each field's value (by Field). A value of another type is
// bad_type, except null for the optional strings and the checksum (IsNullable),
// which leaves the field unset.
constexpr od::json_type kFieldTypes[] = {
    od::json_type::string, od::json_type::string, od::json_type::number, od::json_type::string,
    od::json_type::string, od::json_type::string, od::json_type::string, od::json_type::string,
    od::json_type::string, od::json_type::string, od::json_type::string, od::json_type::object,
    od::json_type::string,
};
static_assert(std::size(kFieldTypes) == kOther && std::size(kFieldNames) == kOther);

constexpr bool IsNullable(Field id) { return id >= kTenantId && id != kPayload; }

Field Lookup(std::string_view key) {
  for (int i = 0; i < kOther; ++i) {
    if (key == kFieldNames[i]) return static_cast<Field>(i);
  }
  return kOther;
}

// The deepest nesting of objects and arrays in `line` (brackets inside strings ignored).
int NestingDepth(std::string_view line) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    else if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

}  // namespace

struct LineParser::Impl {
  od::parser parser;
  simdjson::dom::parser dom;  // only for lines that are not objects
  std::string buffer;  // the line copied with simdjson's padding after it
};

LineParser::LineParser() : impl_(std::make_unique<Impl>()) {}

namespace {
// Why a line the walk refused is bad: too_deep when it nests past kMaxDepth
// and is otherwise well-formed JSON (the DOM parser's own limit is higher),
// else invalid_json. Only runs for rejected lines.
std::string InvalidJsonReason(simdjson::dom::parser& dom, const char* padded, size_t size) {
  if (NestingDepth(std::string_view(padded, size)) <= kMaxDepth) return "invalid_json";
  simdjson::dom::element element;
  auto error = dom.parse(padded, size, false).get(element);
  return !error || error == simdjson::DEPTH_ERROR ? "too_deep" : "invalid_json";
}
}  // namespace
LineParser::~LineParser() = default;

std::optional<std::string> LineParser::Parse(std::string_view line, EventView* out) {
  return Run(line, out, false);
}

std::optional<std::string> LineParser::ParseInLine(std::string_view line, EventView* out) {
  return Run(line, out, true);
}

std::optional<std::string> LineParser::Run(std::string_view line, EventView* out, bool strings_in_line) {
  size_t first = 0;
  while (first < line.size() && IsJsonSpace(line[first])) ++first;
  if (first == line.size()) return "empty_line";

  // Copy into a padded buffer (simdjson reads up to SIMDJSON_PADDING bytes past the end).
  const size_t need = line.size() + simdjson::SIMDJSON_PADDING;
  if (impl_->buffer.size() < need) impl_->buffer.resize(std::max(need, impl_->buffer.size() * 2));
  char* buf = impl_->buffer.data();
  std::memcpy(buf, line.data(), line.size());
  std::memset(buf + line.size(), 0, simdjson::SIMDJSON_PADDING);

  od::document doc;
  auto invalid_json = [&] { return InvalidJsonReason(impl_->dom, buf, line.size()); };
  auto error = impl_->parser.iterate(buf, line.size(), impl_->buffer.size()).get(doc);
  if (error == simdjson::UTF8_ERROR) return "invalid_utf8";
  if (error) return invalid_json();
  od::json_type type;
  if (doc.type().get(type)) {
    // Stage 1 validates UTF-8 lazily for some inputs; report it precisely.
    if (!simdjson::validate_utf8(line.data(), line.size())) return "invalid_utf8";
    return invalid_json();
  }
  if (type != od::json_type::object) {
    // Rare: check the whole value with the DOM parser so that "not json" is
    // invalid_json and only well-formed non-objects are not_an_object.
    simdjson::dom::element element;
    auto dom_error = impl_->dom.parse(buf, line.size(), false).get(element);
    if (dom_error == simdjson::UTF8_ERROR) return "invalid_utf8";
    if (dom_error == simdjson::DEPTH_ERROR) return "too_deep";
    return dom_error ? "invalid_json" : "not_an_object";
  }
  od::object object;
  if (doc.get_object().get(object)) return invalid_json();

  *out = EventView();
  uint32_t seen = 0;
  std::optional<std::string> problem;  // the first field-level problem; syntax errors win over it
  auto note = [&problem](std::string_view what, std::string_view field) {
    if (!problem) {
      problem.emplace(what);
      problem->append(field);
    }
  };
  std::optional<std::string_view>* optionals[] = {
      &out->tenant_id,   &out->user_id,       &out->session_id, &out->source_system,
      &out->environment, &out->record_source,
  };

  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field)) return invalid_json();
    std::string_view key;
    if (field.unescaped_key().get(key)) return invalid_json();
    const Field id = Lookup(key);
    od::value value = field.value();
    if (id == kOther) {
      if (!WalkJson(value, 1)) return invalid_json();
      continue;
    }
    const std::string_view name = kFieldNames[id];
    const uint32_t bit = 1u << id;
    if (seen & bit) {
      note("duplicate_field:", name);
      if (!WalkJson(value, 1)) return invalid_json();
      continue;
    }
    seen |= bit;
    od::json_type vt;
    if (value.type().get(vt)) return invalid_json();
    if (vt == od::json_type::null && IsNullable(id)) {
      bool is_null = false;
      if (value.is_null().get(is_null) || !is_null) return invalid_json();
      continue;
    }
    if (vt != kFieldTypes[id]) {
      note("bad_type:", name);
      if (!WalkJson(value, 1)) return invalid_json();
      continue;
    }
    std::string_view s;  // the value of a string field
    if (vt == od::json_type::string) {
      // The token starts at the opening quote, at the same offset in buf as in the line.
      const size_t at = strings_in_line ? static_cast<size_t>(value.raw_json_token().data() - buf) + 1 : 0;
      if (value.get_string().get(s)) return invalid_json();
      // A string without escapes is the line's own bytes there (compared: that is the test).
      if (strings_in_line && at + s.size() <= line.size() && std::memcmp(line.data() + at, s.data(), s.size()) == 0) {
        s = line.substr(at, s.size());
      }
    }

    switch (id) {
      case kEventId:
      case kEventType:
        if (s.empty()) note("empty_field:", name);
        (id == kEventId ? out->event_id : out->event_type) = s;
        break;
      case kSchemaVersionField: {
        od::number number;
        auto number_error = value.get_number().get(number);
        if (number_error) {
          // Well-formed but out of range (simdjson 3.0 has no big integers) is a type problem.
          if (!IsJsonNumber(value.raw_json_token())) return invalid_json();
          note("bad_type:", name);
          break;
        }
        if (number.get_number_type() != od::number_type::signed_integer || number.get_int64() < INT32_MIN ||
            number.get_int64() > INT32_MAX) {
          note("bad_type:", name);
          break;
        }
        out->schema_version = static_cast<int32_t>(number.get_int64());
        break;
      }
      case kEventTime:
      case kIngestTime: {
        Result<int64_t> t = ParseTimestamp(s);
        if (!t.ok()) {
          note("bad_time:", name);
          break;
        }
        (id == kEventTime ? out->event_time_us : out->ingest_time_us) = *t;
        break;
      }
      case kPayload: {
        const char* start = value.raw_json_token().data();
        if (!WalkJson(value, 1)) return invalid_json();
        // The walk consumed the closing '}': the next token (',' or the outer '}')
        // follows the payload, possibly after whitespace.
        const char* next;
        if (doc.current_location().get(next)) return invalid_json();
        const char* end = next;
        while (end > start && IsJsonSpace(end[-1])) --end;
        out->payload = std::string_view(line.data() + (start - buf), static_cast<size_t>(end - start));
        break;
      }
      case kChecksum:
        out->checksum = s;
        break;
      default:  // the optional strings
        *optionals[id - kTenantId] = s;
        break;
    }
  }
  // Anything after the object (a second value, stray characters) makes the line invalid.
  const char* trailing;
  if (!doc.current_location().get(trailing)) return invalid_json();

  if (problem) return problem;
  for (Field f : {kEventId, kEventType, kEventTime, kIngestTime, kPayload}) {
    if (!(seen & (1u << f))) return "missing_field:" + std::string(kFieldNames[f]);
  }
  if (out->checksum) {
    char hex[64];
    Sha256HexTo(out->payload, hex);
    if (out->checksum->size() != 64 || std::memcmp(hex, out->checksum->data(), 64) != 0) {
      return "checksum_mismatch";
    }
  }
  return std::nullopt;
}

}  // namespace evpipe::event
