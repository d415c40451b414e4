// The describe-once message codec shared by the messages_*.cc files. Private
// to broker/protocol.
//
// Each message is described once, by a function
//   template <class Io> void Visit(Io& io, SomeMessage& m, int16_t v)
// that names its fields in wire order, each under the version condition of the
// message definition (apache/kafka clients/.../common/message/*.json), e.g.
//   if (v >= 3) io.Int32(m.throttle_time_ms);
//   io.Array(m.topics, 6, [&](auto& t) { io.String(t.name); ...; io.Tags(); });
// Decoder reads each field into the message; Encoder writes it. Both have the
// same member functions, so decode and encode cannot drift apart and adding a
// field is one line. Compact vs classic strings and arrays follow the API's
// first flexible version (api.cc); io.Tags() is the tagged-field section of a
// flexible version (read and skipped, written empty) and nothing otherwise.
//
// Decoding stays bounded: every array length is checked against the bytes left
// (each element at least `min_size` bytes) and the Reader's entry limit, and
// the first short read fails the Reader, after which every read yields zero.
// Fields a message does not keep (constant on the wire, or not modelled) are
// visited through a local: the Encoder writes the local's value, the Decoder
// reads into it and it is dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

inline constexpr int16_t K(ApiKey k) { return static_cast<int16_t>(k); }

// Reads fields into a message.
class Decoder {
 public:
  Decoder(Reader& r, bool flexible) : r_(r), fx_(flexible) {}
  static constexpr bool kDecoding = true;

  void Int8(int8_t& x) { x = r_.Int8(); }
  void Int16(int16_t& x) { x = r_.Int16(); }
  void Int32(int32_t& x) { x = r_.Int32(); }
  void Int64(int64_t& x) { x = r_.Int64(); }
  void Bool(bool& x) { x = r_.Bool(); }
  void String(std::string& s) { s = r_.String(fx_); }
  void NullableString(std::optional<std::string>& s) { s = r_.NullableString(fx_); }
  void Bytes(std::string& b) { b = std::string(r_.Bytes(fx_)); }
  // A view into the request bytes (no copy).
  void NullableBytes(std::optional<std::string_view>& b) { b = r_.NullableBytes(fx_); }
  void Tags() {
    if (fx_) r_.SkipTaggedFields();
  }

  // An array of T, each element read by `each(T&)`.
  template <class T, class Each>
  void Array(std::vector<T>& out, size_t min_size, Each&& each) {
    int32_t n = r_.ArrayLength(fx_, min_size);
    for (int32_t i = 0; i < n && r_.ok(); ++i) each(out.emplace_back());
  }
  // A nullable array: length -1 leaves `out` empty (null).
  template <class T, class Each>
  void NullableArray(std::optional<std::vector<T>>& out, size_t min_size, Each&& each) {
    int32_t n = r_.ArrayLength(fx_, min_size);
    if (n < 0) return;
    out.emplace();
    for (int32_t i = 0; i < n && r_.ok(); ++i) each(out->emplace_back());
  }
  void Int32Array(std::vector<int32_t>& v) {
    Array(v, 4, [&](int32_t& x) { Int32(x); });
  }
  void StringArray(std::vector<std::string>& v) {
    Array(v, 2, [&](std::string& s) { String(s); });
  }

 private:
  Reader& r_;
  bool fx_;
};

// Writes a message's fields. The Visit functions take the message by non-const
// reference (one signature for both directions); the Encoder only reads it.
class Encoder {
 public:
  Encoder(Writer& w, bool flexible) : w_(w), fx_(flexible) {}
  static constexpr bool kDecoding = false;

  void Int8(int8_t x) { w_.Int8(x); }
  void Int16(int16_t x) { w_.Int16(x); }
  void Int32(int32_t x) { w_.Int32(x); }
  void Int64(int64_t x) { w_.Int64(x); }
  void Bool(bool x) { w_.Bool(x); }
  void String(const std::string& s) { w_.String(s, fx_); }
  void NullableString(const std::optional<std::string>& s) { w_.NullableString(s, fx_); }
  void Bytes(const std::string& b) { w_.Bytes(b, fx_); }
  void NullableBytes(const std::optional<std::string_view>& b) { w_.NullableBytes(b, fx_); }
  void Tags() {
    if (fx_) w_.EmptyTaggedFields();
  }

  template <class T, class Each>
  void Array(std::vector<T>& v, size_t /*min_size*/, Each&& each) {
    w_.ArrayLength(static_cast<int32_t>(v.size()), fx_);
    for (T& item : v) each(item);
  }
  template <class T, class Each>
  void NullableArray(std::optional<std::vector<T>>& v, size_t min_size, Each&& each) {
    if (!v) {
      w_.ArrayLength(-1, fx_);
      return;
    }
    Array(*v, min_size, each);
  }
  void Int32Array(std::vector<int32_t>& v) {
    Array(v, 4, [&](int32_t& x) { Int32(x); });
  }
  void StringArray(std::vector<std::string>& v) {
    Array(v, 2, [&](std::string& s) { String(s); });
  }

 private:
  Writer& w_;
  bool fx_;
};

// A per-topic, per-partition list (TopicPartitions, or Fetch's topics): each
// topic's name, then its partitions, each visited by `each(partition)` (which
// ends with the partition's io.Tags()), then the topic's tagged fields. On the
// wire a topic takes at least `kTopicMin` bytes, a partition `kPartitionMin`.
template <size_t kTopicMin, size_t kPartitionMin, class Io, class Topic, class Each>
void TopicList(Io& io, std::vector<Topic>& topics, Each each) {
  io.Array(topics, kTopicMin, [&io, each](Topic& t) {
    if constexpr (requires { t.topic; }) {
      io.String(t.topic);  // Fetch
    } else {
      io.String(t.name);
    }
    io.Array(t.partitions, kPartitionMin, each);
    io.Tags();
  });
}

// Decode and Encode of a message of API `key`, both from its Visit (found by
// argument-dependent lookup in the messages_*.cc file that defines it).
template <class M>
bool DecodeMessage(Reader& r, M& m, ApiKey key, int16_t v) {
  Decoder io(r, IsFlexible(K(key), v));
  Visit(io, m, v);
  return r.ok();
}
template <class M>
void EncodeMessage(Writer& w, const M& m, ApiKey key, int16_t v) {
  Encoder io(w, IsFlexible(K(key), v));
  Visit(io, const_cast<M&>(m), v);  // the Encoder never writes to m
}

// Defines Msg::Decode and Msg::Encode from Visit(Io&, Msg&, int16_t).
#define EVPIPE_MESSAGE_CODEC(Msg, key)                                               \
  bool Msg::Decode(Reader& r, int16_t v) { return DecodeMessage(r, *this, key, v); } \
  void Msg::Encode(Writer& w, int16_t v) const { EncodeMessage(w, *this, key, v); }

}  // namespace evpipe::kafka_protocol
