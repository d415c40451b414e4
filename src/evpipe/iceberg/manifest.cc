// Manifests and manifest lists (see manifest_internal.h): Iceberg v2 Avro
// container files in our own schemas, written for a commit and read back.
#include "evpipe/iceberg/manifest_internal.h"

#include <fmt/core.h>

#include "evpipe/iceberg/avro.h"
#include "evpipe/iceberg/metadata_json_internal.h"

namespace evpipe::iceberg {
namespace {

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

std::string ManifestEntrySchema(const TableDef& def) {
  std::string s(kManifestEntrySchema);
  const std::string_view token = "$PARTITION";
  s.replace(s.find(token), token.size(), PartitionField(def)->name);
  return s;
}

std::string DateBound(int32_t day) {
  std::string b(4, '\0');
  const auto u = static_cast<uint32_t>(day);
  for (int i = 0; i < 4; ++i) b[static_cast<size_t>(i)] = static_cast<char>((u >> (8 * i)) & 0xFF);
  return b;
}

}  // namespace

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

}  // namespace evpipe::iceberg
