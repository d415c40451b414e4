// A Thrift compact-protocol encoder: just enough to write Parquet page headers
// and footers (docs/formats/parquet.md). Write-only, allocation-light, deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evpipe::parquet {

// Compact-protocol type ids (Thrift's TCompactProtocol spec).
enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Appends compact-protocol bytes to a caller-owned string. Fields must be
// written in increasing id order within a struct (the encoder uses id deltas;
// it does not check). Used by one thread at a time.
//
//   ThriftWriter w(&out);
//   w.BeginStruct();
//   w.FieldI32(1, 42);
//   w.FieldBinary(2, "x");
//   w.EndStruct();
class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void BeginStruct();
  // Writes the stop byte and returns to the enclosing struct's field ids.
  void EndStruct();

  void FieldBool(int16_t id, bool v);
  void FieldI8(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldBinary(int16_t id, std::string_view v);
  // A field holding a struct: follow with the struct's fields and EndStruct().
  void FieldStructBegin(int16_t id);
  // A field holding a list of `size` elements of `elem`; then write the
  // elements with the Element* calls (struct elements: BeginStruct/EndStruct).
  void FieldListBegin(int16_t id, ThriftType elem, uint32_t size);

  void ElementI32(int32_t v) { WriteVarint(ZigZag32(v)); }
  void ElementI64(int64_t v) { WriteVarint(ZigZag64(v)); }
  void ElementBinary(std::string_view v);

  // Primitive encodings, public for tests and for callers that frame bytes.
  void WriteVarint(uint64_t v);
  static uint32_t ZigZag32(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
  static uint64_t ZigZag64(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

 private:
  void FieldHeader(int16_t id, ThriftType type);

  std::string* out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> stack_;  // last field id of each enclosing struct
};

}  // namespace evpipe::parquet
