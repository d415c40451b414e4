// Lenient look-ups on a raw line: the Kafka key and the ingest_time, plus the validating JSON walk.
#include <cstring>

#include "evpipe/event/event.h"
#include "evpipe/event/json_walk.h"

namespace evpipe::event {
namespace {

namespace od = simdjson::ondemand;

// A thread's parser and padded copy of the line.
struct Scratch {
  od::parser parser;
  std::string buffer;

  bool Iterate(std::string_view line, od::document* doc) {
    const size_t need = line.size() + simdjson::SIMDJSON_PADDING;
    if (buffer.size() < need) buffer.resize(std::max(need, buffer.size() * 2));
    std::memcpy(buffer.data(), line.data(), line.size());
    std::memset(buffer.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    return !parser.iterate(buffer.data(), line.size(), buffer.size()).get(*doc);
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The key text of a value (see ExtractKey); nullopt for null or on error.
std::optional<std::string> KeyOf(od::value value) {
  od::json_type type;
  if (value.type().get(type)) return std::nullopt;
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (value.get_string().get(s)) return std::nullopt;
      return std::string(s);
    }
    case od::json_type::number:
    case od::json_type::boolean:
      return std::string(TrimRight(value.raw_json_token()));
    case od::json_type::object: {
      od::object o;
      std::string_view raw;
      if (value.get_object().get(o) || o.raw_json().get(raw)) return std::nullopt;
      return std::string(raw);
    }
    case od::json_type::array: {
      od::array a;
      std::string_view raw;
      if (value.get_array().get(a) || a.raw_json().get(raw)) return std::nullopt;
      return std::string(raw);
    }
    case od::json_type::null:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

bool IsJsonNumber(std::string_view token) {
  std::string_view s = TrimRight(token);
  size_t i = 0;
  const size_t n = s.size();
  auto digit = [&s](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(s[k]) - '0') <= 9; };
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (digit(i)) {
    while (i < n && digit(i)) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !digit(i)) return false;
    while (i < n && digit(i)) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !digit(i)) return false;
    while (i < n && digit(i)) ++i;
  }
  return i == n;
}

bool WalkJson(od::value value, int depth) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (value.get_object().get(object)) return false;
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return false;
        if (!WalkJson(field.value(), depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      od::array array;
      if (value.get_array().get(array)) return false;
      for (auto element_result : array) {
        od::value element;
        if (std::move(element_result).get(element)) return false;
        if (!WalkJson(element, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      return !value.get_string().get(s);
    }
    case od::json_type::number: {
      // Checked by grammar: simdjson 3.0 rejects valid but out-of-range numbers
      // (integers past 64 bits), which are fine in a payload.
      return IsJsonNumber(value.raw_json_token());
    }
    case od::json_type::boolean: {
      bool b;
      return !value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      return !value.is_null().get(is_null) && is_null;
    }
  }
  return false;
}

std::optional<std::string> ExtractKey(std::string_view line, std::string_view field) {
  Scratch& scratch = ThreadScratch();
  od::document doc;
  if (!scratch.Iterate(line, &doc)) return std::nullopt;
  od::object object;
  if (doc.get_object().get(object)) return std::nullopt;
  std::optional<std::string> from_payload;
  for (auto field_result : object) {
    od::field f;
    std::string_view key;
    if (std::move(field_result).get(f) || f.unescaped_key().get(key)) return from_payload;
    if (key == field) {
      std::optional<std::string> top = KeyOf(f.value());
      if (top) return top;
      continue;
    }
    if (key == "payload" && !from_payload) {
      od::object payload;
      if (f.value().get_object().get(payload)) continue;
      for (auto inner_result : payload) {
        od::field inner;
        std::string_view inner_key;
        if (std::move(inner_result).get(inner) || inner.unescaped_key().get(inner_key)) return from_payload;
        if (inner_key == field) {
          from_payload = KeyOf(inner.value());
          if (from_payload) break;
        }
      }
      // Breaking out of the payload early is fine: On Demand skips the rest when
      // the next top-level field is requested.
    }
  }
  return from_payload;
}

std::optional<int64_t> ExtractIngestTime(std::string_view line) {
  Scratch& scratch = ThreadScratch();
  od::document doc;
  if (!scratch.Iterate(line, &doc)) return std::nullopt;
  od::object object;
  if (doc.get_object().get(object)) return std::nullopt;
  for (auto field_result : object) {
    od::field f;
    std::string_view key;
    if (std::move(field_result).get(f) || f.unescaped_key().get(key)) return std::nullopt;
    if (key != "ingest_time") continue;
    std::string_view s;
    if (f.value().get_string().get(s)) return std::nullopt;
    Result<int64_t> t = ParseTimestamp(s);
    if (!t.ok()) return std::nullopt;
    return *t;
  }
  return std::nullopt;
}

}  // namespace evpipe::event
