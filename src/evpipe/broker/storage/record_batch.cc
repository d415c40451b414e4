// Kafka record batch v2 header decoding and checks.
#include "evpipe/broker/storage/record_batch.h"

#include <limits>

#include "evpipe/broker/storage/crc32c.h"

namespace evpipe::broker::storage {

int32_t BatchHeader::last_sequence() const {
  if (base_sequence < 0) return -1;
  int64_t last = int64_t{base_sequence} + last_offset_delta;
  if (last > std::numeric_limits<int32_t>::max()) last -= int64_t{std::numeric_limits<int32_t>::max()} + 1;
  return static_cast<int32_t>(last);
}

BatchHeader DecodeBatchHeader(const char* p) {
  BatchHeader h;
  h.base_offset = LoadBe64(p + kBaseOffsetPos);
  h.batch_length = LoadBe32(p + kBatchLengthPos);
  h.partition_leader_epoch = LoadBe32(p + kPartitionLeaderEpochPos);
  h.magic = static_cast<int8_t>(p[kMagicPos]);
  h.crc = static_cast<uint32_t>(LoadBe32(p + kCrcPos));
  h.attributes = LoadBe16(p + kAttributesPos);
  h.last_offset_delta = LoadBe32(p + kLastOffsetDeltaPos);
  h.base_timestamp = LoadBe64(p + kBaseTimestampPos);
  h.max_timestamp = LoadBe64(p + kMaxTimestampPos);
  h.producer_id = LoadBe64(p + kProducerIdPos);
  h.producer_epoch = LoadBe16(p + kProducerEpochPos);
  h.base_sequence = LoadBe32(p + kBaseSequencePos);
  h.record_count = LoadBe32(p + kRecordCountPos);
  return h;
}

std::string_view BatchCheckName(BatchCheck check) {
  switch (check) {
    case BatchCheck::kOk: return "ok";
    case BatchCheck::kTooShort: return "truncated batch";
    case BatchCheck::kBadLength: return "bad batch length";
    case BatchCheck::kBadMagic: return "bad magic (want 2)";
    case BatchCheck::kBadCrc: return "CRC-32C mismatch";
  }
  return "unknown";
}

uint32_t ComputeBatchCrc(std::string_view batch) {
  return Crc32cExtend(0, batch.data() + kAttributesPos, batch.size() - kAttributesPos);
}

BatchCheck CheckBatch(std::string_view data, int64_t max_batch_bytes, BatchHeader* header) {
  if (data.size() < kBatchLogOverhead) return BatchCheck::kTooShort;
  int32_t length = LoadBe32(data.data() + kBatchLengthPos);
  int64_t total = int64_t{length} + int64_t{kBatchLogOverhead};
  if (length < static_cast<int32_t>(kBatchHeaderBytes - kBatchLogOverhead) || total > max_batch_bytes) {
    return BatchCheck::kBadLength;
  }
  if (data.size() < kBatchHeaderBytes) return BatchCheck::kTooShort;
  if (data[kMagicPos] != 2) return BatchCheck::kBadMagic;
  if (static_cast<int64_t>(data.size()) < total) return BatchCheck::kTooShort;
  BatchHeader h = DecodeBatchHeader(data.data());
  if (ComputeBatchCrc(data.substr(0, static_cast<size_t>(total))) != h.crc) return BatchCheck::kBadCrc;
  if (header != nullptr) *header = h;
  return BatchCheck::kOk;
}

}  // namespace evpipe::broker::storage
