// EventParquetSchema and EventBatch.
#include "evpipe/jobs/event_parquet.h"

#include <array>

#include "evpipe/jobs/event_columns.h"

namespace evpipe::jobs {

parquet::Schema EventParquetSchema() {
  parquet::Schema schema;
  for (const EventColumn& c : kEventColumns) {
    const auto rep = c.required ? parquet::Repetition::kRequired : parquet::Repetition::kOptional;
    std::string name(c.name);
    switch (c.type) {
      case ColumnType::kString:
        schema.columns.push_back(parquet::Column::String(std::move(name), rep));
        break;
      case ColumnType::kInt32:
        schema.columns.push_back(parquet::Column::Int32(std::move(name), rep));
        break;
      case ColumnType::kTimestampMicros:
        schema.columns.push_back(parquet::Column::TimestampMicros(std::move(name), rep));
        break;
    }
    schema.columns.back().field_id = c.field_id;
  }
  schema.root_name = "event";
  return schema;
}

EventBatch::EventBatch(size_t capacity) {
  event_id_.reserve(capacity);
  event_type_.reserve(capacity);
  payload_.reserve(capacity);
  schema_version_.reserve(capacity);
  event_time_.reserve(capacity);
  ingest_time_.reserve(capacity);
  for (int i = 0; i < kOptionalCount; ++i) {
    optional_[i].reserve(capacity);
    optional_null_[i].reserve(capacity);
  }
}

void EventBatch::AddOptional(int slot, const std::optional<std::string_view>& v) {
  optional_[slot].push_back(v ? *v : std::string_view());
  optional_null_[slot].push_back(v ? 0 : 1);
  optional_nulls_[slot] += v ? 0 : 1;
}

void EventBatch::Add(const event::EventView& e) {
  event_id_.push_back(e.event_id);
  event_type_.push_back(e.event_type);
  schema_version_.push_back(e.schema_version);
  event_time_.push_back(e.event_time_us);
  ingest_time_.push_back(e.ingest_time_us);
  AddOptional(0, e.tenant_id);
  AddOptional(1, e.user_id);
  AddOptional(2, e.session_id);
  AddOptional(3, e.source_system);
  AddOptional(4, e.environment);
  AddOptional(5, e.record_source);
  payload_.push_back(e.payload);
  AddOptional(6, e.checksum);
}

Status EventBatch::WriteTo(parquet::FileWriter* writer) {
  if (size() == 0) return Status::Ok();
  auto opt = [this](int slot) {
    // An empty nulls span tells the writer that no row is null (cheaper).
    return parquet::ColumnValues::Strings(
        optional_[slot], optional_nulls_[slot] == 0 ? std::span<const uint8_t>() : optional_null_[slot]);
  };
  const std::array<parquet::ColumnValues, kEventColumns.size()> cols = {
      parquet::ColumnValues::Strings(event_id_),
      parquet::ColumnValues::Strings(event_type_),
      parquet::ColumnValues::Int32s(schema_version_),
      parquet::ColumnValues::Int64s(event_time_),
      parquet::ColumnValues::Int64s(ingest_time_),
      opt(0),
      opt(1),
      opt(2),
      opt(3),
      opt(4),
      opt(5),
      parquet::ColumnValues::Strings(payload_),
      opt(6),
  };
  Status s = writer->WriteBatch(size(), cols);
  Clear();
  return s;
}

void EventBatch::Clear() {
  event_id_.clear();
  event_type_.clear();
  payload_.clear();
  schema_version_.clear();
  event_time_.clear();
  ingest_time_.clear();
  for (int i = 0; i < kOptionalCount; ++i) {
    optional_[i].clear();
    optional_null_[i].clear();
    optional_nulls_[i] = 0;
  }
}

}  // namespace evpipe::jobs
