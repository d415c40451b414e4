// Private to jobs: which of a date's rows raw-to-parquet keeps, and in what
// order it writes them (docs/formats/raw_to_parquet.md, "Deduplication" and
// "Order"). Deterministic for the same input, whatever the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "evpipe/jobs/raw_rows_internal.h"

namespace evpipe::jobs::internal {

// Keeps one row per event_id: the earliest ingest_time, then the earliest
// position (file by name, then line). The kept rows stay in their order.
// Returns how many rows were dropped.
int64_t DeduplicateRows(const RowTable& table, std::vector<RowRef>* rows);

// The output order of unique rows, (event_time, event_id): indexes into `rows`.
std::vector<uint32_t> OutputOrder(const RowTable& table, const std::vector<RowRef>& rows);
// Reorders unique rows into OutputOrder().
void SortForOutput(const RowTable& table, std::vector<RowRef>* rows);

}  // namespace evpipe::jobs::internal
