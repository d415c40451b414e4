// The table metadata file (metadata/vN.metadata.json, Iceberg spec "Table
// Metadata"): written from TableState, read back into it. Private to the
// iceberg module; the manifest writer shares the schema and partition JSON.
#pragma once

#include <string>
#include <string_view>

#include "evpipe/core/status.h"
#include "evpipe/iceberg/table.h"

namespace evpipe::iceberg {

// The field the identity partition is on, or nullptr when it is not in the schema.
const Field* PartitionField(const TableDef& def);
// The schema as Iceberg JSON ({"type":"struct","schema-id":0,"fields":[...]}).
std::string SchemaJson(const TableDef& def);
// The partition spec's fields as Iceberg JSON.
std::string PartitionFieldsJson(const TableDef& def);

// The whole metadata file of `t`, byte-deterministic for the same state.
std::string MetadataJson(const TableDef& def, const TableState& t);
// Parses a metadata file read from `path` in `dir` (metadata/ of `location`).
// A table evpipe did not write, or one for another `def`, is Foreign().
Result<TableState> ParseMetadata(const TableDef& def, const std::string& dir, const std::string& path,
                                 std::string_view text, const std::string& location);

// Corruption: "<dir> is not an evpipe Iceberg table (<why>); ..." (one line).
Status Foreign(const std::string& dir, std::string_view why);

}  // namespace evpipe::iceberg
