// Iceberg v2 table metadata, manifest lists and manifests (apache/iceberg
// format/spec.md): written from our model, read back for the next commit.
#include "evpipe/iceberg/table.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include <fmt/core.h>
#include <simdjson.h>

#include "evpipe/core/text.h"
#include "evpipe/iceberg/avro.h"
#include "evpipe/iceberg/kill_point.h"

namespace evpipe::iceberg {
namespace {

constexpr std::string_view kVersionHint = "version-hint.text";

// The manifest entry schema (v2), with only the optional fields we write.
// Readers resolve by field-id and read absent optional fields as null.
constexpr std::string_view kManifestEntrySchema =
    R"({"type":"record","name":"manifest_entry","fields":[)"
    R"({"name":"status","type":"int","field-id":0},)"
    R"({"name":"snapshot_id","type":["null","long"],"default":null,"field-id":1},)"
    R"({"name":"sequence_number","type":["null","long"],"default":null,"field-id":3},)"
    R"({"name":"file_sequence_number","type":["null","long"],"default":null,"field-id":4},)"
    R"({"name":"data_file","type":{"type":"record","name":"r2","fields":[)"
    R"({"name":"content","type":"int","field-id":134},)"
    R"({"name":"file_path","type":"string","field-id":100},)"
    R"({"name":"file_format","type":"string","field-id":101},)"
    R"({"name":"partition","type":{"type":"record","name":"r102","fields":[)"
    R"({"name":"$PARTITION","type":["null",{"type":"int","logicalType":"date"}],"default":null,"field-id":1000}]},)"
    R"("field-id":102},)"
    R"({"name":"record_count","type":"long","field-id":103},)"
    R"({"name":"file_size_in_bytes","type":"long","field-id":104},)"
    R"({"name":"sort_order_id","type":["null","int"],"default":null,"field-id":140}]},)"
    R"("field-id":2}]})";

constexpr std::string_view kManifestListSchema =
    R"({"type":"record","name":"manifest_file","fields":[)"
    R"({"name":"manifest_path","type":"string","field-id":500},)"
    R"({"name":"manifest_length","type":"long","field-id":501},)"
    R"({"name":"partition_spec_id","type":"int","field-id":502},)"
    R"({"name":"content","type":"int","field-id":517},)"
    R"({"name":"sequence_number","type":"long","field-id":515},)"
    R"({"name":"min_sequence_number","type":"long","field-id":516},)"
    R"({"name":"added_snapshot_id","type":"long","field-id":503},)"
    R"({"name":"added_files_count","type":"int","field-id":504},)"
    R"({"name":"existing_files_count","type":"int","field-id":505},)"
    R"({"name":"deleted_files_count","type":"int","field-id":506},)"
    R"({"name":"added_rows_count","type":"long","field-id":512},)"
    R"({"name":"existing_rows_count","type":"long","field-id":513},)"
    R"({"name":"deleted_rows_count","type":"long","field-id":514},)"
    R"({"name":"partitions","type":["null",{"type":"array","items":{"type":"record","name":"r508","fields":[)"
    R"({"name":"contains_null","type":"boolean","field-id":509},)"
    R"({"name":"contains_nan","type":["null","boolean"],"default":null,"field-id":518},)"
    R"({"name":"lower_bound","type":["null","bytes"],"default":null,"field-id":510},)"
    R"({"name":"upper_bound","type":["null","bytes"],"default":null,"field-id":511}]},)"
    R"("element-id":508}],"default":null,"field-id":507}]})";

enum EntryStatus : int { kExisting = 0, kAdded = 1, kDeleted = 2 };

struct Entry {
  int status;
  int64_t snapshot_id;
  DataFile file;  // data_sequence = its data and file sequence number
};

const Field* PartitionField(const TableDef& def) {
  for (const Field& f : def.fields) {
    if (f.id == def.partition_source_id) return &f;
  }
  return nullptr;
}

std::string ManifestEntrySchema(const TableDef& def) {
  std::string s(kManifestEntrySchema);
  const std::string_view token = "$PARTITION";
  s.replace(s.find(token), token.size(), PartitionField(def)->name);
  return s;
}

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
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

std::string DateBound(int32_t day) {
  std::string b(4, '\0');
  const auto u = static_cast<uint32_t>(day);
  for (int i = 0; i < 4; ++i) b[static_cast<size_t>(i)] = static_cast<char>((u >> (8 * i)) & 0xFF);
  return b;
}

std::string ManifestFile(const TableDef& def, const std::vector<Entry>& entries, int64_t sequence) {
  avro::Encoder e;
  for (const Entry& x : entries) {
    e.Int(x.status);
    e.Union(1);
    e.Long(x.snapshot_id);
    e.Union(1);
    e.Long(x.status == kAdded ? sequence : x.file.data_sequence);
    e.Union(1);
    e.Long(x.status == kAdded ? sequence : x.file.data_sequence);
    e.Int(0);  // content: data
    e.String(FileUri(x.file.path));
    e.String("parquet");
    e.Union(1);
    e.Int(x.file.partition_day);
    e.Long(x.file.record_count);
    e.Long(x.file.file_size);
    e.Union(1);
    e.Int(1);  // sort_order_id
  }
  const avro::Metadata meta = {
      {"schema", SchemaJson(def)},
      {"schema-id", "0"},
      {"partition-spec", PartitionFieldsJson(def)},
      {"partition-spec-id", "0"},
      {"format-version", "2"},
      {"content", "data"},
  };
  return avro::ContainerFile(ManifestEntrySchema(def), meta, static_cast<int64_t>(entries.size()), e.data());
}

Result<std::vector<Entry>> ParseManifest(const TableDef& def, std::string_view bytes, const std::string& path) {
  EVPIPE_ASSIGN_OR_RETURN(avro::Container c, avro::ReadContainerFile(bytes));
  // We decode field by field in our own order, so only our own schema will do.
  if (c.schema_json != ManifestEntrySchema(def)) {
    return Status::Corruption(path + ": a manifest evpipe did not write (its Avro schema differs)");
  }
  avro::Decoder d(c.records);
  std::vector<Entry> out;
  auto opt_long = [&d](int64_t* v) -> Status {
    EVPIPE_ASSIGN_OR_RETURN(int64_t branch, d.Long());
    if (branch != 1) return Status::Corruption("manifest: unexpected null");
    EVPIPE_ASSIGN_OR_RETURN(*v, d.Long());
    return Status::Ok();
  };
  for (int64_t i = 0; i < c.count; ++i) {
    Entry x{};
    int64_t v = 0;
    EVPIPE_ASSIGN_OR_RETURN(x.status, d.Int());
    EVPIPE_RETURN_IF_ERROR(opt_long(&x.snapshot_id));
    EVPIPE_RETURN_IF_ERROR(opt_long(&x.file.data_sequence));
    EVPIPE_RETURN_IF_ERROR(opt_long(&v));  // file sequence number: equal to it here
    EVPIPE_RETURN_IF_ERROR(d.Int().status());  // content
    EVPIPE_ASSIGN_OR_RETURN(std::string_view uri, d.String());
    EVPIPE_ASSIGN_OR_RETURN(x.file.path, PathFromUri(uri));
    EVPIPE_RETURN_IF_ERROR(d.String().status());  // format
    EVPIPE_RETURN_IF_ERROR(opt_long(&v));
    x.file.partition_day = static_cast<int32_t>(v);
    EVPIPE_ASSIGN_OR_RETURN(x.file.record_count, d.Long());
    EVPIPE_ASSIGN_OR_RETURN(x.file.file_size, d.Long());
    EVPIPE_RETURN_IF_ERROR(opt_long(&v));  // sort order id
    x.file.snapshot_id = x.snapshot_id;
    out.push_back(std::move(x));
  }
  if (!d.AtEnd()) return Status::Corruption(path + ": trailing bytes after the manifest entries");
  return out;
}

struct ManifestListEntry {
  std::string path;
  int64_t length = 0;
  int64_t sequence = 0;
  int64_t min_sequence = 0;
  int64_t snapshot_id = 0;
  int32_t added = 0, existing = 0, deleted = 0;
  int64_t added_rows = 0, existing_rows = 0, deleted_rows = 0;
  std::optional<std::pair<int32_t, int32_t>> bounds;  // partition days
};

std::string ManifestListFile(const ManifestListEntry& m, int64_t snapshot_id, std::optional<int64_t> parent,
                             int64_t sequence) {
  avro::Encoder e;
  e.String(FileUri(m.path));
  e.Long(m.length);
  e.Int(0);  // partition spec
  e.Int(0);  // content: data
  e.Long(m.sequence);
  e.Long(m.min_sequence);
  e.Long(m.snapshot_id);
  e.Int(m.added);
  e.Int(m.existing);
  e.Int(m.deleted);
  e.Long(m.added_rows);
  e.Long(m.existing_rows);
  e.Long(m.deleted_rows);
  e.Union(1);
  e.ArrayBlock(1);
  e.Bool(false);  // contains_null
  e.Union(1);
  e.Bool(false);  // contains_nan
  if (m.bounds) {
    e.Union(1);
    e.Bytes(DateBound(m.bounds->first));
    e.Union(1);
    e.Bytes(DateBound(m.bounds->second));
  } else {
    e.Union(0);
    e.Union(0);
  }
  e.ArrayEnd();
  avro::Metadata meta = {
      {"snapshot-id", std::to_string(snapshot_id)},
      {"parent-snapshot-id", parent ? std::to_string(*parent) : "null"},
      {"sequence-number", std::to_string(sequence)},
      {"format-version", "2"},
  };
  return avro::ContainerFile(kManifestListSchema, meta, 1, e.data());
}

Result<std::vector<std::string>> ParseManifestList(std::string_view bytes, const std::string& path) {
  EVPIPE_ASSIGN_OR_RETURN(avro::Container c, avro::ReadContainerFile(bytes));
  if (c.schema_json != kManifestListSchema) {
    return Status::Corruption(path + ": a manifest list evpipe did not write (its Avro schema differs)");
  }
  avro::Decoder d(c.records);
  std::vector<std::string> out;
  for (int64_t i = 0; i < c.count; ++i) {
    EVPIPE_ASSIGN_OR_RETURN(std::string_view uri, d.String());
    EVPIPE_ASSIGN_OR_RETURN(std::string p, PathFromUri(uri));
    out.push_back(std::move(p));
    for (int k = 0; k < 12; ++k) EVPIPE_RETURN_IF_ERROR(d.Long().status());  // the counts
    EVPIPE_ASSIGN_OR_RETURN(int64_t branch, d.Long());
    if (branch == 1) {
      for (;;) {
        EVPIPE_ASSIGN_OR_RETURN(int64_t n, d.Long());
        if (n == 0) break;
        for (int64_t j = 0; j < n; ++j) {
          EVPIPE_RETURN_IF_ERROR(d.Bool().status());
          for (int k = 0; k < 3; ++k) {
            EVPIPE_ASSIGN_OR_RETURN(int64_t b, d.Long());
            if (b == 1 && k == 0) EVPIPE_RETURN_IF_ERROR(d.Bool().status());
            if (b == 1 && k > 0) EVPIPE_RETURN_IF_ERROR(d.Bytes().status());
          }
        }
      }
    }
  }
  return out;
}

// Writes a file that nothing references yet: write, fsync, close.
Status WriteNewFile(io::FileSystem& fs, const std::string& path, std::string_view data) {
  EVPIPE_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
  EVPIPE_RETURN_IF_ERROR(file->Append(data));
  EVPIPE_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

// Creates `path` with `data` only if it does not exist: a temp file, then
// link(2), which fails with EEXIST instead of replacing.
Status CreateExclusive(io::FileSystem& fs, const std::string& path, std::string_view data, std::string_view run_id) {
  const std::string tmp = io::JoinPath(io::DirName(path), fmt::format(".{}.{}.tmp", io::BaseName(path), run_id));
  EVPIPE_RETURN_IF_ERROR(WriteNewFile(fs, tmp, data));
  KillPoint("metadata written aside");
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    (void)fs.Remove(tmp);
    if (err == EEXIST) {
      return Status::AlreadyExists(path + " appeared meanwhile: another writer committed to this table");
    }
    return Status::FromErrno("link " + path, err);
  }
  EVPIPE_RETURN_IF_ERROR(fs.SyncDir(io::DirName(path)));
  KillPoint("metadata linked");
  return fs.Remove(tmp);
}

bool IsOurMetadataName(std::string_view n) {
  auto ends = [&](std::string_view s) { return n.size() >= s.size() && n.substr(n.size() - s.size()) == s; };
  auto starts = [&](std::string_view s) { return n.substr(0, s.size()) == s; };
  if (n == kVersionHint || starts(".")) return true;  // hidden: our temp files
  if (starts("v") && ends(".metadata.json")) return true;
  if (starts("snap-") && ends(".avro")) return true;
  if (ends("-m0.avro")) return true;
  return false;
}

Result<int> ParseVersion(std::string_view name) {
  // "v<N>.metadata.json"
  const std::string_view digits = name.substr(1, name.size() - 1 - std::string_view(".metadata.json").size());
  if (digits.empty() || digits.size() > 9) return Status::Corruption("bad metadata file name " + std::string(name));
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Status::Corruption("bad metadata file name " + std::string(name));
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string NewUuid() {
  std::random_device rd;
  uint8_t b[16];
  for (int i = 0; i < 16; i += 4) {
    const uint32_t r = rd();
    std::memcpy(b + i, &r, 4);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", b[i]);
  }
  return s;
}

int64_t NewSnapshotId() {
  std::random_device rd;
  const uint64_t v = (static_cast<uint64_t>(rd()) << 32) | rd();
  return static_cast<int64_t>(v >> 1) | 1;  // positive, never 0
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
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

}  // namespace

std::string Snapshot::Get(std::string_view key) const {
  for (const auto& [k, v] : summary) {
    if (k == key) return v;
  }
  return {};
}

const Snapshot* TableState::Current() const {
  if (!current_snapshot_id) return nullptr;
  for (const Snapshot& s : snapshots) {
    if (s.id == *current_snapshot_id) return &s;
  }
  return nullptr;
}

std::string FileUri(std::string_view abs_path) { return "file://" + std::string(abs_path); }

Result<std::string> PathFromUri(std::string_view uri) {
  if (uri.substr(0, 8) == "file:///") return std::string(uri.substr(7));
  if (uri.substr(0, 6) == "file:/" && uri.substr(0, 7) != "file://") return std::string(uri.substr(5));
  if (!uri.empty() && uri[0] == '/') return std::string(uri);
  return Status::InvalidArgument("not a local file URI: " + std::string(uri));
}

std::string MetadataDir(std::string_view location) { return io::JoinPath(location, "metadata"); }

Result<TableState> ReadTable(io::FileSystem& fs, const TableDef& def, const std::string& location) {
  TableState empty;
  empty.location = location;
  const std::string dir = MetadataDir(location);
  if (!fs.Exists(dir)) return empty;
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> entries, fs.ListDir(dir));
  int newest = 0;
  for (const io::DirEntry& e : entries) {
    if (e.is_dir || !IsOurMetadataName(e.name)) return Foreign(dir, "it holds " + e.name);
    if (e.name != kVersionHint && e.name[0] == 'v') {
      EVPIPE_ASSIGN_OR_RETURN(int v, ParseVersion(e.name));
      newest = std::max(newest, v);
    }
  }
  if (newest == 0) return empty;  // only leftovers of a first commit that never finished
  const std::string path = io::JoinPath(dir, fmt::format("v{}.metadata.json", newest));
  EVPIPE_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  EVPIPE_ASSIGN_OR_RETURN(TableState t, ParseMetadata(def, dir, path, text, location));
  t.version = newest;
  return t;
}

Result<std::vector<DataFile>> ReadSnapshotFiles(io::FileSystem& fs, const TableDef& def, const Snapshot& snapshot) {
  EVPIPE_ASSIGN_OR_RETURN(std::string list, fs.ReadFile(snapshot.manifest_list));
  EVPIPE_ASSIGN_OR_RETURN(std::vector<std::string> manifests, ParseManifestList(list, snapshot.manifest_list));
  std::vector<DataFile> out;
  for (const std::string& m : manifests) {
    EVPIPE_ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(m));
    EVPIPE_ASSIGN_OR_RETURN(std::vector<Entry> entries, ParseManifest(def, bytes, m));
    for (Entry& e : entries) {
      if (e.status != kDeleted) out.push_back(std::move(e.file));
    }
  }
  return out;
}

Result<CommitResult> Commit(io::FileSystem& fs, const TableDef& def, const TableState& base,
                            const std::vector<DataFile>& base_files, const std::vector<PartitionReplace>& changes,
                            std::string_view run_id, const StringPairs& extra_summary) {
  if (PartitionField(def) == nullptr) return Status::InvalidArgument("iceberg: the partition source field is not in the schema");
  const std::string dir = MetadataDir(base.location);
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  std::set<int32_t> changed;
  for (const PartitionReplace& c : changes) changed.insert(c.day);

  CommitResult r;
  const int64_t sequence = base.last_sequence_number + 1;
  const int64_t snapshot_id = NewSnapshotId();
  const int64_t now = std::max(NowMillis(), base.last_updated_ms + 1);
  std::vector<Entry> entries;
  ManifestListEntry ml;
  ml.sequence = sequence;
  ml.min_sequence = sequence;
  ml.snapshot_id = snapshot_id;
  int64_t total_records = 0, total_size = 0, total_files = 0, added_size = 0, removed_size = 0;
  auto bound = [&ml](int32_t day) {
    if (!ml.bounds) {
      ml.bounds = std::make_pair(day, day);
    } else {
      ml.bounds->first = std::min(ml.bounds->first, day);
      ml.bounds->second = std::max(ml.bounds->second, day);
    }
  };
  for (const DataFile& f : base_files) {
    if (changed.count(f.partition_day) != 0) {
      entries.push_back(Entry{kDeleted, snapshot_id, f});
      ++ml.deleted;
      ml.deleted_rows += f.record_count;
      removed_size += f.file_size;
      r.removed.push_back(f);
    } else {
      entries.push_back(Entry{kExisting, f.snapshot_id, f});
      ++ml.existing;
      ml.existing_rows += f.record_count;
      total_records += f.record_count;
      total_size += f.file_size;
      ++total_files;
      ml.min_sequence = std::min(ml.min_sequence, f.data_sequence);
      bound(f.partition_day);
    }
  }
  for (const PartitionReplace& c : changes) {
    for (DataFile f : c.files) {
      f.partition_day = c.day;
      f.data_sequence = sequence;
      f.snapshot_id = snapshot_id;
      entries.push_back(Entry{kAdded, snapshot_id, f});
      ++ml.added;
      ml.added_rows += f.record_count;
      total_records += f.record_count;
      total_size += f.file_size;
      added_size += f.file_size;
      ++total_files;
      bound(c.day);
    }
  }

  // 1. The manifest and the manifest list: new names, referenced by nothing yet.
  ml.path = io::JoinPath(dir, fmt::format("{}-m0.avro", run_id));
  const std::string manifest = ManifestFile(def, entries, sequence);
  ml.length = static_cast<int64_t>(manifest.size());
  EVPIPE_RETURN_IF_ERROR(WriteNewFile(fs, ml.path, manifest));
  KillPoint("manifest written");
  Snapshot snap;
  snap.id = snapshot_id;
  if (const Snapshot* cur = base.Current(); cur != nullptr) snap.parent_id = cur->id;
  snap.sequence = sequence;
  snap.timestamp_ms = now;
  snap.manifest_list = io::JoinPath(dir, fmt::format("snap-{}-1-{}.avro", snapshot_id, run_id));
  EVPIPE_RETURN_IF_ERROR(WriteNewFile(fs, snap.manifest_list, ManifestListFile(ml, snapshot_id, snap.parent_id, sequence)));
  KillPoint("manifest list written");
  const char* operation = ml.deleted == 0 ? "append" : (ml.added == 0 ? "delete" : "overwrite");
  snap.summary = {
      {"operation", operation},
      {"added-data-files", std::to_string(ml.added)},
      {"deleted-data-files", std::to_string(ml.deleted)},
      {"added-records", std::to_string(ml.added_rows)},
      {"deleted-records", std::to_string(ml.deleted_rows)},
      {"added-files-size", std::to_string(added_size)},
      {"removed-files-size", std::to_string(removed_size)},
      {"changed-partition-count", std::to_string(changed.size())},
      {"total-records", std::to_string(total_records)},
      {"total-files-size", std::to_string(total_size)},
      {"total-data-files", std::to_string(total_files)},
      {"total-delete-files", "0"},
      {"total-position-deletes", "0"},
      {"total-equality-deletes", "0"},
      {"evpipe.run-id", std::string(run_id)},
  };
  for (const auto& kv : extra_summary) snap.summary.push_back(kv);

  // 2. The new table state. A snapshot that lists a removed file can no longer
  // be read: every snapshot from the oldest removed file's on is expired.
  TableState& t = r.table;
  t = base;
  if (t.uuid.empty()) t.uuid = NewUuid();
  t.version = base.version + 1;
  t.metadata_path = io::JoinPath(dir, fmt::format("v{}.metadata.json", t.version));
  t.last_sequence_number = sequence;
  t.last_updated_ms = now;
  t.current_snapshot_id = snapshot_id;
  if (!r.removed.empty()) {
    int64_t cutoff = sequence;
    for (const DataFile& f : r.removed) cutoff = std::min(cutoff, f.data_sequence);
    std::vector<Snapshot> kept;
    for (const Snapshot& s : t.snapshots) {
      if (s.sequence < cutoff) {
        kept.push_back(s);
      } else {
        r.expired.push_back(s.id);
      }
    }
    t.snapshots = std::move(kept);
    // Log entries up to the last expired snapshot go with it (spec: snapshot-log).
    size_t drop = 0;
    for (size_t i = 0; i < t.snapshot_log.size(); ++i) {
      if (std::find(r.expired.begin(), r.expired.end(), t.snapshot_log[i].second) != r.expired.end()) drop = i + 1;
    }
    t.snapshot_log.erase(t.snapshot_log.begin(), t.snapshot_log.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  t.snapshots.push_back(snap);
  t.snapshot_log.emplace_back(now, snapshot_id);
  if (base.version > 0) t.metadata_log.emplace_back(base.last_updated_ms, FileUri(base.metadata_path));
  if (t.metadata_log.size() > kMetadataLogMax) {
    t.metadata_log.erase(t.metadata_log.begin(),
                         t.metadata_log.begin() + static_cast<std::ptrdiff_t>(t.metadata_log.size() - kMetadataLogMax));
  }

  // 3. The commit: v(N+1).metadata.json appears whole or not at all, and never
  // over another writer's. Then the hint, for readers that start from it.
  EVPIPE_RETURN_IF_ERROR(CreateExclusive(fs, t.metadata_path, MetadataJson(def, t), run_id));
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(fs, io::JoinPath(dir, std::string(kVersionHint)),
                                                 std::to_string(t.version)));
  KillPoint("version hint written");
  r.snapshot = std::move(snap);
  return r;
}

}  // namespace evpipe::iceberg
