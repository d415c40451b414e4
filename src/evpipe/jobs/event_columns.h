// The Parquet columns of an event (DESIGN.md, Parquet schema). This list is the
// source of truth: the writer's schema, the row mapping and the DDL test use it.
#pragma once

#include <array>
#include <string_view>

namespace evpipe::jobs {

enum class ColumnType {
  kString,           // BYTE_ARRAY, logical STRING
  kInt32,            // INT32, logical INT(32, signed)
  kTimestampMicros,  // INT64, logical TIMESTAMP(MICROS, isAdjustedToUTC=true)
};

struct EventColumn {
  std::string_view name;
  ColumnType type;
  bool required;
  // The Iceberg field id: Parquet SchemaElement.field_id and the table schema's
  // id (docs/formats/iceberg.md). Never reused or renumbered once published.
  int field_id;
};

// In file order. The indexes below name them.
inline constexpr std::array<EventColumn, 13> kEventColumns = {{
    {"event_id", ColumnType::kString, true, 1},
    {"event_type", ColumnType::kString, true, 2},
    {"schema_version", ColumnType::kInt32, true, 3},
    {"event_time", ColumnType::kTimestampMicros, true, 4},
    {"ingest_time", ColumnType::kTimestampMicros, true, 5},
    {"tenant_id", ColumnType::kString, false, 6},
    {"user_id", ColumnType::kString, false, 7},
    {"session_id", ColumnType::kString, false, 8},
    {"source_system", ColumnType::kString, false, 9},
    {"environment", ColumnType::kString, false, 10},
    {"record_source", ColumnType::kString, false, 11},
    {"payload", ColumnType::kString, true, 12},
    {"checksum", ColumnType::kString, false, 13},
}};

enum EventColumnIndex : int {
  kColEventId = 0,
  kColEventType,
  kColSchemaVersion,
  kColEventTime,
  kColIngestTime,
  kColTenantId,
  kColUserId,
  kColSessionId,
  kColSourceSystem,
  kColEnvironment,
  kColRecordSource,
  kColPayload,
  kColChecksum,
};

// The partition column (type date) that the DDL and the Iceberg table add: it
// lives in the path and the Iceberg manifests, not in the files.
inline constexpr std::string_view kPartitionColumn = "ingest_date";
inline constexpr int kPartitionColumnFieldId = 14;

}  // namespace evpipe::jobs
