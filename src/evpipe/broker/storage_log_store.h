// The durable LogStore: adapts storage::Store (segment files under the data
// directory, committed offsets, producer ids) to the broker's LogStore seam.
#pragma once

#include <memory>

#include "evpipe/broker/log_store.h"
#include "evpipe/broker/storage/partition_log.h"
#include "evpipe/io/file_system.h"

namespace evpipe::broker {

struct StorageOptions {
  int32_t default_partitions = 3;
  int64_t retention_bytes = -1;
  int64_t retention_ms = -1;
  int64_t segment_bytes = storage::kDefaultSegmentBytes;
  int64_t max_segments_per_partition = storage::kDefaultMaxSegmentsPerPartition;
};

// Opens (and recovers) the store in `data_dir`.
Result<std::unique_ptr<LogStore>> OpenStorageLogStore(io::FileSystem& fs, const std::string& data_dir,
                                                      const StorageOptions& options);

}  // namespace evpipe::broker
