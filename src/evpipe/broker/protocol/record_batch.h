// Record batch v2 (magic 2) framing: split a produce payload into batches,
// check each one's header and CRC-32C, and rewrite the base offset when the
// broker assigns offsets. The records inside a batch are not parsed here:
// the broker stores batches as the producer sent them.
// Layout: docs/formats/kafka_protocol.md, "Record batch".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::kafka_protocol {

inline constexpr size_t kBatchHeaderSize = 61;
inline constexpr size_t kBatchLengthOffset = 8;     // int32 batchLength
inline constexpr size_t kBatchMagicOffset = 16;     // int8 magic
inline constexpr size_t kBatchCrcOffset = 17;       // uint32 crc (covers 21..end)
inline constexpr size_t kBatchAttributesOffset = 21;

// The header fields of one batch, decoded.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // bytes after the length field
  int32_t partition_leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  size_t size() const { return 12 + static_cast<size_t>(batch_length); }
  bool is_transactional() const { return (attributes & 0x10) != 0; }
  bool is_control() const { return (attributes & 0x20) != 0; }
  int compression() const { return attributes & 0x07; }
};

// Decodes the header at the start of `data` (at least kBatchHeaderSize bytes).
BatchHeader DecodeBatchHeader(std::string_view data);

// Splits `records` into whole batches and validates each (magic 2, sane
// length, CRC-32C, record count vs. last offset delta). Returns the batch
// views in order, or kCorruption naming what is wrong.
Result<std::vector<std::string_view>> SplitAndValidateBatches(std::string_view records);

// Sets the base offset field of the batch at `batch` (CRC does not cover it).
void SetBaseOffset(char* batch, int64_t base_offset);

// CRC-32C (Castagnoli), as used by record batch v2.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace evpipe::kafka_protocol
