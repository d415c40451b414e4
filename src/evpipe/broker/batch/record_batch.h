// Kafka record batches (magic v2): the header layout, its decoding, the frame
// check (length, magic, CRC-32C) that recovery and reads use, and the full
// validation Produce runs (frame, header rules and every record, decompressed
// when the batch is compressed). The one home of these rules for
// broker/protocol and broker/storage.
// Format: https://kafka.apache.org/documentation/#recordbatch; summary and the
// limits in docs/formats/broker_storage.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/batch/byte_order.h"

namespace evpipe::broker::batch {

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

// Compression codecs (attributes & kAttrCompressionMask).
inline constexpr int kCodecNone = 0;
inline constexpr int kCodecGzip = 1;
inline constexpr int kCodecSnappy = 2;
inline constexpr int kCodecLz4 = 3;
inline constexpr int kCodecZstd = 4;

// A compressed batch may inflate to at most this many bytes of records (a
// decompression bomb is refused, not allocated). Kafka has no such limit; 64
// MiB is 64 times its default max.message.bytes.
inline constexpr int64_t kMaxUncompressedBatchBytes = int64_t{64} << 20;
// The smallest record: length, attributes, timestamp delta, offset delta, key
// length, value length, header count (one byte each).
inline constexpr int64_t kMinRecordBytes = 7;

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
  int compression() const { return attributes & kAttrCompressionMask; }
  bool is_transactional() const { return (attributes & kAttrTransactional) != 0; }
  bool is_control() const { return (attributes & kAttrControl) != 0; }
  // The sequence of the last record, wrapping like Kafka's (INT32_MAX -> 0).
  int32_t last_sequence() const;
};

// Decodes the header; needs at least kBatchHeaderBytes. No checks.
BatchHeader DecodeBatchHeader(const char* p);

// The CRC-32C a batch should carry (over attributes..end); `batch` is one whole batch.
uint32_t ComputeBatchCrc(std::string_view batch);
// Sets the base offset field (the CRC does not cover it).
void SetBaseOffset(char* batch, int64_t base_offset);

// The frame of a batch: why it does not check out.
enum class FrameCheck {
  kOk,
  kTooShort,   // fewer bytes than the header or than batchLength says
  kBadLength,  // batchLength below the header size or beyond the limit
  kBadMagic,   // magic != 2
  kBadCrc,     // CRC-32C mismatch
};
std::string_view FrameCheckName(FrameCheck check);

// Checks length, magic and (when verify_crc) the CRC of the batch that starts
// at `data`, which may hold more bytes after it. `max_batch_bytes` bounds the
// total size. Fills `header` when kOk.
FrameCheck CheckFrame(std::string_view data, int64_t max_batch_bytes, bool verify_crc, BatchHeader* header);

// Splits a run of batches (a Produce partition's records, or what a Fetch
// returns) by their length fields only: no CRC, no record walk. Stops at the
// first frame that does not fit; `rest` (if given) gets what was left over.
std::vector<std::string_view> SplitBatches(std::string_view data, std::string_view* rest = nullptr);

// Why Produce refuses a batch, as the Kafka error code it answers with.
enum class BatchError : int16_t {
  kNone = 0,
  kCorruptMessage = 2,               // frame, CRC or records do not parse
  kMessageTooLarge = 10,             // above the limit, or inflates beyond kMaxUncompressedBatchBytes
  kUnsupportedCompressionType = 76,  // a codec this broker cannot decompress to check
  kInvalidRecord = 87,               // parses, but breaks a rule (count, deltas, sequence, transactions)
};

struct BatchVerdict {
  BatchError error = BatchError::kNone;
  std::string reason;  // one line for the log and the response's error message
  bool ok() const { return error == BatchError::kNone; }
};

// Everything Produce checks before a batch is stored (Kafka's LogValidator,
// the parts a single node needs): `batch` is exactly one whole batch of at
// most max_batch_bytes; magic 2; CRC-32C; record_count > 0 and equal to
// last_offset_delta + 1; no transactional or control bits; a producer id
// carries a base sequence >= 0; and the records, decompressed when
// compressed, parse exactly: varint lengths inside the batch, offset deltas
// 0, 1, ..., last_offset_delta, record_count records and no bytes after them,
// timestamps (base + delta) that do not overflow and are >= -1.
// One CRC pass; fills `header` when ok.
BatchVerdict ValidateBatch(std::string_view batch, int64_t max_batch_bytes, BatchHeader* header);

// One record inside a batch; views point into the (decompressed) records.
struct RecordView {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int32_t header_count = 0;
  std::string_view headers;  // the encoded headers, header_count of them
};

// Parses the record at the front of `in` and consumes it; on failure returns
// false with `why` set and `in` unspecified.
bool ParseRecord(std::string_view& in, RecordView* out, std::string* why);

// The records area of a batch (the bytes after the header), decompressed into
// `scratch` when the batch is compressed; nullopt with `verdict` set when it
// cannot be.
std::optional<std::string_view> RecordsOf(std::string_view batch, const BatchHeader& h, std::string* scratch,
                                          BatchVerdict* verdict);

}  // namespace evpipe::broker::batch
