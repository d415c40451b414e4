// Test-only record batch v2 encoder and decoder.
#include "support/record_batch_builder.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <stdexcept>

#include "evpipe/broker/batch/byte_order.h"
#include "evpipe/broker/batch/record_batch.h"

namespace evpipe::testing {
namespace {

namespace st = evpipe::broker::batch;

void PutVarlong(std::string& out, int64_t v) { st::AppendVarlong(out, v); }

void PutBytes(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    PutVarlong(out, -1);
    return;
  }
  PutVarlong(out, static_cast<int64_t>(s->size()));
  out += *s;
}

int64_t GetVarlong(std::string_view& in) {
  int64_t v = 0;
  if (!st::ReadVarlong(in, &v)) throw std::runtime_error("bad varint");
  return v;
}

std::optional<std::string> GetBytes(std::string_view& in) {
  int64_t n = GetVarlong(in);
  if (n < 0) return std::nullopt;
  if (static_cast<uint64_t>(n) > in.size()) throw std::runtime_error("truncated bytes");
  std::string s(in.substr(0, static_cast<size_t>(n)));
  in.remove_prefix(static_cast<size_t>(n));
  return s;
}

}  // namespace

std::string BuildRecordBatch(const std::vector<TestRecord>& records, const BatchOptions& o) {
  std::string body;
  int64_t max_ts = o.base_timestamp;
  for (size_t i = 0; i < records.size(); ++i) {
    const TestRecord& r = records[i];
    std::string rec;
    rec += '\0';  // attributes
    PutVarlong(rec, r.timestamp_delta);
    PutVarlong(rec, static_cast<int64_t>(i));
    PutBytes(rec, r.key);
    PutBytes(rec, r.value);
    PutVarlong(rec, static_cast<int64_t>(r.headers.size()));
    for (const auto& [k, v] : r.headers) {
      PutBytes(rec, k);
      PutBytes(rec, v);
    }
    PutVarlong(body, static_cast<int64_t>(rec.size()));
    body += rec;
    max_ts = std::max(max_ts, o.base_timestamp + r.timestamp_delta);
  }
  std::string b(st::kBatchHeaderBytes, '\0');
  st::StoreBe64(&b[st::kBaseOffsetPos], o.base_offset);
  st::StoreBe32(&b[st::kBatchLengthPos], static_cast<int32_t>(st::kBatchHeaderBytes - st::kBatchLogOverhead + body.size()));
  st::StoreBe32(&b[st::kPartitionLeaderEpochPos], o.partition_leader_epoch);
  b[st::kMagicPos] = 2;
  st::StoreBe16(&b[st::kAttributesPos], o.attributes);
  st::StoreBe32(&b[st::kLastOffsetDeltaPos], static_cast<int32_t>(records.size()) - 1);
  st::StoreBe64(&b[st::kBaseTimestampPos], o.base_timestamp);
  st::StoreBe64(&b[st::kMaxTimestampPos], max_ts);
  st::StoreBe64(&b[st::kProducerIdPos], o.producer_id);
  st::StoreBe16(&b[st::kProducerEpochPos], o.producer_epoch);
  st::StoreBe32(&b[st::kBaseSequencePos], o.base_sequence);
  st::StoreBe32(&b[st::kRecordCountPos], static_cast<int32_t>(records.size()));
  b += body;
  st::StoreBeU32(&b[st::kCrcPos], st::ComputeBatchCrc(b));
  return b;
}

std::string CompressRecordBatch(std::string_view batch, int codec, bool xerial) {
  std::string_view body = batch.substr(st::kBatchHeaderBytes);
  std::string out;
  switch (codec) {
    case st::kCodecGzip: {
      z_stream zs{};
      if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("gzip");
      out.resize(deflateBound(&zs, body.size()) + 32);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
      zs.avail_in = static_cast<uInt>(body.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("gzip deflate");
      out.resize(zs.total_out);
      deflateEnd(&zs);
      break;
    }
    case st::kCodecSnappy: {
      std::string raw;
      snappy::Compress(body.data(), body.size(), &raw);
      if (!xerial) {
        out = raw;
        break;
      }
      out.assign("\x82SNAPPY\0", 8);
      char word[4];
      st::StoreBe32(word, 1);
      out.append(word, 4);
      out.append(word, 4);
      st::StoreBeU32(word, static_cast<uint32_t>(raw.size()));
      out.append(word, 4);
      out += raw;
      break;
    }
    case st::kCodecLz4: {
      out.resize(LZ4F_compressFrameBound(body.size(), nullptr));
      size_t n = LZ4F_compressFrame(out.data(), out.size(), body.data(), body.size(), nullptr);
      if (LZ4F_isError(n)) throw std::runtime_error("lz4");
      out.resize(n);
      break;
    }
    case st::kCodecZstd: {
      out.resize(ZSTD_compressBound(body.size()));
      size_t n = ZSTD_compress(out.data(), out.size(), body.data(), body.size(), 3);
      if (ZSTD_isError(n)) throw std::runtime_error("zstd");
      out.resize(n);
      break;
    }
    default:
      throw std::runtime_error("unknown codec");
  }
  std::string b(batch.substr(0, st::kBatchHeaderBytes));
  b += out;
  int16_t attrs = static_cast<int16_t>((st::LoadBe16(&b[st::kAttributesPos]) & ~st::kAttrCompressionMask) | codec);
  st::StoreBe16(&b[st::kAttributesPos], attrs);
  st::StoreBe32(&b[st::kBatchLengthPos], static_cast<int32_t>(b.size() - st::kBatchLogOverhead));
  st::StoreBeU32(&b[st::kCrcPos], st::ComputeBatchCrc(b));
  return b;
}

std::string BuildSimpleBatch(int n, const std::string& prefix, const BatchOptions& options) {
  std::vector<TestRecord> records(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    records[static_cast<size_t>(i)].key = "k" + std::to_string(i);
    records[static_cast<size_t>(i)].value = prefix + std::to_string(i);
    records[static_cast<size_t>(i)].timestamp_delta = i;
  }
  return BuildRecordBatch(records, options);
}

std::vector<DecodedRecord> DecodeRecordBatches(std::string_view data) {
  std::vector<DecodedRecord> out;
  while (!data.empty()) {
    if (data.size() < st::kBatchHeaderBytes) throw std::runtime_error("truncated batch header");
    st::BatchHeader h = st::DecodeBatchHeader(data.data());
    if (h.magic != 2) throw std::runtime_error("magic is not 2");
    if (h.total_bytes() > static_cast<int64_t>(data.size())) throw std::runtime_error("truncated batch");
    std::string_view batch = data.substr(0, static_cast<size_t>(h.total_bytes()));
    if (st::ComputeBatchCrc(batch) != h.crc) throw std::runtime_error("batch CRC mismatch");
    if ((h.attributes & st::kAttrCompressionMask) != 0) throw std::runtime_error("compressed batch");
    std::string_view in = batch.substr(st::kBatchHeaderBytes);
    for (int32_t i = 0; i < h.record_count; ++i) {
      int64_t len = GetVarlong(in);
      if (len < 0 || static_cast<uint64_t>(len) > in.size()) throw std::runtime_error("bad record length");
      std::string_view rec = in.substr(0, static_cast<size_t>(len));
      in.remove_prefix(static_cast<size_t>(len));
      rec.remove_prefix(1);
      DecodedRecord d;
      int64_t ts_delta = GetVarlong(rec);
      int64_t off_delta = GetVarlong(rec);
      d.offset = h.base_offset + off_delta;
      d.timestamp = (h.attributes & st::kAttrLogAppendTime) ? h.max_timestamp : h.base_timestamp + ts_delta;
      d.key = GetBytes(rec);
      d.value = GetBytes(rec);
      int64_t nh = GetVarlong(rec);
      for (int64_t k = 0; k < nh; ++k) {
        auto hk = GetBytes(rec);
        auto hv = GetBytes(rec);
        d.headers.emplace_back(hk.value_or(""), hv);
      }
      out.push_back(std::move(d));
    }
    data.remove_prefix(batch.size());
  }
  return out;
}

}  // namespace evpipe::testing
