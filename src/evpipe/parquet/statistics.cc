// Statistics accumulation and min/max truncation (see statistics.h).
#include "evpipe/parquet/statistics.h"

#include "evpipe/parquet/encoding.h"

namespace evpipe::parquet {

void StatisticsAccumulator::AddIntRange(int64_t lo, int64_t hi) {
  if (!has_) {
    int_min_ = lo;
    int_max_ = hi;
    has_ = true;
    return;
  }
  if (lo < int_min_) int_min_ = lo;
  if (hi > int_max_) int_max_ = hi;
}

void StatisticsAccumulator::AddStringRange(std::string_view lo, std::string_view hi) {
  if (!has_) {
    str_min_.assign(lo);
    str_max_.assign(hi);
    has_ = true;
    return;
  }
  if (BytesLess(lo, str_min_)) str_min_.assign(lo);
  if (BytesLess(str_max_, hi)) str_max_.assign(hi);
}

void StatisticsAccumulator::Merge(const StatisticsAccumulator& other) {
  null_count_ += other.null_count_;
  if (!other.has_) return;
  if (type_ == PhysicalType::kByteArray) {
    AddStringRange(other.str_min_, other.str_max_);
  } else {
    AddIntRange(other.int_min_, other.int_max_);
  }
}

void StatisticsAccumulator::Reset() {
  has_ = false;
  null_count_ = 0;
  int_min_ = int_max_ = 0;
  str_min_.clear();
  str_max_.clear();
}

namespace {

bool IsContinuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Largest prefix length <= max_bytes that does not split a UTF-8 sequence.
size_t Utf8Boundary(std::string_view v, size_t max_bytes) {
  if (v.size() <= max_bytes) return v.size();
  size_t n = max_bytes;
  while (n > 0 && IsContinuation(static_cast<unsigned char>(v[n]))) --n;
  return n;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Decodes the sequence v[start..]; returns false if it is not well-formed.
bool DecodeUtf8(std::string_view v, uint32_t* cp) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(v[i]); };
  size_t n = v.size();
  if (n == 1 && b(0) < 0x80) { *cp = b(0); return true; }
  if (n == 2 && (b(0) & 0xe0) == 0xc0) { *cp = ((b(0) & 0x1fu) << 6) | (b(1) & 0x3f); return *cp >= 0x80; }
  if (n == 3 && (b(0) & 0xf0) == 0xe0) {
    *cp = ((b(0) & 0x0fu) << 12) | ((b(1) & 0x3fu) << 6) | (b(2) & 0x3f);
    return *cp >= 0x800;
  }
  if (n == 4 && (b(0) & 0xf8) == 0xf0) {
    *cp = ((b(0) & 0x07u) << 18) | ((b(1) & 0x3fu) << 12) | ((b(2) & 0x3fu) << 6) | (b(3) & 0x3f);
    return *cp >= 0x10000 && *cp <= 0x10ffff;
  }
  return false;
}

}  // namespace

std::string TruncateMin(std::string_view v, size_t max_bytes) {
  // Any prefix sorts before (or equal to) the value.
  return std::string(v.substr(0, Utf8Boundary(v, max_bytes)));
}

bool TruncateMax(std::string_view v, size_t max_bytes, std::string* out) {
  if (v.size() <= max_bytes) {
    out->assign(v);
    return true;
  }
  // Keep a prefix and make its last character one larger: the result sorts
  // after every string with that prefix, so it is an upper bound of v.
  size_t end = Utf8Boundary(v, max_bytes);
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && IsContinuation(static_cast<unsigned char>(v[start]))) --start;
    uint32_t cp = 0;
    std::string_view last = v.substr(start, end - start);
    if (DecodeUtf8(last, &cp)) {
      uint32_t next = cp + 1;
      if (next == 0xd800) next = 0xe000;  // skip surrogates
      if (next <= 0x10ffff) {
        std::string r(v.substr(0, start));
        AppendUtf8(&r, next);
        if (r.size() <= max_bytes + 3) {  // a char may grow by one byte at a boundary
          *out = std::move(r);
          return true;
        }
      }
    } else if (end - start == 1 && static_cast<unsigned char>(v[start]) < 0xff) {
      // Not UTF-8 (a raw BYTE_ARRAY): increment the byte.
      *out = std::string(v.substr(0, start));
      out->push_back(static_cast<char>(static_cast<unsigned char>(v[start]) + 1));
      return true;
    }
    end = start;
  }
  return false;
}

EncodedStatistics StatisticsAccumulator::Encode(size_t max_bytes) const {
  EncodedStatistics s;
  s.null_count = null_count_;
  if (!has_) return s;
  switch (type_) {
    case PhysicalType::kInt32:
      AppendLe32(&s.min, static_cast<uint32_t>(static_cast<int32_t>(int_min_)));
      AppendLe32(&s.max, static_cast<uint32_t>(static_cast<int32_t>(int_max_)));
      s.legacy_min_max = true;
      break;
    case PhysicalType::kInt64:
      AppendLe64(&s.min, static_cast<uint64_t>(int_min_));
      AppendLe64(&s.max, static_cast<uint64_t>(int_max_));
      s.legacy_min_max = true;
      break;
    case PhysicalType::kByteArray:
      if (!TruncateMax(str_max_, max_bytes, &s.max)) return s;
      s.min = TruncateMin(str_min_, max_bytes);
      s.min_exact = s.min.size() == str_min_.size();
      s.max_exact = s.max == str_max_;
      break;
  }
  s.has_min_max = true;
  return s;
}

}  // namespace evpipe::parquet
