// The byte orders and integer encodings of the Kafka wire and of record
// batches: big-endian fixed-width loads and stores, and the zig-zag varints
// (varint, varlong) and unsigned varints that records and flexible messages use.
// The one home of these rules for broker/protocol and broker/storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace evpipe::broker::batch {

inline uint16_t LoadBeU16(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((uint16_t{u[0]} << 8) | u[1]);
}
inline uint32_t LoadBeU32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}
inline uint64_t LoadBeU64(const char* p) { return (uint64_t{LoadBeU32(p)} << 32) | LoadBeU32(p + 4); }
inline int16_t LoadBe16(const char* p) { return static_cast<int16_t>(LoadBeU16(p)); }
inline int32_t LoadBe32(const char* p) { return static_cast<int32_t>(LoadBeU32(p)); }
inline int64_t LoadBe64(const char* p) { return static_cast<int64_t>(LoadBeU64(p)); }

inline void StoreBeU16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void StoreBeU32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}
inline void StoreBeU64(char* p, uint64_t v) {
  StoreBeU32(p, static_cast<uint32_t>(v >> 32));
  StoreBeU32(p + 4, static_cast<uint32_t>(v));
}
inline void StoreBe16(char* p, int16_t v) { StoreBeU16(p, static_cast<uint16_t>(v)); }
inline void StoreBe32(char* p, int32_t v) { StoreBeU32(p, static_cast<uint32_t>(v)); }
inline void StoreBe64(char* p, int64_t v) { StoreBeU64(p, static_cast<uint64_t>(v)); }

// The longest encodings Kafka allows: 5 bytes for 32 bits, 10 for 64.
inline constexpr int kMaxVarintBytes = 5;
inline constexpr int kMaxVarlongBytes = 10;

// Reads an unsigned LEB128 of at most `max_bytes` bytes from the front of `in`
// and consumes it; false (nothing consumed) when truncated or too long.
inline bool ReadUnsignedVarint64(std::string_view& in, uint64_t* out, int max_bytes = kMaxVarlongBytes) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes && static_cast<size_t>(i) < in.size(); ++i) {
    auto b = static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    v |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) {
      in.remove_prefix(static_cast<size_t>(i) + 1);
      *out = v;
      return true;
    }
  }
  return false;
}
inline bool ReadUnsignedVarint(std::string_view& in, uint32_t* out) {
  uint64_t v = 0;
  std::string_view probe = in;
  if (!ReadUnsignedVarint64(probe, &v, kMaxVarintBytes) || v > UINT32_MAX) return false;
  in = probe;
  *out = static_cast<uint32_t>(v);
  return true;
}
// Zig-zag varint (Kafka "varint", 32 bits) and varlong (64 bits).
inline bool ReadVarint(std::string_view& in, int32_t* out) {
  uint32_t z = 0;
  if (!ReadUnsignedVarint(in, &z)) return false;
  *out = static_cast<int32_t>(z >> 1) ^ -static_cast<int32_t>(z & 1);
  return true;
}
inline bool ReadVarlong(std::string_view& in, int64_t* out) {
  uint64_t z = 0;
  if (!ReadUnsignedVarint64(in, &z, kMaxVarlongBytes)) return false;
  *out = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  return true;
}

inline void AppendUnsignedVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
inline void AppendVarint(std::string& out, int32_t v) {
  AppendUnsignedVarint(out, (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}
inline void AppendVarlong(std::string& out, int64_t v) {
  AppendUnsignedVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

}  // namespace evpipe::broker::batch
