// Column chunk encoding (see column_writer.h; format in docs/formats/parquet.md).
#include "evpipe/parquet/column_writer.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>

#include "evpipe/parquet/encoding.h"

namespace evpipe::parquet {

namespace {
constexpr size_t kMaxPageBytes = std::numeric_limits<int32_t>::max();
// Dictionary-encoded values after which the first page checks that the
// dictionary pays for itself (earlier than the page end, to spare hashing
// columns of distinct values).
constexpr size_t kDictionaryProbeValues = 1024;
constexpr size_t kBlockBytes = 1 << 20;

// The dictionary's hash: only places values in the table (entries keep their
// first-appearance order), so any hash gives the same file. Dictionary values
// are short (types, tenants, systems): two overlapping 8-byte loads and a
// multiply instead of std::hash's byte loop; longer values use std::hash.
inline uint64_t DictionaryHash(std::string_view v) {
  const size_t n = v.size();
  if (n > 16) return std::hash<std::string_view>{}(v);
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    std::memcpy(&a, v.data(), 8);
    std::memcpy(&b, v.data() + n - 8, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, v.data(), 4);
    std::memcpy(&y, v.data() + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = static_cast<unsigned char>(v[0]) | static_cast<uint64_t>(static_cast<unsigned char>(v[n / 2])) << 8 |
        static_cast<uint64_t>(static_cast<unsigned char>(v[n - 1])) << 16;
  }
  uint64_t h = (a ^ 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL;
  h ^= (b + n) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}
}

ColumnWriter::ColumnWriter(const Column& column, const WriterOptions& options, Compressor* compressor,
                           PagePool* pool)
    : column_(column),
      options_(options),
      compressor_(compressor),
      pool_(pool),
      value_width_(column.physical == PhysicalType::kInt32 ? 4 : column.physical == PhysicalType::kInt64 ? 8 : 0),
      page_stats_(column.physical),
      chunk_stats_(column.physical) {
  plain_.reserve(options.page_size_bytes + 64);
  ResetChunk();
}

void ColumnWriter::ResetChunk() {
  for (size_t i = 0; i < blocks_used_; ++i) {
    blocks_[i].bytes.clear();
    blocks_[i].uncompressed = 0;
  }
  blocks_used_ = 0;
  pages_bytes_ = 0;
  dict_page_.clear();
  dict_mode_ = options_.dictionary && column_.physical == PhysicalType::kByteArray;
  dict_checked_ = false;
  dict_data_pages_ = plain_data_pages_ = 0;
  num_values_ = dict_uncompressed_bytes_ = 0;
  chunk_stats_.Reset();
  dict_plain_.clear();
  entries_.clear();
  slots_.assign(dict_mode_ ? 1024 : 0, 0);
  dict_bits_ = 1;
}

size_t ColumnWriter::PageBytes() const {
  size_t levels = levels_.size() / 8;
  if (dict_mode_) return levels + indices_.size() * dict_bits_ / 8;
  return levels + plain_.size();
}

size_t ColumnWriter::BufferedBytes() const {
  return pages_bytes_ + dict_plain_.size() + plain_.size() + indices_.size() * sizeof(uint32_t) + levels_.size() +
         entries_.size() * sizeof(Entry) + slots_.size() * sizeof(uint32_t);
}

Status ColumnWriter::Append(const ColumnValues& values, size_t begin, size_t end) {
  if (value_width_ == 0) return AppendStrings(values, begin, end);
  return AppendInts(values, begin, end);
}

void ColumnWriter::DictionaryGrow() {
  std::vector<uint32_t> slots(slots_.size() * 2, 0);
  size_t mask = slots.size() - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    size_t i = entries_[e].hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = static_cast<uint32_t>(e + 1);
  }
  slots_.swap(slots);
}

int64_t ColumnWriter::DictionaryIndex(std::string_view v) {
  uint64_t h = DictionaryHash(v);
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint32_t s = slots_[i]) {
    const Entry& e = entries_[s - 1];
    if (e.hash == h && e.size == v.size() &&
        (v.empty() || std::memcmp(dict_plain_.data() + e.offset, v.data(), v.size()) == 0)) {
      return s - 1;
    }
    i = (i + 1) & mask;
  }
  if (dict_plain_.size() + 4 + v.size() > options_.dictionary_max_bytes) return -1;
  PlainByteArray(&dict_plain_, v);
  entries_.push_back({h, static_cast<uint32_t>(dict_plain_.size() - v.size()), static_cast<uint32_t>(v.size())});
  slots_[i] = static_cast<uint32_t>(entries_.size());
  dict_bits_ = std::max(1, BitWidth(entries_.size() - 1));
  if (entries_.size() * 2 > slots_.size()) DictionaryGrow();
  return static_cast<int64_t>(entries_.size() - 1);
}

Status ColumnWriter::AppendStrings(const ColumnValues& values, size_t begin, size_t end) {
  const bool optional = column_.optional();
  const bool has_nulls = !values.nulls.empty();
  // Min/max of the values since the last page boundary, as views into the
  // caller's batch (valid during this call); folded into page_stats_ before
  // the page closes and when the call returns.
  std::string_view lo, hi;
  bool have_range = false;
  auto fold_range = [&] {
    if (have_range) page_stats_.AddStringRange(lo, hi);
    have_range = false;
  };
  for (size_t r = begin; r < end; ++r) {
    if (optional) {
      bool defined = !has_nulls || values.nulls[r] == 0;
      levels_.push_back(defined ? 1 : 0);
      if (!defined) {
        page_stats_.AddNulls(1);
        ++page_rows_;
        if (page_rows_ >= options_.page_max_rows) {
          fold_range();
          EVPIPE_RETURN_IF_ERROR(FinishPage());
        }
        continue;
      }
    }
    std::string_view v = values.strings[r];
    bool encoded = false;
    // A value already in the dictionary was added to the range when it went in,
    // so the chunk's min/max need only new entries (the same min/max; page
    // statistics need every value of their page).
    bool in_range = false;
    if (dict_mode_) {
      const size_t entries = entries_.size();
      int64_t idx = DictionaryIndex(v);
      in_range = !options_.page_statistics && entries_.size() == entries;
      if (idx >= 0) {
        indices_.push_back(static_cast<uint32_t>(idx));
        page_plain_bytes_ += 4 + v.size();
        encoded = true;
        if (!dict_checked_ && indices_.size() == kDictionaryProbeValues && dict_data_pages_ == 0 &&
            !DictionaryPays()) {
          // Mostly distinct values (ids, payloads): give up the dictionary
          // before it costs more, and re-encode this first page as PLAIN.
          DropDictionary();
        }
      } else {
        // The dictionary is full: close this page as dictionary-encoded, then
        // write PLAIN for the rest of the chunk (like parquet-mr's fallback).
        // The current row moves to the next page, so its level must too.
        if (page_rows_ > 0) {
          uint8_t level = 0;
          if (optional) {
            level = levels_.back();
            levels_.pop_back();
          }
          fold_range();
          EVPIPE_RETURN_IF_ERROR(FinishPage());
          if (optional) levels_.push_back(level);
        }
        dict_mode_ = false;
      }
    }
    if (!encoded) {
      if (v.size() > kMaxPageBytes - 4) {
        return Status::InvalidArgument("parquet column '" + column_.name + "': value of " +
                                       std::to_string(v.size()) + " bytes is too large");
      }
      PlainByteArray(&plain_, v);
    }
    if (in_range && encoded) {
      // Already in the dictionary: already in the range.
    } else if (!have_range) {
      lo = hi = v;
      have_range = true;
    } else if (BytesLess(v, lo)) {
      lo = v;
    } else if (BytesLess(hi, v)) {
      hi = v;
    }
    ++page_rows_;
    if (PageBytes() >= options_.page_size_bytes || page_rows_ >= options_.page_max_rows) {
      fold_range();
      EVPIPE_RETURN_IF_ERROR(FinishPage());
    }
  }
  fold_range();
  return Status::Ok();
}

bool ColumnWriter::DictionaryPays() const {
  return indices_.size() * dict_bits_ / 8 + dict_plain_.size() < page_plain_bytes_;
}

void ColumnWriter::DropDictionary() {
  plain_.clear();
  for (uint32_t idx : indices_) {
    const Entry& e = entries_[idx];
    PlainByteArray(&plain_, std::string_view(dict_plain_.data() + e.offset, e.size));
  }
  indices_.clear();
  page_plain_bytes_ = 0;
  dict_plain_.clear();
  entries_.clear();
  slots_.assign(1024, 0);  // unused from now on in this chunk
  dict_bits_ = 1;
  dict_mode_ = false;
  dict_checked_ = true;
}

Status ColumnWriter::AppendInts(const ColumnValues& values, size_t begin, size_t end) {
  const bool optional = column_.optional();
  const bool has_nulls = !values.nulls.empty();
  const bool is32 = value_width_ == 4;
  size_t r = begin;
  while (r < end) {
    // As many rows as fit in the open page.
    size_t room_rows = options_.page_max_rows - page_rows_;
    size_t used = PageBytes();
    size_t room_bytes = used < options_.page_size_bytes ? options_.page_size_bytes - used : 0;
    size_t n = std::min({end - r, room_rows, std::max<size_t>(1, room_bytes / value_width_)});
    int64_t lo = std::numeric_limits<int64_t>::max();
    int64_t hi = std::numeric_limits<int64_t>::min();
    size_t defined = 0;
    if (!has_nulls) {
      if (optional) levels_.insert(levels_.end(), n, 1);
      if (is32) {
        std::span<const int32_t> s = values.int32s.subspan(r, n);
        PlainInt32(&plain_, s);
        for (int32_t v : s) {
          lo = std::min<int64_t>(lo, v);
          hi = std::max<int64_t>(hi, v);
        }
      } else {
        std::span<const int64_t> s = values.int64s.subspan(r, n);
        PlainInt64(&plain_, s);
        for (int64_t v : s) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
      defined = n;
    } else {
      for (size_t k = r; k < r + n; ++k) {
        bool d = values.nulls[k] == 0;
        levels_.push_back(d ? 1 : 0);
        if (!d) continue;
        ++defined;
        int64_t v;
        if (is32) {
          v = values.int32s[k];
          AppendLe32(&plain_, static_cast<uint32_t>(values.int32s[k]));
        } else {
          v = values.int64s[k];
          AppendLe64(&plain_, static_cast<uint64_t>(v));
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    if (defined > 0) page_stats_.AddIntRange(lo, hi);
    page_stats_.AddNulls(static_cast<int64_t>(n - defined));
    page_rows_ += n;
    r += n;
    if (PageBytes() >= options_.page_size_bytes || page_rows_ >= options_.page_max_rows) {
      EVPIPE_RETURN_IF_ERROR(FinishPage());
    }
  }
  return Status::Ok();
}

Status ColumnWriter::AppendPage(PageType type, Encoding encoding, int32_t num_values, std::string_view body) {
  if (body.size() > kMaxPageBytes) {
    return Status::InvalidArgument("parquet column '" + column_.name + "': page of " +
                                   std::to_string(body.size()) + " bytes is too large");
  }
  PageHeader h;
  h.type = type;
  h.num_values = num_values;
  h.encoding = encoding;
  const bool with_stats = type == PageType::kDataPage && options_.page_statistics;
  if (type == PageType::kDataPage) pages_bytes_ += body.size();
  if (type == PageType::kDataPage && pool_ != nullptr) {
    PageTask task;
    task.header = h;
    task.has_stats = with_stats;
    if (with_stats) task.stats = page_stats_.Encode(options_.statistics_max_bytes);
    // Hand over the body's buffer (plain_ or scratch_) instead of copying it.
    std::string* owner = body.data() == plain_.data() ? &plain_ : body.data() == scratch_.data() ? &scratch_ : nullptr;
    if (owner != nullptr && owner->size() == body.size()) {
      task.body = std::move(*owner);
      *owner = pool_->TakeBuffer();
      if (owner == &plain_) plain_.reserve(options_.page_size_bytes + 64);
    } else {
      task.body.assign(body);
    }
    Block& block = NextBlock(0);
    task.out = &block.bytes;
    task.uncompressed_out = &block.uncompressed;
    pool_->Submit(std::move(task));
    return Status::Ok();
  }
  std::string_view stored;
  EVPIPE_RETURN_IF_ERROR(compressor_->Compress(body, &stored));
  EncodedStatistics page_stats;
  if (with_stats) page_stats = page_stats_.Encode(options_.statistics_max_bytes);
  if (type == PageType::kDictionaryPage) {
    AppendEncodedPage(h, nullptr, body.size(), stored, &header_, &dict_page_);
    dict_uncompressed_bytes_ += static_cast<int64_t>(header_.size() + body.size());
    return Status::Ok();
  }
  // Headers are at most a few dozen bytes (plus statistics).
  Block& block = NextBlock(stored.size() + 64 + (with_stats ? 2 * options_.statistics_max_bytes : 0));
  AppendEncodedPage(h, with_stats ? &page_stats : nullptr, body.size(), stored, &header_, &block.bytes);
  block.uncompressed += static_cast<int64_t>(header_.size() + body.size());
  return Status::Ok();
}

ColumnWriter::Block& ColumnWriter::NextBlock(size_t need) {
  // Without a pool, pages share blocks of kBlockBytes; with one, each page has its own.
  if (pool_ == nullptr && blocks_used_ > 0) {
    Block& last = blocks_[blocks_used_ - 1];
    if (last.bytes.capacity() - last.bytes.size() >= need) return last;
  }
  if (blocks_used_ == blocks_.size()) blocks_.emplace_back();
  Block& block = blocks_[blocks_used_++];
  block.bytes.clear();
  block.uncompressed = 0;
  if (pool_ == nullptr) block.bytes.reserve(std::max(need, kBlockBytes));
  return block;
}

std::vector<std::string_view> ColumnWriter::data_pages() const {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < blocks_used_; ++i) out.push_back(blocks_[i].bytes);
  return out;
}

Status ColumnWriter::FinishPage() {
  if (page_rows_ == 0) return Status::Ok();
  scratch_.clear();
  std::string_view body;
  if (column_.optional()) {
    AppendLe32(&scratch_, 0);
    RleHybridEncodeLevels(levels_, &scratch_);
    uint32_t n = static_cast<uint32_t>(scratch_.size() - 4);
    std::string len;
    AppendLe32(&len, n);
    std::memcpy(scratch_.data(), len.data(), 4);
  }
  // A page of nulls only has no indices: write it PLAIN (just its levels).
  const bool use_dict = dict_mode_ && !indices_.empty();
  Encoding encoding = use_dict ? Encoding::kRleDictionary : Encoding::kPlain;
  if (use_dict) {
    scratch_.push_back(static_cast<char>(dict_bits_));
    RleHybridEncode(indices_, dict_bits_, &scratch_);
    body = scratch_;
  } else if (column_.optional()) {
    scratch_.append(plain_);
    body = scratch_;
  } else {
    body = plain_;  // no levels: the values are the whole page
  }
  EVPIPE_RETURN_IF_ERROR(AppendPage(PageType::kDataPage, encoding, static_cast<int32_t>(page_rows_), body));
  (use_dict ? dict_data_pages_ : plain_data_pages_) += 1;
  num_values_ += static_cast<int64_t>(page_rows_);
  chunk_stats_.Merge(page_stats_);
  if (use_dict && !dict_checked_) {
    // parquet-mr's rule: keep the dictionary only if it pays for itself on the first page.
    dict_checked_ = true;
    if (!DictionaryPays()) dict_mode_ = false;
  }
  levels_.clear();
  plain_.clear();
  indices_.clear();
  page_rows_ = 0;
  page_plain_bytes_ = 0;
  page_stats_.Reset();
  return Status::Ok();
}

Status ColumnWriter::FinishChunk() {
  EVPIPE_RETURN_IF_ERROR(FinishPage());
  if (dict_data_pages_ > 0) {
    EVPIPE_RETURN_IF_ERROR(AppendPage(PageType::kDictionaryPage, Encoding::kPlain,
                                      static_cast<int32_t>(entries_.size()), dict_plain_));
  }
  return Status::Ok();
}

ColumnChunkMeta ColumnWriter::Meta(int64_t file_offset) const {
  ColumnChunkMeta m;
  m.type = column_.physical;
  m.encodings.push_back(Encoding::kPlain);  // PLAIN data pages or the dictionary page
  m.encodings.push_back(Encoding::kRle);    // levels
  if (dict_data_pages_ > 0) m.encodings.push_back(Encoding::kRleDictionary);
  m.name = column_.name;
  m.codec = compressor_->codec();
  m.num_values = num_values_;
  m.total_uncompressed_size = dict_uncompressed_bytes_;
  m.total_compressed_size = static_cast<int64_t>(dict_page_.size());
  for (size_t i = 0; i < blocks_used_; ++i) {
    m.total_uncompressed_size += blocks_[i].uncompressed;
    m.total_compressed_size += static_cast<int64_t>(blocks_[i].bytes.size());
  }
  if (!dict_page_.empty()) m.dictionary_page_offset = file_offset;
  m.data_page_offset = file_offset + static_cast<int64_t>(dict_page_.size());
  m.statistics = chunk_stats_.Encode(options_.statistics_max_bytes);
  if (!dict_page_.empty()) m.encoding_stats.push_back({PageType::kDictionaryPage, Encoding::kPlain, 1});
  if (dict_data_pages_ > 0) {
    m.encoding_stats.push_back({PageType::kDataPage, Encoding::kRleDictionary, dict_data_pages_});
  }
  if (plain_data_pages_ > 0) m.encoding_stats.push_back({PageType::kDataPage, Encoding::kPlain, plain_data_pages_});
  return m;
}

}  // namespace evpipe::parquet
