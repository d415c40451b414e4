// Footer reading: just enough Thrift compact protocol to find FileMetaData.num_rows.
#include "evpipe/parquet/footer.h"

#include <cstring>

namespace evpipe::parquet {
namespace {

constexpr int kMaxDepth = 32;

// Walks compact-protocol bytes; every read is bounds-checked.
class CompactReader {
 public:
  explicit CompactReader(std::string_view data) : data_(data) {}

  bool ok() const { return ok_; }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Fail();
      auto b = static_cast<uint8_t>(data_[pos_++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  int64_t ZigZag() {
    uint64_t v = Varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  uint8_t Byte() {
    if (pos_ >= data_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(data_[pos_++]);
  }
  void Skip(uint64_t n) {
    if (n > data_.size() - pos_) {
      Fail();
      return;
    }
    pos_ += n;
  }

  // Skips one value of compact type `type`.
  void SkipValue(uint8_t type, int depth) {
    if (depth > kMaxDepth) {
      Fail();
      return;
    }
    switch (type) {
      case 1: case 2: return;              // bool inside a field header
      case 3: Skip(1); return;             // byte
      case 4: case 5: case 6: Varint(); return;
      case 7: Skip(8); return;             // double
      case 8: Skip(Varint()); return;      // binary
      case 9: case 10: {                   // list, set
        uint8_t h = Byte();
        uint64_t n = h >> 4;
        if (n == 15) n = Varint();
        uint8_t elem = h & 0x0f;
        for (uint64_t i = 0; i < n && ok_; ++i) {
          if (elem == 1 || elem == 2) Skip(1); else SkipValue(elem, depth + 1);
        }
        return;
      }
      case 11: {                           // map
        uint64_t n = Varint();
        if (n == 0) return;
        uint8_t kv = Byte();
        for (uint64_t i = 0; i < n && ok_; ++i) {
          SkipValue(kv >> 4, depth + 1);
          SkipValue(kv & 0x0f, depth + 1);
        }
        return;
      }
      case 12: SkipStruct(depth + 1); return;
      default: Fail(); return;
    }
  }

  void SkipStruct(int depth) {
    int16_t last = 0;
    while (ok_) {
      int16_t id;
      uint8_t type;
      if (!FieldHeader(&last, &id, &type)) return;
      SkipValue(type, depth);
    }
  }

  // Reads a field header; false at STOP (or on error).
  bool FieldHeader(int16_t* last, int16_t* id, uint8_t* type) {
    uint8_t h = Byte();
    if (!ok_ || h == 0) return false;
    *type = h & 0x0f;
    uint8_t delta = h >> 4;
    *id = delta != 0 ? static_cast<int16_t>(*last + delta) : static_cast<int16_t>(ZigZag());
    *last = *id;
    return ok_;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    return 0;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

Result<int64_t> RowCountFromBytes(std::string_view file) {
  if (file.size() < 12 || file.substr(0, 4) != "PAR1" || file.substr(file.size() - 4) != "PAR1") {
    return Status::Corruption("not a Parquet file (magic)");
  }
  uint32_t len = 0;
  std::memcpy(&len, file.data() + file.size() - 8, 4);  // little-endian on every platform we build for
  if (len > file.size() - 12) return Status::Corruption("footer length out of range");
  CompactReader r(file.substr(file.size() - 8 - len, len));
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (r.FieldHeader(&last, &id, &type)) {
    if (id == 3 && type == 6) {
      int64_t rows = r.ZigZag();
      if (r.ok()) return rows;
      break;
    }
    r.SkipValue(type, 0);
  }
  return Status::Corruption("footer has no num_rows");
}

Result<int64_t> ReadRowCount(io::FileSystem& fs, const std::string& path) {
  EVPIPE_ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(path));
  Result<int64_t> rows = RowCountFromBytes(bytes);
  if (!rows.ok()) return rows.status().WithContext(path);
  return rows;
}

}  // namespace evpipe::parquet
