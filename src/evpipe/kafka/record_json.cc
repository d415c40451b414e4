// The JSON record encoding (see record_json.h).
#include "evpipe/kafka/record_json.h"

#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "evpipe/core/text.h"

namespace evpipe::kafka {
namespace {

// The rule of core's IsValidUtf8, checked with SIMD (consume runs it on every record).
bool IsUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// "name":"text" or "name_b64":"base64", or "name":null.
void AppendBytesField(std::string_view name, const std::optional<std::string_view>& bytes, std::string* out) {
  out->push_back('"');
  out->append(name);
  if (!bytes) {
    out->append("\":null");
    return;
  }
  if (IsUtf8(*bytes)) {
    out->append("\":\"");
    AppendJsonEscaped(*bytes, out);
  } else {
    out->append("_b64\":\"");
    AppendBase64(*bytes, out);
  }
  out->push_back('"');
}

}  // namespace

void AppendRecordJson(const RecordView& record, std::string* out) {
  out->append("{\"topic\":\"");
  AppendJsonEscaped(record.topic, out);
  fmt::format_to(std::back_inserter(*out), "\",\"partition\":{},\"offset\":{},\"timestamp\":", record.partition,
                 record.offset);
  if (record.timestamp_ms >= 0) {
    fmt::format_to(std::back_inserter(*out), "{}", record.timestamp_ms);
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendBytesField("key", record.key, out);
  out->append(",\"headers\":[");
  for (size_t i = 0; i < record.headers.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->push_back('{');
    AppendBytesField("key", record.headers[i].key, out);
    out->push_back(',');
    AppendBytesField("value", record.headers[i].value, out);
    out->push_back('}');
  }
  out->append("],");
  AppendBytesField("value", record.value, out);
  out->append("}\n");
}

struct JsonRecordReader::Impl {
  simdjson::ondemand::parser parser;
  std::string buffer;
};

JsonRecordReader::JsonRecordReader() : impl_(std::make_unique<Impl>()) {}
JsonRecordReader::~JsonRecordReader() = default;

namespace {

using simdjson::ondemand::json_type;

// Reads a bytes field that may be a string, base64 text (b64) or null.
Status ReadBytes(simdjson::ondemand::value v, bool b64, std::string_view name, std::optional<std::string>* out) {
  json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return Status::InvalidArgument(std::string(name) + ": bad JSON");
  if (type == json_type::null) {
    out->reset();
    return Status::Ok();
  }
  std::string_view text;
  if (type != json_type::string || v.get_string().get(text) != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string(name) + ": expected a string or null");
  }
  if (!b64) {
    *out = std::string(text);
    return Status::Ok();
  }
  auto decoded = DecodeBase64(text);
  if (!decoded.ok()) return decoded.status().WithContext(name);
  *out = std::move(decoded).value();
  return Status::Ok();
}

Status ReadHeader(simdjson::ondemand::object obj, std::pair<std::string, std::optional<std::string>>* out) {
  bool have_key = false;
  for (auto field : obj) {
    std::string_view name;
    if (field.unescaped_key().get(name) != simdjson::SUCCESS) return Status::InvalidArgument("headers: bad JSON");
    simdjson::ondemand::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return Status::InvalidArgument("headers: bad JSON");
    if (name == "key" || name == "key_b64") {
      std::optional<std::string> key;
      EVPIPE_RETURN_IF_ERROR(ReadBytes(v, name == "key_b64", "header key", &key));
      if (!key) return Status::InvalidArgument("header key: null");
      out->first = std::move(*key);
      have_key = true;
    } else if (name == "value" || name == "value_b64") {
      EVPIPE_RETURN_IF_ERROR(ReadBytes(v, name == "value_b64", "header value", &out->second));
    }
  }
  if (!have_key) return Status::InvalidArgument("headers: an entry without \"key\"");
  return Status::Ok();
}

}  // namespace

Status JsonRecordReader::Parse(std::string_view line, JsonRecord* out) {
  *out = JsonRecord{};
  std::string& buf = impl_->buffer;
  buf.assign(line);
  buf.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document doc;
  if (impl_->parser.iterate(buf.data(), line.size(), buf.size()).get(doc) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not JSON");
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Status::InvalidArgument("not a JSON object");
  bool have_value = false;
  for (auto field : obj) {
    std::string_view name;
    if (field.unescaped_key().get(name) != simdjson::SUCCESS) return Status::InvalidArgument("bad JSON");
    simdjson::ondemand::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return Status::InvalidArgument("bad JSON");
    if (name == "key" || name == "key_b64") {
      EVPIPE_RETURN_IF_ERROR(ReadBytes(v, name == "key_b64", "key", &out->key));
    } else if (name == "value" || name == "value_b64") {
      EVPIPE_RETURN_IF_ERROR(ReadBytes(v, name == "value_b64", "value", &out->value));
      have_value = true;
    } else if (name == "partition") {
      int64_t p;
      if (v.get_int64().get(p) != simdjson::SUCCESS || p < 0 || p > INT32_MAX) {
        return Status::InvalidArgument("partition: expected a non-negative integer");
      }
      out->partition = static_cast<int32_t>(p);
    } else if (name == "timestamp") {
      json_type type;
      if (v.type().get(type) != simdjson::SUCCESS) return Status::InvalidArgument("timestamp: bad JSON");
      if (type == json_type::null) continue;
      int64_t ts;
      if (v.get_int64().get(ts) != simdjson::SUCCESS || ts < 0) {
        return Status::InvalidArgument("timestamp: expected milliseconds since the epoch");
      }
      out->timestamp_ms = ts;
    } else if (name == "headers") {
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return Status::InvalidArgument("headers: expected an array");
      for (auto element : arr) {
        simdjson::ondemand::object h;
        if (element.get_object().get(h) != simdjson::SUCCESS) {
          return Status::InvalidArgument("headers: expected objects");
        }
        out->headers.emplace_back();
        EVPIPE_RETURN_IF_ERROR(ReadHeader(h, &out->headers.back()));
      }
    }
    // topic, offset and unknown fields are ignored.
  }
  if (!have_value) return Status::InvalidArgument("no \"value\" (or \"value_b64\") field");
  return Status::Ok();
}

}  // namespace evpipe::kafka
