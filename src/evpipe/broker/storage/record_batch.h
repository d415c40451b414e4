// The Kafka record batch (magic v2) header: layout, parsing and validation.
// Format: https://kafka.apache.org/documentation/#recordbatch; summary in
// docs/formats/broker_storage.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace evpipe::broker::storage {

// Byte positions of the v2 batch header fields (big-endian on the wire).
inline constexpr size_t kBaseOffsetPos = 0;             // int64, rewritten by the broker
inline constexpr size_t kBatchLengthPos = 8;            // int32, bytes after this field
inline constexpr size_t kPartitionLeaderEpochPos = 12;  // int32
inline constexpr size_t kMagicPos = 16;                 // int8, must be 2
inline constexpr size_t kCrcPos = 17;                   // uint32 CRC-32C of [kAttributesPos, end)
inline constexpr size_t kAttributesPos = 21;            // int16
inline constexpr size_t kLastOffsetDeltaPos = 23;       // int32
inline constexpr size_t kBaseTimestampPos = 27;         // int64
inline constexpr size_t kMaxTimestampPos = 35;          // int64
inline constexpr size_t kProducerIdPos = 43;            // int64
inline constexpr size_t kProducerEpochPos = 51;         // int16
inline constexpr size_t kBaseSequencePos = 53;          // int32
inline constexpr size_t kRecordCountPos = 57;           // int32
inline constexpr size_t kBatchHeaderBytes = 61;         // records follow
// Offset + length: the bytes before what batchLength counts.
inline constexpr size_t kBatchLogOverhead = 12;

inline constexpr int16_t kAttrCompressionMask = 0x07;
inline constexpr int16_t kAttrLogAppendTime = 0x08;
inline constexpr int16_t kAttrTransactional = 0x10;
inline constexpr int16_t kAttrControl = 0x20;

// The header fields of one batch, decoded.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // total bytes = batch_length + kBatchLogOverhead
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

  int64_t total_bytes() const { return int64_t{batch_length} + int64_t{kBatchLogOverhead}; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // The sequence of the last record, wrapping like Kafka's (INT32_MAX -> 0).
  int32_t last_sequence() const;
};

// Big-endian helpers (the wire byte order).
inline int64_t LoadBe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return static_cast<int64_t>(v);
}
inline int32_t LoadBe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return static_cast<int32_t>(v);
}
inline int16_t LoadBe16(const char* p) {
  return static_cast<int16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
inline void StoreBe64(char* p, int64_t v) {
  for (int i = 7; i >= 0; --i, v = static_cast<int64_t>(static_cast<uint64_t>(v) >> 8)) p[i] = static_cast<char>(v & 0xff);
}
inline void StoreBe32(char* p, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  for (int i = 3; i >= 0; --i, u >>= 8) p[i] = static_cast<char>(u & 0xff);
}
inline void StoreBe16(char* p, int16_t v) {
  p[0] = static_cast<char>((static_cast<uint16_t>(v) >> 8) & 0xff);
  p[1] = static_cast<char>(v & 0xff);
}

// Decodes the header; needs at least kBatchHeaderBytes. No checks.
BatchHeader DecodeBatchHeader(const char* p);

// Why a batch was refused.
enum class BatchCheck {
  kOk,
  kTooShort,      // fewer bytes than the header or than batchLength says
  kBadLength,     // batchLength below the header size or beyond the limit
  kBadMagic,      // magic != 2
  kBadCrc,        // CRC-32C mismatch
};
std::string_view BatchCheckName(BatchCheck check);

// Checks length, magic and CRC of the batch that starts at `data` (which may
// hold more bytes after it). `max_batch_bytes` bounds the total size.
BatchCheck CheckBatch(std::string_view data, int64_t max_batch_bytes, BatchHeader* header);

// The CRC-32C a batch should carry (over attributes..end); `batch` is one whole batch.
uint32_t ComputeBatchCrc(std::string_view batch);

}  // namespace evpipe::broker::storage
