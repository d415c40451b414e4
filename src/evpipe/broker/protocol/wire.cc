// Kafka wire primitives (see wire.h).
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

bool Reader::Need(size_t n) {
  if (!ok_ || data_.size() - pos_ < n) {
    ok_ = false;
    return false;
  }
  return true;
}

int8_t Reader::Int8() {
  if (!Need(1)) return 0;
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t Reader::Int16() {
  if (!Need(2)) return 0;
  auto u = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
  pos_ += 2;
  return static_cast<int16_t>((u[0] << 8) | u[1]);
}

uint32_t Reader::UInt32() {
  if (!Need(4)) return 0;
  uint32_t v = LoadBE32(data_.data() + pos_);
  pos_ += 4;
  return v;
}

int32_t Reader::Int32() { return static_cast<int32_t>(UInt32()); }

int64_t Reader::Int64() {
  if (!Need(8)) return 0;
  uint64_t v = LoadBE64(data_.data() + pos_);
  pos_ += 8;
  return static_cast<int64_t>(v);
}

uint32_t Reader::UnsignedVarint() {
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (!Need(1)) return 0;
    auto b = static_cast<unsigned char>(data_[pos_++]);
    v |= uint32_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return v;
  }
  ok_ = false;  // more than 5 bytes
  return 0;
}

int32_t Reader::Varint() {
  uint32_t u = UnsignedVarint();
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t Reader::Varlong() {
  uint64_t u = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (!Need(1)) return 0;
    auto b = static_cast<unsigned char>(data_[pos_++]);
    u |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  ok_ = false;
  return 0;
}

std::string_view Reader::Raw(size_t n) {
  if (!Need(n)) return {};
  std::string_view v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

std::optional<std::string_view> Reader::NullableBytes(bool flexible) {
  int64_t len;
  if (flexible) {
    len = static_cast<int64_t>(UnsignedVarint()) - 1;
  } else {
    len = Int32();
  }
  if (!ok_) return std::nullopt;
  if (len < 0) {
    if (len != -1) ok_ = false;
    return std::nullopt;
  }
  return Raw(static_cast<size_t>(len));
}

std::string_view Reader::Bytes(bool flexible) {
  auto b = NullableBytes(flexible);
  return b ? *b : std::string_view();
}

std::optional<std::string> Reader::NullableString(bool flexible) {
  int64_t len;
  if (flexible) {
    len = static_cast<int64_t>(UnsignedVarint()) - 1;
  } else {
    len = Int16();
  }
  if (!ok_) return std::nullopt;
  if (len < 0) {
    if (len != -1) ok_ = false;
    return std::nullopt;
  }
  return std::string(Raw(static_cast<size_t>(len)));
}

std::string Reader::String(bool flexible) {
  auto s = NullableString(flexible);
  return s ? std::move(*s) : std::string();
}

int32_t Reader::ArrayLength(bool flexible, size_t min_element_size) {
  int64_t n = flexible ? static_cast<int64_t>(UnsignedVarint()) - 1 : Int32();
  if (!ok_) return 0;
  if (n < -1) {
    ok_ = false;
    return 0;
  }
  if (n > 0 && static_cast<uint64_t>(n) * min_element_size > data_.size() - pos_) {
    ok_ = false;
    return 0;
  }
  if (n > 0 && static_cast<uint64_t>(n) > entries_left_) {
    ok_ = false;
    return 0;
  }
  if (n > 0) entries_left_ -= static_cast<size_t>(n);
  return static_cast<int32_t>(n);
}

void Reader::SkipTaggedFields() {
  uint32_t n = UnsignedVarint();
  for (uint32_t i = 0; i < n && ok_; ++i) {
    UnsignedVarint();  // tag
    uint32_t size = UnsignedVarint();
    Raw(size);
  }
}

void Writer::Int16(int16_t v) {
  auto u = static_cast<uint16_t>(v);
  buf_.push_back(static_cast<char>(u >> 8));
  buf_.push_back(static_cast<char>(u));
}

void Writer::UInt32(uint32_t v) {
  char b[4];
  StoreBE32(b, v);
  buf_.append(b, 4);
}

void Writer::Int32(int32_t v) { UInt32(static_cast<uint32_t>(v)); }

void Writer::Int64(int64_t v) {
  char b[8];
  StoreBE64(b, static_cast<uint64_t>(v));
  buf_.append(b, 8);
}

void Writer::UnsignedVarint(uint32_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<char>(v));
}

void Writer::Varint(int32_t v) {
  UnsignedVarint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::Varlong(int64_t v) {
  uint64_t u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (u >= 0x80) {
    buf_.push_back(static_cast<char>((u & 0x7f) | 0x80));
    u >>= 7;
  }
  buf_.push_back(static_cast<char>(u));
}

void Writer::String(std::string_view s, bool flexible) {
  if (flexible) {
    UnsignedVarint(static_cast<uint32_t>(s.size() + 1));
  } else {
    Int16(static_cast<int16_t>(s.size()));
  }
  buf_.append(s);
}

void Writer::NullableString(const std::optional<std::string>& s, bool flexible) {
  if (s) {
    String(*s, flexible);
  } else if (flexible) {
    UnsignedVarint(0);
  } else {
    Int16(-1);
  }
}

void Writer::Bytes(std::string_view b, bool flexible) {
  if (flexible) {
    UnsignedVarint(static_cast<uint32_t>(b.size() + 1));
  } else {
    Int32(static_cast<int32_t>(b.size()));
  }
  buf_.append(b);
}

void Writer::NullableBytes(const std::optional<std::string_view>& b, bool flexible) {
  if (b) {
    Bytes(*b, flexible);
  } else if (flexible) {
    UnsignedVarint(0);
  } else {
    Int32(-1);
  }
}

void Writer::ArrayLength(int32_t n, bool flexible) {
  if (flexible) {
    UnsignedVarint(static_cast<uint32_t>(n + 1));
  } else {
    Int32(n);
  }
}

void Writer::PatchInt32(size_t pos, int32_t v) { StoreBE32(buf_.data() + pos, static_cast<uint32_t>(v)); }

}  // namespace evpipe::kafka_protocol
