// The event -> Parquet row mapping: the writer's schema built from
// kEventColumns, and a batch that turns EventViews into column values.
// (The parquet module knows nothing about events; this is the only bridge.)
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/event/event.h"
#include "evpipe/parquet/file_writer.h"
#include "evpipe/parquet/schema.h"

namespace evpipe::jobs {

// The Parquet schema of DESIGN.md, in kEventColumns order.
parquet::Schema EventParquetSchema();

// Rows gathered column by column until WriteTo() hands them to a writer. Holds
// string_views only: the bytes behind each added event must stay valid until
// WriteTo() returns. Owned by one thread.
class EventBatch {
 public:
  explicit EventBatch(size_t capacity = 0);

  void Add(const event::EventView& e);
  size_t size() const { return event_time_.size(); }
  // One WriteBatch call with every added row, then empties the batch.
  Status WriteTo(parquet::FileWriter* writer);
  void Clear();

 private:
  void AddOptional(int slot, const std::optional<std::string_view>& v);

  std::vector<std::string_view> event_id_, event_type_, payload_;
  std::vector<int32_t> schema_version_;
  std::vector<int64_t> event_time_, ingest_time_;
  // tenant_id, user_id, session_id, source_system, environment, record_source, checksum
  static constexpr int kOptionalCount = 7;
  std::vector<std::string_view> optional_[kOptionalCount];
  std::vector<uint8_t> optional_null_[kOptionalCount];
  int optional_nulls_[kOptionalCount] = {};
};

}  // namespace evpipe::jobs
