// The table metadata file (see metadata_json_internal.h): Iceberg v2 "Table
// Metadata" JSON written from our model, and read back for the next commit.
#include "evpipe/iceberg/metadata_json_internal.h"

#include <algorithm>

#include <fmt/core.h>
#include <simdjson.h>

#include "evpipe/core/text.h"

namespace evpipe::iceberg {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

std::string SortOrderJson(const TableDef& def) {
  std::string out = R"({"order-id":1,"fields":[)";
  for (size_t i = 0; i < def.sort_source_ids.size(); ++i) {
    out += fmt::format(R"({}{{"transform":"identity","source-id":{},"direction":"asc","null-order":"nulls-first"}})",
                       i == 0 ? "" : ",", def.sort_source_ids[i]);
  }
  out += "]}";
  return out;
}

int LastColumnId(const TableDef& def) {
  int id = 0;
  for (const Field& f : def.fields) id = std::max(id, f.id);
  return id;
}

std::string SummaryJson(const StringPairs& summary) {
  std::string out = "{";
  for (size_t i = 0; i < summary.size(); ++i) {
    if (i > 0) out += ',';
    out += Json(summary[i].first) + ":" + Json(summary[i].second);
  }
  return out + "}";
}

}  // namespace

const Field* PartitionField(const TableDef& def) {
  for (const Field& f : def.fields) {
    if (f.id == def.partition_source_id) return &f;
  }
  return nullptr;
}

std::string SchemaJson(const TableDef& def) {
  std::string out = R"({"type":"struct","schema-id":0,"fields":[)";
  for (size_t i = 0; i < def.fields.size(); ++i) {
    const Field& f = def.fields[i];
    out += fmt::format(R"({}{{"id":{},"name":{},"required":{},"type":{}}})", i == 0 ? "" : ",", f.id, Json(f.name),
                       f.required ? "true" : "false", Json(f.type));
  }
  out += "]}";
  return out;
}

std::string PartitionFieldsJson(const TableDef& def) {
  return fmt::format(R"([{{"name":{},"transform":"identity","source-id":{},"field-id":{}}}])",
                     Json(PartitionField(def)->name), def.partition_source_id, kPartitionFieldId);
}

std::string MetadataJson(const TableDef& def, const TableState& t) {
  std::string out = "{\n";
  out += "  \"format-version\": 2,\n";
  out += fmt::format("  \"table-uuid\": {},\n", Json(t.uuid));
  out += fmt::format("  \"location\": {},\n", Json(FileUri(t.location)));
  out += fmt::format("  \"last-sequence-number\": {},\n", t.last_sequence_number);
  out += fmt::format("  \"last-updated-ms\": {},\n", t.last_updated_ms);
  out += fmt::format("  \"last-column-id\": {},\n", LastColumnId(def));
  out += "  \"current-schema-id\": 0,\n";
  out += fmt::format("  \"schemas\": [{}],\n", SchemaJson(def));
  out += "  \"default-spec-id\": 0,\n";
  out += fmt::format("  \"partition-specs\": [{{\"spec-id\":0,\"fields\":{}}}],\n", PartitionFieldsJson(def));
  out += fmt::format("  \"last-partition-id\": {},\n", kPartitionFieldId);
  out += "  \"default-sort-order-id\": 1,\n";
  out += fmt::format("  \"sort-orders\": [{{\"order-id\":0,\"fields\":[]}},{}],\n", SortOrderJson(def));
  out += fmt::format("  \"properties\": {},\n", SummaryJson(def.properties));
  if (t.current_snapshot_id) {
    out += fmt::format("  \"current-snapshot-id\": {},\n", *t.current_snapshot_id);
    out += fmt::format("  \"refs\": {{\"main\":{{\"snapshot-id\":{},\"type\":\"branch\"}}}},\n", *t.current_snapshot_id);
  } else {
    out += "  \"current-snapshot-id\": -1,\n  \"refs\": {},\n";
  }
  out += "  \"snapshots\": [";
  for (size_t i = 0; i < t.snapshots.size(); ++i) {
    const Snapshot& s = t.snapshots[i];
    out += i == 0 ? "\n    " : ",\n    ";
    out += fmt::format(R"({{"snapshot-id":{},)", s.id);
    if (s.parent_id) out += fmt::format(R"("parent-snapshot-id":{},)", *s.parent_id);
    out += fmt::format(R"("sequence-number":{},"timestamp-ms":{},"manifest-list":{},"summary":{},"schema-id":0}})",
                       s.sequence, s.timestamp_ms, Json(FileUri(s.manifest_list)), SummaryJson(s.summary));
  }
  out += "],\n  \"snapshot-log\": [";
  for (size_t i = 0; i < t.snapshot_log.size(); ++i) {
    out += fmt::format(R"({}{{"timestamp-ms":{},"snapshot-id":{}}})", i == 0 ? "" : ",", t.snapshot_log[i].first,
                       t.snapshot_log[i].second);
  }
  out += "],\n  \"metadata-log\": [";
  for (size_t i = 0; i < t.metadata_log.size(); ++i) {
    out += fmt::format(R"({}{{"timestamp-ms":{},"metadata-file":{}}})", i == 0 ? "" : ",", t.metadata_log[i].first,
                       Json(t.metadata_log[i].second));
  }
  out += "]\n}\n";
  return out;
}

Status Foreign(const std::string& dir, std::string_view why) {
  return Status::Corruption(fmt::format(
      "{} is not an evpipe Iceberg table ({}); evpipe never overwrites it: move it away, or run with --no-iceberg",
      dir, why));
}

Result<TableState> ParseMetadata(const TableDef& def, const std::string& dir, const std::string& path,
                                 std::string_view text, const std::string& location) {
  TableState t;
  t.location = location;
  t.metadata_path = path;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  try {
    simdjson::dom::element doc = parser.parse(padded);
    if (int64_t(doc["format-version"]) != 2) return Foreign(dir, "format-version is not 2");
    if (std::string_view(doc["location"]) != FileUri(location)) {
      return Foreign(dir, fmt::format("its location is {}", std::string_view(doc["location"])));
    }
    simdjson::dom::object props;
    if (doc["properties"].get(props) != simdjson::SUCCESS || props[kOwnerProperty].error() != simdjson::SUCCESS) {
      return Foreign(dir, fmt::format("no property {}", kOwnerProperty));
    }
    // The schema must be ours, id for id.
    simdjson::dom::array schemas = doc["schemas"];
    if (schemas.size() != 1) return Foreign(dir, "it has more than one schema");
    size_t i = 0;
    for (simdjson::dom::object f : simdjson::dom::array((*schemas.begin())["fields"])) {
      if (i >= def.fields.size() || int64_t(f["id"]) != def.fields[i].id ||
          std::string_view(f["name"]) != def.fields[i].name || std::string_view(f["type"]) != def.fields[i].type) {
        return Foreign(dir, "its schema is not evpipe's");
      }
      ++i;
    }
    if (i != def.fields.size()) return Foreign(dir, "its schema is not evpipe's");
    t.uuid = std::string(std::string_view(doc["table-uuid"]));
    t.last_sequence_number = int64_t(doc["last-sequence-number"]);
    t.last_updated_ms = int64_t(doc["last-updated-ms"]);
    int64_t current = -1;
    if (doc["current-snapshot-id"].get(current) == simdjson::SUCCESS && current != -1) t.current_snapshot_id = current;
    simdjson::dom::array snaps;
    if (doc["snapshots"].get(snaps) == simdjson::SUCCESS) {
      for (simdjson::dom::object s : snaps) {
        Snapshot x;
        x.id = int64_t(s["snapshot-id"]);
        int64_t parent = 0;
        if (s["parent-snapshot-id"].get(parent) == simdjson::SUCCESS) x.parent_id = parent;
        x.sequence = int64_t(s["sequence-number"]);
        x.timestamp_ms = int64_t(s["timestamp-ms"]);
        EVPIPE_ASSIGN_OR_RETURN(x.manifest_list, PathFromUri(std::string_view(s["manifest-list"])));
        for (auto [k, v] : simdjson::dom::object(s["summary"])) {
          x.summary.emplace_back(std::string(k), std::string(std::string_view(v)));
        }
        t.snapshots.push_back(std::move(x));
      }
    }
    simdjson::dom::array log;
    if (doc["snapshot-log"].get(log) == simdjson::SUCCESS) {
      for (simdjson::dom::object e : log) t.snapshot_log.emplace_back(int64_t(e["timestamp-ms"]), int64_t(e["snapshot-id"]));
    }
    if (doc["metadata-log"].get(log) == simdjson::SUCCESS) {
      for (simdjson::dom::object e : log) {
        t.metadata_log.emplace_back(int64_t(e["timestamp-ms"]), std::string(std::string_view(e["metadata-file"])));
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    return Status::Corruption(fmt::format("{}: not valid table metadata ({}); evpipe never overwrites it: move it away, or run with --no-iceberg", path, e.what()));
  }
  if (t.current_snapshot_id && t.Current() == nullptr) {
    return Status::Corruption(path + ": current-snapshot-id is not among its snapshots");
  }
  if (const Snapshot* s = t.Current(); s != nullptr && s->Get("evpipe.run-id").empty()) {
    return Foreign(dir, "its current snapshot was not written by evpipe");
  }
  return t;
}

}  // namespace evpipe::iceberg
