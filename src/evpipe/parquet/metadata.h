// The Parquet metadata evpipe writes (page headers, column chunk, row group
// and file metadata) as plain structs, and their Thrift compact encoding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evpipe/parquet/compression.h"
#include "evpipe/parquet/schema.h"
#include "evpipe/parquet/statistics.h"

namespace evpipe::parquet {

// Values are parquet.thrift's Encoding and PageType.
enum class Encoding { kPlain = 0, kRle = 3, kRleDictionary = 8 };
enum class PageType { kDataPage = 0, kDictionaryPage = 2 };

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_size = 0;
  int32_t compressed_size = 0;
  int32_t num_values = 0;  // rows in a data page (nulls included); entries in a dictionary page
  Encoding encoding = Encoding::kPlain;
  const EncodedStatistics* statistics = nullptr;  // data pages only; optional
};

struct EncodingCount {
  PageType page_type;
  Encoding encoding;
  int32_t count;
};

struct ColumnChunkMeta {
  PhysicalType type = PhysicalType::kByteArray;
  std::vector<Encoding> encodings;  // ascending, unique
  std::string name;
  Codec codec = Codec::kZstd;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;  // pages including headers
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;  // -1: no dictionary page
  EncodedStatistics statistics;
  std::vector<EncodingCount> encoding_stats;
};

struct RowGroupMeta {
  std::vector<ColumnChunkMeta> columns;
  int64_t total_byte_size = 0;        // uncompressed
  int64_t total_compressed_size = 0;
  int64_t num_rows = 0;
  int64_t file_offset = 0;
};

struct KeyValue {
  std::string key;
  std::string value;
};

// Appends the thrift PageHeader.
void SerializePageHeader(const PageHeader& h, std::string* out);
// Appends the thrift FileMetaData (the footer, without length and magic).
void SerializeFileMetaData(const Schema& schema, const std::vector<RowGroupMeta>& row_groups,
                           int64_t num_rows, const std::vector<KeyValue>& key_values,
                           std::string_view created_by, std::string* out);

}  // namespace evpipe::parquet
