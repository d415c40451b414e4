// libFuzzer target: Produce's record batch validation (broker/batch) on
// arbitrary bytes, plain and as the records of a batch with a valid CRC, so
// the fuzzer gets past the checksum into the record walk and the codecs.
//   cmake --preset fuzz && cmake --build build/fuzz --target record_batch_fuzzer
//   build/fuzz/record_batch_fuzzer -max_total_time=60 fuzz/corpus/record_batch
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evpipe/broker/batch/record_batch.h"

namespace rb = evpipe::broker::batch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // As sent: split by lengths, validate each.
  for (std::string_view b : rb::SplitBatches(in)) {
    rb::BatchHeader h;
    rb::BatchVerdict v = rb::ValidateBatch(b, int64_t{1} << 20, &h);
    if (v.ok() && (h.record_count <= 0 || h.total_bytes() != static_cast<int64_t>(b.size()))) __builtin_trap();
    (void)rb::CheckFrame(b, int64_t{1} << 20, true, nullptr);
  }
  // The input's first bytes as header fields, the rest as records, CRC fixed.
  if (size >= 12) {
    std::string b(rb::kBatchHeaderBytes, '\0');
    const char* p = in.data();
    b[rb::kMagicPos] = 2;
    rb::StoreBe16(&b[rb::kAttributesPos], static_cast<int16_t>(p[0] & 0x07));
    int32_t count = 1 + static_cast<uint8_t>(p[1]) % 16;
    rb::StoreBe32(&b[rb::kLastOffsetDeltaPos], count - 1);
    rb::StoreBe32(&b[rb::kRecordCountPos], count);
    rb::StoreBe64(&b[rb::kBaseTimestampPos], rb::LoadBe64(p + 2) >> 8);
    rb::StoreBe64(&b[rb::kProducerIdPos], -1);
    rb::StoreBe32(&b[rb::kBaseSequencePos], -1);
    b.append(in.substr(10));
    rb::StoreBe32(&b[rb::kBatchLengthPos], static_cast<int32_t>(b.size() - rb::kBatchLogOverhead));
    rb::StoreBeU32(&b[rb::kCrcPos], rb::ComputeBatchCrc(b));
    rb::BatchHeader h;
    rb::BatchVerdict v = rb::ValidateBatch(b, int64_t{1} << 20, &h);
    if (v.ok() != v.reason.empty()) __builtin_trap();
  }
  return 0;
}
