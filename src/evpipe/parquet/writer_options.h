// Options of the Parquet writer, with their defaults as named constants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "evpipe/parquet/compression.h"
#include "evpipe/parquet/metadata.h"
#include "evpipe/parquet/statistics.h"

namespace evpipe::parquet {

inline constexpr size_t kDefaultPageSizeBytes = 1 << 20;            // 1 MiB
inline constexpr size_t kDefaultPageMaxRows = 20000;                // like parquet-mr
inline constexpr size_t kDefaultRowGroupSizeBytes = 128u << 20;     // 128 MiB
inline constexpr size_t kDefaultDictionaryMaxBytes = 1 << 20;       // 1 MiB

struct WriterOptions {
  Codec codec = Codec::kZstd;
  int zstd_level = kDefaultZstdLevel;
  // A data page is closed once its encoded (uncompressed) values reach this
  // many bytes, or it holds page_max_rows rows.
  size_t page_size_bytes = kDefaultPageSizeBytes;
  size_t page_max_rows = kDefaultPageMaxRows;
  // A row group is closed once its encoded data (uncompressed page bodies,
  // open pages and dictionaries) reaches this many bytes, or it holds
  // row_group_max_rows rows (0 = no row limit). The writer holds at most
  // about this much per open row group (less: finished pages are compressed).
  size_t row_group_size_bytes = kDefaultRowGroupSizeBytes;
  size_t row_group_max_rows = 0;
  // Dictionary-encode BYTE_ARRAY columns; a column chunk falls back to PLAIN
  // (for its later pages) when its dictionary would pass dictionary_max_bytes
  // (PLAIN-encoded size) or when, after its first page, the dictionary does
  // not make the data smaller.
  bool dictionary = true;
  size_t dictionary_max_bytes = kDefaultDictionaryMaxBytes;
  // Statistics in data page headers too (column chunk statistics are always written).
  bool page_statistics = false;
  // String min/max longer than this are truncated (statistics.h).
  size_t statistics_max_bytes = kDefaultStatisticsMaxBytes;
  // Threads that compress data pages while the caller's thread encodes
  // (0 = compress on the caller's thread). The file's bytes are the same
  // either way; compression is most of the writer's CPU time with zstd.
  int compression_threads = 0;
  // Threads that append, encode and compress column chunks: the columns are
  // split into this many groups of similar cost (column_weights, one per
  // column; empty = equal), each on its own thread, group 0 on the caller's.
  // The file's bytes are the same for any count. Not combined with
  // compression_threads (each group compresses its own pages).
  int encode_threads = 1;
  std::vector<double> column_weights;
  // fsync the file in Close() before closing it.
  bool sync_on_close = true;
  // Extra footer key/value metadata (written in this order).
  std::vector<KeyValue> key_value_metadata;
};

}  // namespace evpipe::parquet
