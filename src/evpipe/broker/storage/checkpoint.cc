// The checkpoint file encoding (see checkpoint.h).
#include "evpipe/broker/storage/checkpoint.h"

#include <cstring>

#include "evpipe/broker/batch/crc32c.h"
#include "evpipe/broker/storage/byte_io.h"

namespace evpipe::broker::storage {
namespace {

constexpr char kMagic[4] = {'E', 'V', 'P', 'C'};
constexpr uint32_t kVersion = 1;
// magic, version, recovery point, snapshot length ... snapshot ... CRC.
constexpr size_t kSnapshotPos = 4 + 4 + 8 + 4;
constexpr size_t kFixedBytes = kSnapshotPos + 4;

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& c) {
  std::string out;
  out.reserve(kFixedBytes + c.producer_snapshot.size());
  out.append(kMagic, 4);
  Put<uint32_t>(out, kVersion);
  Put<int64_t>(out, c.recovery_point);
  Put<uint32_t>(out, static_cast<uint32_t>(c.producer_snapshot.size()));
  out += c.producer_snapshot;
  Put<uint32_t>(out, batch::Crc32c(out));
  return out;
}

std::optional<Checkpoint> DecodeCheckpoint(std::string_view d) {
  if (d.size() < kFixedBytes || std::memcmp(d.data(), kMagic, 4) != 0) return std::nullopt;
  if (GetAt<uint32_t>(d, d.size() - 4) != batch::Crc32c(d.substr(0, d.size() - 4))) return std::nullopt;
  if (GetAt<uint32_t>(d, 4) != kVersion) return std::nullopt;
  const uint32_t blob = GetAt<uint32_t>(d, kSnapshotPos - 4);
  if (d.size() != kFixedBytes + size_t{blob}) return std::nullopt;
  Checkpoint c;
  c.recovery_point = GetAt<int64_t>(d, 8);
  c.producer_snapshot = std::string(d.substr(kSnapshotPos, blob));
  return c;
}

}  // namespace evpipe::broker::storage
