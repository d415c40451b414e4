// Kafka wire primitives: a bounds-checked Reader and a growable Writer for the
// classic and the flexible ("compact", tagged-field) encodings.
// See docs/formats/kafka_protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/broker/batch/byte_order.h"

namespace evpipe::kafka_protocol {

// Reads big-endian Kafka primitives from a byte range it does not own.
// Never reads out of bounds: the first short read or bad length marks the
// reader failed, after which every read returns a zero value. Callers check
// ok() once at the end. Lengths are checked against the bytes left, so a
// huge array or string length can never cause a huge allocation.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  // Caps the array elements this reader accepts in total (all arrays of one
  // request together): a length past what is left fails the reader. Bounds
  // the memory a decoded request takes beyond its own bytes.
  void SetEntryLimit(size_t n) { entries_left_ = n; }

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  void Fail() { ok_ = false; }

  int8_t Int8();
  int16_t Int16();
  int32_t Int32();
  int64_t Int64();
  uint32_t UInt32();
  bool Bool() { return Int8() != 0; }
  uint32_t UnsignedVarint();
  int32_t Varint();    // zig-zag
  int64_t Varlong();   // zig-zag

  // Classic (INT16 length) or compact (UNSIGNED_VARINT length+1) strings.
  std::string String(bool flexible);
  std::optional<std::string> NullableString(bool flexible);
  // Bytes as a view into the input (valid while the input lives).
  std::string_view Bytes(bool flexible);
  std::optional<std::string_view> NullableBytes(bool flexible);
  std::string_view Raw(size_t n);
  // An array length: -1 (null) is returned as -1; a length that cannot fit
  // in the remaining bytes (each element >= min_element_size) fails.
  int32_t ArrayLength(bool flexible, size_t min_element_size = 1);
  // Skips a tagged-field section (flexible versions only).
  void SkipTaggedFields();

 private:
  bool Need(size_t n);

  std::string_view data_;
  size_t pos_ = 0;
  size_t entries_left_ = SIZE_MAX;
  bool ok_ = true;
};

// Appends big-endian Kafka primitives to a string buffer it owns. With
// SpliceBytesFrom(n), Bytes() of n bytes or more writes only its length
// prefix and keeps a view of the bytes (a Splice) instead of copying them:
// the encoded message is then buffer() with each splice inserted at its
// position, and the caller keeps the viewed bytes alive until it is sent
// (a fetch response's record batches, broker/connection.h).
class Writer {
 public:
  struct Splice {
    size_t at;               // position in buffer() the bytes go before
    std::string_view bytes;  // not owned
  };

  void Int8(int8_t v) { buf_.push_back(static_cast<char>(v)); }
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Int64(int64_t v);
  void UInt32(uint32_t v);
  void Bool(bool v) { Int8(v ? 1 : 0); }
  void UnsignedVarint(uint32_t v);
  void Varint(int32_t v);
  void Varlong(int64_t v);
  void String(std::string_view s, bool flexible);
  void NullableString(const std::optional<std::string>& s, bool flexible);
  void Bytes(std::string_view b, bool flexible);
  void NullableBytes(const std::optional<std::string_view>& b, bool flexible);
  void ArrayLength(int32_t n, bool flexible);  // -1 = null
  void Raw(std::string_view b) { buf_.append(b); }
  // An empty tagged-field section (flexible versions only).
  void EmptyTaggedFields() { UnsignedVarint(0); }

  // Overwrites 4 bytes at `pos` (a length prefix reserved earlier, before any splice).
  void PatchInt32(size_t pos, int32_t v);
  // The encoded size, spliced bytes included.
  size_t size() const { return buf_.size() + spliced_bytes_; }
  void SpliceBytesFrom(size_t min_bytes) { splice_min_ = min_bytes; }
  std::vector<Splice> ReleaseSplices() { return std::move(splices_); }
  std::string& buffer() { return buf_; }
  std::string Release() { return std::move(buf_); }

 private:
  std::string buf_;
  std::vector<Splice> splices_;
  size_t spliced_bytes_ = 0;
  size_t splice_min_ = SIZE_MAX;
};

// The frame length prefix, for the connection code (server.cc); the byte-order
// rules themselves live in broker/batch/byte_order.h.
inline uint32_t LoadBE32(const char* p) { return broker::batch::LoadBeU32(p); }

}  // namespace evpipe::kafka_protocol
