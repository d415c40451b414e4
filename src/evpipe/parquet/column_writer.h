// Encodes one column of a row group into compressed pages held in memory:
// definition levels, PLAIN or dictionary values, page headers, statistics.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/parquet/column_values.h"
#include "evpipe/parquet/compression.h"
#include "evpipe/parquet/metadata.h"
#include "evpipe/parquet/page_pool.h"
#include "evpipe/parquet/schema.h"
#include "evpipe/parquet/statistics.h"
#include "evpipe/parquet/writer_options.h"

namespace evpipe::parquet {

// Owned by FileWriter, one per column, used by one thread. Lifetime of a chunk:
// Append()* -> FinishChunk() -> read dictionary_page()/data_pages() and
// Meta() -> ResetChunk(). Column, options and compressor must outlive it.
class ColumnWriter {
 public:
  // pool: compresses data pages on other threads, or null to compress here.
  ColumnWriter(const Column& column, const WriterOptions& options, Compressor* compressor, PagePool* pool);

  // Appends rows [begin, end) of `values` (the caller has checked types and sizes).
  Status Append(const ColumnValues& values, size_t begin, size_t end);
  // Bytes of this chunk held in memory (pages, open page, dictionary).
  size_t BufferedBytes() const;
  // Closes the open page and builds the dictionary page, if any. With a
  // pool, call PagePool::Wait() before reading the pages or Meta().
  Status FinishChunk();
  // Header + body of the dictionary page; empty when the chunk has none. Goes first.
  const std::string& dictionary_page() const { return dict_page_; }
  // Headers + bodies of the data pages, in order, in blocks to write one after the other.
  std::vector<std::string_view> data_pages() const;
  // The chunk's metadata for a chunk written at `file_offset`.
  ColumnChunkMeta Meta(int64_t file_offset) const;
  void ResetChunk();

 private:
  Status AppendStrings(const ColumnValues& values, size_t begin, size_t end);
  Status AppendInts(const ColumnValues& values, size_t begin, size_t end);
  Status FinishPage();
  // Dictionary index of v, inserting it; -1 when inserting would pass the bound.
  int64_t DictionaryIndex(std::string_view v);
  void DictionaryGrow();
  // Whether the open (first) page is smaller dictionary-encoded than PLAIN.
  bool DictionaryPays() const;
  // Re-encodes the open page as PLAIN and stops dictionary encoding for this chunk.
  void DropDictionary();
  size_t PageBytes() const;
  Status AppendPage(PageType type, Encoding encoding, int32_t num_values, std::string_view body);

  const Column& column_;
  const WriterOptions& options_;
  Compressor* compressor_;
  PagePool* pool_;
  const int value_width_;  // 4 or 8 for ints, 0 for BYTE_ARRAY

  // The open page.
  std::vector<uint8_t> levels_;    // definition levels (optional columns)
  std::string plain_;              // PLAIN values
  std::vector<uint32_t> indices_;  // dictionary indices
  size_t page_rows_ = 0;
  size_t page_plain_bytes_ = 0;    // PLAIN size of the dictionary-encoded values
  StatisticsAccumulator page_stats_;

  // The chunk: data pages appended to blocks of kBlockBytes (or one page),
  // which are kept across row groups so that no page is copied twice.
  // With a pool, each page gets a block of its own (a deque: workers hold
  // pointers into it while the writer adds blocks).
  struct Block {
    std::string bytes;
    int64_t uncompressed = 0;  // headers + uncompressed bodies of its pages
  };
  Block& NextBlock(size_t reserve);
  std::deque<Block> blocks_;
  size_t blocks_used_ = 0;
  // Uncompressed bytes of the chunk's finished data pages: what the row group
  // size counts (the same with or without a pool, so row groups are cut at
  // the same rows).
  size_t pages_bytes_ = 0;
  std::string dict_page_;
  bool dict_mode_ = false;
  bool dict_checked_ = false;
  int32_t dict_data_pages_ = 0;
  int32_t plain_data_pages_ = 0;
  int64_t num_values_ = 0;
  int64_t dict_uncompressed_bytes_ = 0;
  StatisticsAccumulator chunk_stats_;

  // The dictionary: PLAIN-encoded entries (the dictionary page body) plus an
  // open-addressing hash table over them. Entry order = first appearance.
  struct Entry {
    uint64_t hash;
    uint32_t offset;  // of the value bytes in dict_plain_
    uint32_t size;
  };
  std::string dict_plain_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // entry index + 1; 0 = empty
  int dict_bits_ = 1;

  std::string scratch_, header_;
};

}  // namespace evpipe::parquet
