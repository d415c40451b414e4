// Segment index bookkeeping, the .index file encoding and the batch scanner.
#include "evpipe/broker/storage/segment.h"

#include <algorithm>
#include <cstring>

#include "evpipe/broker/storage/byte_io.h"
#include "evpipe/broker/batch/crc32c.h"
#include "fmt/core.h"

namespace evpipe::broker::storage {
namespace {

constexpr char kIndexMagic[4] = {'E', 'V', 'P', 'X'};
constexpr uint32_t kIndexVersion = 1;
constexpr size_t kIndexHeaderBytes = 4 + 4 + 8 + 8 + 8 + 8 + 4;
constexpr int64_t kScanChunkBytes = 1 << 20;

}  // namespace

std::string SegmentFileName(int64_t base_offset, std::string_view suffix) {
  return fmt::format("{:020d}{}", base_offset, suffix);
}

void Segment::Add(const batch::BatchHeader& h, int64_t position, int64_t index_interval_bytes) {
  if (index.empty() || bytes_since_index >= index_interval_bytes) {
    index.push_back({static_cast<uint32_t>(h.base_offset - base_offset), static_cast<uint32_t>(position)});
    bytes_since_index = 0;
  }
  bytes_since_index += h.total_bytes();
  size = position + h.total_bytes();
  last_offset = h.last_offset();
  max_timestamp = std::max(max_timestamp, h.max_timestamp);
  index_written = false;
}

int64_t Segment::IndexLookup(int64_t offset) const {
  int64_t rel = offset - base_offset;
  if (rel < 0 || index.empty()) return 0;
  auto it = std::upper_bound(index.begin(), index.end(), rel,
                             [](int64_t r, const IndexEntry& e) { return r < int64_t{e.relative_offset}; });
  if (it == index.begin()) return 0;
  return (it - 1)->position;
}

int64_t Segment::IndexBoundaryAtMost(int64_t from, int64_t limit) const {
  auto it = std::upper_bound(index.begin(), index.end(), limit,
                             [](int64_t p, const IndexEntry& e) { return p < int64_t{e.position}; });
  if (it == index.begin()) return -1;
  int64_t p = (it - 1)->position;
  return p > from ? p : -1;
}

std::string Segment::EncodeIndex() const {
  std::string out;
  out.reserve(kIndexHeaderBytes + index.size() * 8 + 4);
  out.append(kIndexMagic, 4);
  Put<uint32_t>(out, kIndexVersion);
  Put<int64_t>(out, base_offset);
  Put<int64_t>(out, size);
  Put<int64_t>(out, last_offset);
  Put<int64_t>(out, max_timestamp);
  Put<uint32_t>(out, static_cast<uint32_t>(index.size()));
  for (const IndexEntry& e : index) {
    Put<uint32_t>(out, e.relative_offset);
    Put<uint32_t>(out, e.position);
  }
  Put<uint32_t>(out, batch::Crc32c(out));
  return out;
}

bool Segment::DecodeIndex(std::string_view data) {
  if (data.size() < kIndexHeaderBytes + 4 || std::memcmp(data.data(), kIndexMagic, 4) != 0) return false;
  if (GetAt<uint32_t>(data, data.size() - 4) != batch::Crc32c(data.substr(0, data.size() - 4))) return false;
  if (GetAt<uint32_t>(data, 4) != kIndexVersion || GetAt<int64_t>(data, 8) != base_offset) return false;
  int64_t sz = GetAt<int64_t>(data, 16);
  int64_t last = GetAt<int64_t>(data, 24);
  int64_t max_ts = GetAt<int64_t>(data, 32);
  uint32_t count = GetAt<uint32_t>(data, 40);
  if (data.size() != kIndexHeaderBytes + size_t{count} * 8 + 4 || sz < 0) return false;
  std::vector<IndexEntry> entries(count);
  for (uint32_t i = 0; i < count; ++i) {
    entries[i].relative_offset = GetAt<uint32_t>(data, kIndexHeaderBytes + i * 8);
    entries[i].position = GetAt<uint32_t>(data, kIndexHeaderBytes + i * 8 + 4);
    if (entries[i].position >= sz) return false;
    if (i > 0 && (entries[i].relative_offset <= entries[i - 1].relative_offset ||
                  entries[i].position <= entries[i - 1].position)) {
      return false;
    }
  }
  if ((sz == 0) != (count == 0) || (count > 0 && entries[0].position != 0)) return false;
  if (count > 0 && last < base_offset + entries.back().relative_offset) return false;
  size = sz;
  last_offset = count == 0 ? -1 : last;
  max_timestamp = max_ts;
  index = std::move(entries);
  bytes_since_index = index.empty() ? 0 : size - index.back().position;
  index_written = true;
  return true;
}

Result<ScanResult> ScanBatches(const io::RandomAccessFile& file, int64_t from, int64_t to, bool verify,
                               int64_t max_batch_bytes, const BatchFn& fn) {
  ScanResult r;
  r.end = from;
  std::string buf;
  int64_t buf_pos = from;  // file position of buf[0]
  int64_t pos = from;
  while (pos < to) {
    // Make sure the header (or the length at least) is in the buffer.
    int64_t in_buf = buf_pos + static_cast<int64_t>(buf.size()) - pos;
    int64_t need = std::min<int64_t>(batch::kBatchHeaderBytes, to - pos);
    if (pos < buf_pos || in_buf < need) {
      int64_t n = std::min<int64_t>(kScanChunkBytes, to - pos);
      buf.resize(static_cast<size_t>(n));
      EVPIPE_ASSIGN_OR_RETURN(size_t got, file.ReadAt(static_cast<uint64_t>(pos), buf.size(), buf.data()));
      buf.resize(got);
      buf_pos = pos;
      in_buf = static_cast<int64_t>(got);
    }
    if (in_buf < static_cast<int64_t>(batch::kBatchLogOverhead)) {
      r.stop = batch::FrameCheck::kTooShort;
      return r;
    }
    const char* p = buf.data() + (pos - buf_pos);
    int64_t total = int64_t{batch::LoadBe32(p + batch::kBatchLengthPos)} + int64_t{batch::kBatchLogOverhead};
    if (total < static_cast<int64_t>(batch::kBatchHeaderBytes) || total > max_batch_bytes) {
      r.stop = batch::FrameCheck::kBadLength;
      return r;
    }
    if (pos + total > to) {
      r.stop = batch::FrameCheck::kTooShort;
      return r;
    }
    int64_t want = verify ? total : static_cast<int64_t>(batch::kBatchHeaderBytes);
    if (in_buf < want) {
      int64_t n = std::max(want, std::min<int64_t>(kScanChunkBytes, to - pos));
      buf.resize(static_cast<size_t>(n));
      EVPIPE_ASSIGN_OR_RETURN(size_t got, file.ReadAt(static_cast<uint64_t>(pos), buf.size(), buf.data()));
      buf.resize(got);
      buf_pos = pos;
      in_buf = static_cast<int64_t>(got);
      if (in_buf < want) {
        r.stop = batch::FrameCheck::kTooShort;
        return r;
      }
      p = buf.data();
    }
    std::string_view bytes(p, static_cast<size_t>(std::min(in_buf, total)));
    batch::BatchHeader h;
    if (verify) {
      batch::FrameCheck c = batch::CheckFrame(bytes, max_batch_bytes, /*verify_crc=*/true, &h);
      if (c != batch::FrameCheck::kOk) {
        r.stop = c;
        return r;
      }
    } else {
      if (p[batch::kMagicPos] != 2) {
        r.stop = batch::FrameCheck::kBadMagic;
        return r;
      }
      h = batch::DecodeBatchHeader(p);
    }
    if (!fn(pos, h, bytes)) {
      r.fn_stopped = true;
      return r;
    }
    pos += total;
    r.end = pos;
  }
  return r;
}

}  // namespace evpipe::broker::storage
