// The subset of Apache Avro that Iceberg manifests need: the binary encoding
// (zigzag varints, length-prefixed bytes, unions by branch index, blocked
// arrays) and object container files with the null codec. The schema is JSON
// text the caller provides (with Iceberg's field-id attributes); this file
// encodes values, it does not interpret schemas. docs/decisions/avro-writer-of-our-own.md says
// why this is ours and not avro-c.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::iceberg::avro {

// Appends Avro binary values to a string. Records are their fields in schema
// order; a union is Union(branch) then the branch's value; an array of n items
// is ArrayBlock(n), the items, then ArrayEnd() (an empty array is ArrayEnd()).
class Encoder {
 public:
  void Long(int64_t v);
  void Int(int32_t v) { Long(v); }
  void Bool(bool v) { out_.push_back(v ? '\1' : '\0'); }
  void Bytes(std::string_view b);
  void String(std::string_view s) { Bytes(s); }
  void Union(int branch) { Long(branch); }
  void ArrayBlock(int64_t count) { Long(count); }
  void ArrayEnd() { Long(0); }

  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads Avro binary values back, in the order the writer wrote them. Every
// read fails with Corruption past the end or on an overlong varint.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  Result<int64_t> Long();
  Result<int32_t> Int();
  Result<bool> Bool();
  Result<std::string_view> Bytes();
  Result<std::string_view> String() { return Bytes(); }
  bool AtEnd() const { return pos_ == data_.size(); }
  size_t Remaining() const { return data_.size() - pos_; }
  void Skip(size_t n) { pos_ += std::min(n, Remaining()); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

using Metadata = std::vector<std::pair<std::string, std::string>>;

// A whole object container file: "Obj\x01", the file metadata (avro.schema =
// `schema_json`, avro.codec = null, then `metadata` in order), a 16-byte sync
// marker, and one block of `count` records already encoded in `records`.
std::string ContainerFile(std::string_view schema_json, const Metadata& metadata, int64_t count,
                          std::string_view records);

struct Container {
  std::string schema_json;
  Metadata metadata;  // every key but avro.schema and avro.codec
  int64_t count = 0;  // records in all blocks
  std::string records;  // the blocks' record bytes, concatenated
};

// Parses a container file written with the null codec (Corruption otherwise,
// and for a bad magic, metadata, block or sync marker).
Result<Container> ReadContainerFile(std::string_view file);

}  // namespace evpipe::iceberg::avro
