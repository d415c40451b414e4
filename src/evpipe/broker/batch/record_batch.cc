// Record batch v2: header decoding, the frame check and Produce's validation
// (see record_batch.h).
#include "evpipe/broker/batch/record_batch.h"

#include <fmt/core.h>

#include <limits>

#include "evpipe/broker/batch/byte_order.h"
#include "evpipe/broker/batch/compression.h"
#include "evpipe/broker/batch/crc32c.h"

namespace evpipe::broker::batch {
namespace {

BatchVerdict Refuse(BatchError e, std::string reason) { return BatchVerdict{e, std::move(reason)}; }

// A varint length of `kind` followed by that many bytes (-1: null).
bool ReadLengthPrefixed(std::string_view& in, std::optional<std::string_view>* out, const char* kind,
                        std::string* why) {
  int32_t len = 0;
  if (!ReadVarint(in, &len)) {
    *why = fmt::format("bad {} length varint", kind);
    return false;
  }
  if (len < -1 || (len >= 0 && static_cast<size_t>(len) > in.size())) {
    *why = fmt::format("{} length {} with {} bytes left in the record", kind, len, in.size());
    return false;
  }
  if (len == -1) {
    *out = std::nullopt;
  } else {
    *out = in.substr(0, static_cast<size_t>(len));
    in.remove_prefix(static_cast<size_t>(len));
  }
  return true;
}

// Walks the records of a (decompressed) records area against the header.
BatchVerdict CheckRecords(std::string_view in, const BatchHeader& h) {
  std::string why;
  for (int32_t i = 0; i < h.record_count; ++i) {
    if (in.empty()) {
      return Refuse(BatchError::kInvalidRecord,
                    fmt::format("batch says {} records but holds {}", h.record_count, i));
    }
    RecordView r;
    if (!ParseRecord(in, &r, &why)) {
      return Refuse(BatchError::kCorruptMessage, fmt::format("record {}: {}", i, why));
    }
    if (r.offset_delta != i) {
      return Refuse(BatchError::kInvalidRecord,
                    fmt::format("record {} has offset delta {} (deltas must be 0..{} in order)", i, r.offset_delta,
                                h.last_offset_delta));
    }
    int64_t ts = 0;
    if (__builtin_add_overflow(h.base_timestamp, r.timestamp_delta, &ts) || ts < -1) {
      return Refuse(BatchError::kInvalidRecord,
                    fmt::format("record {}: timestamp {} + delta {} is not a valid timestamp", i, h.base_timestamp,
                                r.timestamp_delta));
    }
  }
  if (!in.empty()) {
    return Refuse(BatchError::kCorruptMessage,
                  fmt::format("{} bytes after the last of {} records", in.size(), h.record_count));
  }
  return {};
}

}  // namespace

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
  h.crc = LoadBeU32(p + kCrcPos);
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

uint32_t ComputeBatchCrc(std::string_view batch) {
  return Crc32cExtend(0, batch.data() + kAttributesPos, batch.size() - kAttributesPos);
}

void SetBaseOffset(char* batch, int64_t base_offset) { StoreBe64(batch + kBaseOffsetPos, base_offset); }

std::string_view FrameCheckName(FrameCheck check) {
  switch (check) {
    case FrameCheck::kOk: return "ok";
    case FrameCheck::kTooShort: return "truncated batch";
    case FrameCheck::kBadLength: return "bad batch length";
    case FrameCheck::kBadMagic: return "bad magic (want 2)";
    case FrameCheck::kBadCrc: return "CRC-32C mismatch";
  }
  return "unknown";
}

FrameCheck CheckFrame(std::string_view data, int64_t max_batch_bytes, bool verify_crc, BatchHeader* header) {
  if (data.size() < kBatchLogOverhead) return FrameCheck::kTooShort;
  int32_t length = LoadBe32(data.data() + kBatchLengthPos);
  int64_t total = int64_t{length} + int64_t{kBatchLogOverhead};
  if (length < static_cast<int32_t>(kBatchHeaderBytes - kBatchLogOverhead) || total > max_batch_bytes) {
    return FrameCheck::kBadLength;
  }
  if (data.size() < kBatchHeaderBytes) return FrameCheck::kTooShort;
  if (data[kMagicPos] != 2) return FrameCheck::kBadMagic;
  if (static_cast<int64_t>(data.size()) < total) return FrameCheck::kTooShort;
  BatchHeader h = DecodeBatchHeader(data.data());
  if (verify_crc && ComputeBatchCrc(data.substr(0, static_cast<size_t>(total))) != h.crc) return FrameCheck::kBadCrc;
  if (header != nullptr) *header = h;
  return FrameCheck::kOk;
}

std::vector<std::string_view> SplitBatches(std::string_view data, std::string_view* rest) {
  std::vector<std::string_view> out;
  while (data.size() >= kBatchHeaderBytes) {
    int64_t total = int64_t{LoadBe32(data.data() + kBatchLengthPos)} + int64_t{kBatchLogOverhead};
    if (total < static_cast<int64_t>(kBatchHeaderBytes) || total > static_cast<int64_t>(data.size())) break;
    out.push_back(data.substr(0, static_cast<size_t>(total)));
    data.remove_prefix(static_cast<size_t>(total));
  }
  if (rest != nullptr) *rest = data;
  return out;
}

bool ParseRecord(std::string_view& in, RecordView* out, std::string* why) {
  int32_t len = 0;
  if (!ReadVarint(in, &len)) {
    *why = "bad record length varint";
    return false;
  }
  if (len < kMinRecordBytes - 1 || static_cast<size_t>(len) > in.size()) {
    *why = fmt::format("record length {} with {} bytes left in the batch", len, in.size());
    return false;
  }
  std::string_view rec = in.substr(0, static_cast<size_t>(len));
  in.remove_prefix(static_cast<size_t>(len));
  out->attributes = static_cast<int8_t>(rec[0]);
  rec.remove_prefix(1);
  if (!ReadVarlong(rec, &out->timestamp_delta)) {
    *why = "bad timestamp delta varint";
    return false;
  }
  if (!ReadVarint(rec, &out->offset_delta)) {
    *why = "bad offset delta varint";
    return false;
  }
  if (!ReadLengthPrefixed(rec, &out->key, "key", why)) return false;
  if (!ReadLengthPrefixed(rec, &out->value, "value", why)) return false;
  if (!ReadVarint(rec, &out->header_count) || out->header_count < 0) {
    *why = "bad header count";
    return false;
  }
  out->headers = rec;
  for (int32_t i = 0; i < out->header_count; ++i) {
    std::optional<std::string_view> k;
    std::optional<std::string_view> v;
    if (!ReadLengthPrefixed(rec, &k, "header key", why)) return false;
    if (!k) {
      *why = fmt::format("header {} has a null key", i);
      return false;
    }
    if (!ReadLengthPrefixed(rec, &v, "header value", why)) return false;
  }
  if (!rec.empty()) {
    *why = fmt::format("{} bytes after the record's headers", rec.size());
    return false;
  }
  return true;
}

std::optional<std::string_view> RecordsOf(std::string_view batch, const BatchHeader& h, std::string* scratch,
                                          BatchVerdict* verdict) {
  std::string_view body = batch.substr(kBatchHeaderBytes);
  const int codec = h.compression();
  if (codec == kCodecNone) return body;
  if (!CodecSupported(codec)) {
    *verdict = Refuse(BatchError::kUnsupportedCompressionType,
                      fmt::format("{} batches cannot be checked by this broker", CodecName(codec)));
    return std::nullopt;
  }
  Status s = Decompress(codec, body, static_cast<size_t>(kMaxUncompressedBatchBytes), scratch);
  if (!s.ok()) {
    BatchError e = s.code() == StatusCode::kInvalidArgument ? BatchError::kMessageTooLarge
                                                            : BatchError::kCorruptMessage;
    *verdict = Refuse(e, s.message());
    return std::nullopt;
  }
  return std::string_view(*scratch);
}

BatchVerdict ValidateBatch(std::string_view batch, int64_t max_batch_bytes, BatchHeader* header) {
  if (static_cast<int64_t>(batch.size()) > max_batch_bytes) {
    return Refuse(BatchError::kMessageTooLarge,
                  fmt::format("batch of {} bytes is above the limit of {}", batch.size(), max_batch_bytes));
  }
  BatchHeader h;
  FrameCheck frame = CheckFrame(batch, max_batch_bytes, /*verify_crc=*/true, &h);
  if (frame != FrameCheck::kOk) return Refuse(BatchError::kCorruptMessage, std::string(FrameCheckName(frame)));
  if (h.total_bytes() != static_cast<int64_t>(batch.size())) {
    return Refuse(BatchError::kCorruptMessage,
                  fmt::format("batch length says {} bytes, got {}", h.total_bytes(), batch.size()));
  }
  if (h.record_count <= 0 || h.last_offset_delta != h.record_count - 1) {
    return Refuse(BatchError::kInvalidRecord, fmt::format("record count {} does not match last offset delta {}",
                                                          h.record_count, h.last_offset_delta));
  }
  if (h.is_transactional() || h.is_control()) {
    return Refuse(BatchError::kInvalidRecord, "transactional and control batches are not supported");
  }
  if (h.producer_id >= 0 && h.base_sequence < 0) {
    return Refuse(BatchError::kInvalidRecord,
                  fmt::format("producer id {} with base sequence {}: an idempotent batch needs a sequence >= 0",
                              h.producer_id, h.base_sequence));
  }
  // Each record takes at least kMinRecordBytes, so a count the body cannot
  // hold is refused before anything is decompressed.
  const int64_t body = static_cast<int64_t>(batch.size() - kBatchHeaderBytes);
  if (h.compression() == kCodecNone && int64_t{h.record_count} > body / kMinRecordBytes) {
    return Refuse(BatchError::kInvalidRecord,
                  fmt::format("batch says {} records in {} bytes", h.record_count, body));
  }
  std::string scratch;
  BatchVerdict verdict;
  std::optional<std::string_view> records = RecordsOf(batch, h, &scratch, &verdict);
  if (!records) return verdict;
  verdict = CheckRecords(*records, h);
  if (verdict.ok() && header != nullptr) *header = h;
  return verdict;
}

}  // namespace evpipe::broker::batch
