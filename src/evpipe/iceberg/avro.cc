// Avro binary encoding and object container files (Avro 1.11 specification,
// "Binary Encoding" and "Object Container Files").
#include "evpipe/iceberg/avro.h"

#include <cstring>
#include <random>

namespace evpipe::iceberg::avro {
namespace {

constexpr std::string_view kMagic("Obj\x01", 4);
constexpr size_t kSyncSize = 16;

}  // namespace

void Encoder::Long(int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out_.push_back(static_cast<char>((z & 0x7F) | 0x80));
    z >>= 7;
  }
  out_.push_back(static_cast<char>(z));
}

void Encoder::Bytes(std::string_view b) {
  Long(static_cast<int64_t>(b.size()));
  out_.append(b);
}

Result<int64_t> Decoder::Long() {
  uint64_t z = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return Status::Corruption("avro: truncated varint");
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    z |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  return Status::Corruption("avro: varint longer than 10 bytes");
}

Result<int32_t> Decoder::Int() {
  EVPIPE_ASSIGN_OR_RETURN(int64_t v, Long());
  if (v < INT32_MIN || v > INT32_MAX) return Status::Corruption("avro: int out of range");
  return static_cast<int32_t>(v);
}

Result<bool> Decoder::Bool() {
  if (pos_ >= data_.size()) return Status::Corruption("avro: truncated boolean");
  const char c = data_[pos_++];
  if (c != 0 && c != 1) return Status::Corruption("avro: boolean byte is not 0 or 1");
  return c == 1;
}

Result<std::string_view> Decoder::Bytes() {
  EVPIPE_ASSIGN_OR_RETURN(int64_t n, Long());
  if (n < 0 || static_cast<uint64_t>(n) > data_.size() - pos_) return Status::Corruption("avro: bad length");
  const std::string_view out = data_.substr(pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return out;
}

std::string ContainerFile(std::string_view schema_json, const Metadata& metadata, int64_t count,
                          std::string_view records) {
  Encoder e;
  e.ArrayBlock(static_cast<int64_t>(metadata.size()) + 2);  // a map is blocked like an array
  e.String("avro.schema");
  e.Bytes(schema_json);
  e.String("avro.codec");
  e.Bytes("null");
  for (const auto& [key, value] : metadata) {
    e.String(key);
    e.Bytes(value);
  }
  e.ArrayEnd();
  char sync[kSyncSize];
  std::random_device rd;
  for (size_t i = 0; i < kSyncSize; i += 4) {
    const uint32_t r = rd();
    std::memcpy(sync + i, &r, 4);
  }
  std::string out(kMagic);
  out += e.Take();
  out.append(sync, kSyncSize);
  if (count > 0) {
    Encoder block;
    block.Long(count);
    block.Long(static_cast<int64_t>(records.size()));
    out += block.Take();
    out.append(records);
    out.append(sync, kSyncSize);
  }
  return out;
}

Result<Container> ReadContainerFile(std::string_view file) {
  if (file.substr(0, kMagic.size()) != kMagic) return Status::Corruption("avro: not an object container file");
  Decoder d(file.substr(kMagic.size()));
  Container c;
  std::string codec = "null";
  for (;;) {
    EVPIPE_ASSIGN_OR_RETURN(int64_t n, d.Long());
    if (n == 0) break;
    if (n < 0) {
      n = -n;
      EVPIPE_RETURN_IF_ERROR(d.Long().status());  // block size in bytes
    }
    for (int64_t i = 0; i < n; ++i) {
      EVPIPE_ASSIGN_OR_RETURN(std::string_view key, d.String());
      EVPIPE_ASSIGN_OR_RETURN(std::string_view value, d.Bytes());
      if (key == "avro.schema") {
        c.schema_json = std::string(value);
      } else if (key == "avro.codec") {
        codec = std::string(value);
      } else {
        c.metadata.emplace_back(std::string(key), std::string(value));
      }
    }
  }
  if (codec != "null") return Status::Corruption("avro: codec '" + codec + "' is not supported (only null)");
  if (c.schema_json.empty()) return Status::Corruption("avro: no avro.schema in the file metadata");
  // What is left: the sync marker, then blocks.
  const size_t header = file.size() - d.Remaining();
  if (file.size() - header < kSyncSize) return Status::Corruption("avro: truncated sync marker");
  const std::string_view sync = file.substr(header, kSyncSize);
  Decoder blocks(file.substr(header + kSyncSize));
  while (!blocks.AtEnd()) {
    EVPIPE_ASSIGN_OR_RETURN(int64_t count, blocks.Long());
    EVPIPE_ASSIGN_OR_RETURN(std::string_view bytes, blocks.Bytes());
    if (count < 0) return Status::Corruption("avro: negative block count");
    c.count += count;
    c.records.append(bytes);
    const size_t at = file.size() - blocks.Remaining();
    if (file.size() - at < kSyncSize || file.substr(at, kSyncSize) != sync) {
      return Status::Corruption("avro: block not followed by the sync marker");
    }
    blocks.Skip(kSyncSize);
  }
  return c;
}

}  // namespace evpipe::iceberg::avro
