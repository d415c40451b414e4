// Record batch v2 framing and CRC-32C (see record_batch.h).
#include "evpipe/broker/protocol/record_batch.h"

#include <fmt/core.h>

#include <array>

#include "evpipe/broker/protocol/wire.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace evpipe::kafka_protocol {
namespace {

constexpr uint32_t kCastagnoliReversed = 0x82F63B78u;

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoliReversed : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

uint32_t Crc32cSoftware(const unsigned char* p, size_t n, uint32_t crc) {
  static const Tables tables;
  const auto& t = tables.t;
  while (n >= 8) {
    uint32_t lo = crc ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const unsigned char* p, size_t n, uint32_t crc) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t word;
    __builtin_memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
#endif

}  // namespace

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  auto p = reinterpret_cast<const unsigned char*>(data.data());
  crc = ~crc;
#if defined(__x86_64__)
  static const bool kHardware = __builtin_cpu_supports("sse4.2");
  if (kHardware) return ~Crc32cHardware(p, data.size(), crc);
#endif
  return ~Crc32cSoftware(p, data.size(), crc);
}

BatchHeader DecodeBatchHeader(std::string_view data) {
  Reader r(data);
  BatchHeader h;
  h.base_offset = r.Int64();
  h.batch_length = r.Int32();
  h.partition_leader_epoch = r.Int32();
  h.magic = r.Int8();
  h.crc = r.UInt32();
  h.attributes = r.Int16();
  h.last_offset_delta = r.Int32();
  h.base_timestamp = r.Int64();
  h.max_timestamp = r.Int64();
  h.producer_id = r.Int64();
  h.producer_epoch = r.Int16();
  h.base_sequence = r.Int32();
  h.record_count = r.Int32();
  return h;
}

Result<std::vector<std::string_view>> SplitAndValidateBatches(std::string_view records) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < records.size()) {
    std::string_view rest = records.substr(pos);
    if (rest.size() < kBatchHeaderSize) {
      return Status::Corruption(fmt::format("record batch at byte {}: {} bytes, shorter than a header", pos, rest.size()));
    }
    BatchHeader h = DecodeBatchHeader(rest);
    if (h.magic != 2) {
      return Status::Corruption(fmt::format("record batch at byte {}: magic {} (only 2 is supported)", pos, h.magic));
    }
    if (h.batch_length < static_cast<int32_t>(kBatchHeaderSize - 12) || h.size() > rest.size()) {
      return Status::Corruption(fmt::format("record batch at byte {}: bad length {}", pos, h.batch_length));
    }
    std::string_view batch = rest.substr(0, h.size());
    uint32_t crc = Crc32c(batch.substr(kBatchAttributesOffset));
    if (crc != h.crc) {
      return Status::Corruption(fmt::format("record batch at byte {}: CRC mismatch", pos));
    }
    if (h.record_count <= 0 || h.last_offset_delta != h.record_count - 1) {
      return Status::Corruption(fmt::format("record batch at byte {}: {} records but last offset delta {}", pos,
                                            h.record_count, h.last_offset_delta));
    }
    out.push_back(batch);
    pos += h.size();
  }
  if (out.empty()) return Status::Corruption("no record batch");
  return out;
}

void SetBaseOffset(char* batch, int64_t base_offset) { StoreBE64(batch, static_cast<uint64_t>(base_offset)); }

}  // namespace evpipe::kafka_protocol
