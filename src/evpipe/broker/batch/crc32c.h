// CRC-32C (Castagnoli), the checksum of Kafka record batches (magic v2) and of our own files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace evpipe::broker::batch {

// Extends `crc` (0 to start) over `data`. Uses the SSE4.2 crc32 instruction when
// the CPU has it (checked once at run time), else slicing-by-8 tables. Thread-safe.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data.data(), data.size()); }

// The portable implementation, exposed so tests can compare both paths.
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n);
// True when Crc32cExtend uses the hardware instruction.
bool Crc32cHardware();

}  // namespace evpipe::broker::batch
