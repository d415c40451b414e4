// Manifest encoding (ours) and decoding (simdjson).
#include "evpipe/jobs/manifest.h"

#include <simdjson.h>

#include <fmt/core.h>

#include "evpipe/core/text.h"

namespace evpipe::jobs {

std::string ManifestToJson(const Manifest& m) {
  std::string out = fmt::format("{{\"version\":{},\"topic\":", m.version);
  AppendJsonString(m.topic, &out);
  out += ",\"date\":";
  AppendJsonString(m.date, &out);
  out += fmt::format(",\"rows_per_file\":{},\"codec\":", m.rows_per_file);
  AppendJsonString(m.codec, &out);
  out += ",\"inputs\":[";
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    out += i == 0 ? "{\"file\":" : ",{\"file\":";
    AppendJsonString(m.inputs[i].file, &out);
    out += fmt::format(",\"size\":{}}}", m.inputs[i].size);
  }
  out += fmt::format("],\"rows_in\":{},\"duplicates_removed\":{},\"quarantined\":{},\"rows_out\":{},\"outputs\":[",
                     m.rows_in, m.duplicates_removed, m.quarantined, m.rows_out);
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    out += i == 0 ? "{\"file\":" : ",{\"file\":";
    AppendJsonString(m.outputs[i].file, &out);
    out += fmt::format(",\"rows\":{},\"size\":{}}}", m.outputs[i].rows, m.outputs[i].size);
  }
  out += "]}\n";
  return out;
}

Result<Manifest> ParseManifest(std::string_view json) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  Manifest m;
  try {
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::object root = doc.get_object();
    for (auto field : root) {
      std::string_view key = field.unescaped_key();
      simdjson::ondemand::value v = field.value();
      if (key == "version") {
        m.version = static_cast<int>(int64_t(v));
      } else if (key == "topic") {
        m.topic = std::string(std::string_view(v));
      } else if (key == "date") {
        m.date = std::string(std::string_view(v));
      } else if (key == "rows_per_file") {
        m.rows_per_file = int64_t(v);
      } else if (key == "codec") {
        m.codec = std::string(std::string_view(v));
      } else if (key == "rows_in") {
        m.rows_in = int64_t(v);
      } else if (key == "duplicates_removed") {
        m.duplicates_removed = int64_t(v);
      } else if (key == "quarantined") {
        m.quarantined = int64_t(v);
      } else if (key == "rows_out") {
        m.rows_out = int64_t(v);
      } else if (key == "inputs") {
        for (simdjson::ondemand::object o : v.get_array()) {
          ManifestInput in;
          in.file = std::string(std::string_view(o["file"]));
          in.size = uint64_t(o["size"]);
          m.inputs.push_back(std::move(in));
        }
      } else if (key == "outputs") {
        for (simdjson::ondemand::object o : v.get_array()) {
          ManifestOutput out;
          out.file = std::string(std::string_view(o["file"]));
          out.rows = int64_t(o["rows"]);
          out.size = uint64_t(o["size"]);
          m.outputs.push_back(std::move(out));
        }
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    return Status::Corruption(std::string("manifest: ") + e.what());
  }
  return m;
}

}  // namespace evpipe::jobs
