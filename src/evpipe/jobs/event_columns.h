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
};

// In file order. The indexes below name them.
inline constexpr std::array<EventColumn, 13> kEventColumns = {{
    {"event_id", ColumnType::kString, true},
    {"event_type", ColumnType::kString, true},
    {"schema_version", ColumnType::kInt32, true},
    {"event_time", ColumnType::kTimestampMicros, true},
    {"ingest_time", ColumnType::kTimestampMicros, true},
    {"tenant_id", ColumnType::kString, false},
    {"user_id", ColumnType::kString, false},
    {"session_id", ColumnType::kString, false},
    {"source_system", ColumnType::kString, false},
    {"environment", ColumnType::kString, false},
    {"record_source", ColumnType::kString, false},
    {"payload", ColumnType::kString, true},
    {"checksum", ColumnType::kString, false},
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

// The partition column that the DDL adds (it lives in the path, not in the files).
inline constexpr std::string_view kPartitionColumn = "ingest_date";

}  // namespace evpipe::jobs
