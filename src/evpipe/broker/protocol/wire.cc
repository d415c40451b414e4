// Kafka wire primitives (see wire.h).
#include "evpipe/broker/protocol/wire.h"

#include "evpipe/broker/batch/byte_order.h"

namespace evpipe::kafka_protocol {

namespace bo = evpipe::broker::batch;

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
  int16_t v = bo::LoadBe16(data_.data() + pos_);
  pos_ += 2;
  return v;
}

uint32_t Reader::UInt32() {
  if (!Need(4)) return 0;
  uint32_t v = bo::LoadBeU32(data_.data() + pos_);
  pos_ += 4;
  return v;
}

int32_t Reader::Int32() { return static_cast<int32_t>(UInt32()); }

int64_t Reader::Int64() {
  if (!Need(8)) return 0;
  uint64_t v = bo::LoadBeU64(data_.data() + pos_);
  pos_ += 8;
  return static_cast<int64_t>(v);
}

uint32_t Reader::UnsignedVarint() {
  uint32_t v = 0;
  std::string_view in = ok_ ? data_.substr(pos_) : std::string_view();
  const size_t before = in.size();
  if (!ok_ || !bo::ReadUnsignedVarint(in, &v)) {
    ok_ = false;  // truncated, or more than 5 bytes
    return 0;
  }
  pos_ += before - in.size();
  return v;
}

int32_t Reader::Varint() {
  int32_t v = 0;
  std::string_view in = ok_ ? data_.substr(pos_) : std::string_view();
  const size_t before = in.size();
  if (!ok_ || !bo::ReadVarint(in, &v)) {
    ok_ = false;
    return 0;
  }
  pos_ += before - in.size();
  return v;
}

int64_t Reader::Varlong() {
  int64_t v = 0;
  std::string_view in = ok_ ? data_.substr(pos_) : std::string_view();
  const size_t before = in.size();
  if (!ok_ || !bo::ReadVarlong(in, &v)) {
    ok_ = false;
    return 0;
  }
  pos_ += before - in.size();
  return v;
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
  char b[2];
  bo::StoreBe16(b, v);
  buf_.append(b, 2);
}

void Writer::UInt32(uint32_t v) {
  char b[4];
  bo::StoreBeU32(b, v);
  buf_.append(b, 4);
}

void Writer::Int32(int32_t v) { UInt32(static_cast<uint32_t>(v)); }

void Writer::Int64(int64_t v) {
  char b[8];
  bo::StoreBe64(b, v);
  buf_.append(b, 8);
}

void Writer::UnsignedVarint(uint32_t v) { bo::AppendUnsignedVarint(buf_, v); }

void Writer::Varint(int32_t v) { bo::AppendVarint(buf_, v); }

void Writer::Varlong(int64_t v) { bo::AppendVarlong(buf_, v); }

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
  if (b.size() >= splice_min_) {
    splices_.push_back({buf_.size(), b});
    spliced_bytes_ += b.size();
    return;
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

void Writer::PatchInt32(size_t pos, int32_t v) { bo::StoreBe32(buf_.data() + pos, v); }

}  // namespace evpipe::kafka_protocol
