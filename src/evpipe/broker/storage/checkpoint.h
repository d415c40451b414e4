// A partition's checkpoint file: the recovery point (offsets below it were
// fsynced and their segments indexed) and the producer-state snapshot that
// covers exactly them, so that the next Open scans only the newest segment.
// Little-endian, CRC-32C at the end; layout in docs/formats/broker_storage.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evpipe::broker::storage {

inline constexpr std::string_view kCheckpointFileName = "checkpoint";

struct Checkpoint {
  int64_t recovery_point = 0;
  std::string producer_snapshot;  // ProducerStateTable::Serialize()
};

std::string EncodeCheckpoint(const Checkpoint& c);
// nullopt when the bytes do not check out (magic, version, length, CRC).
std::optional<Checkpoint> DecodeCheckpoint(std::string_view data);

}  // namespace evpipe::broker::storage
