// Bounded decompression of record batch bodies (see compression.h).
#include "evpipe/broker/batch/compression.h"

#include <fmt/core.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

#include "evpipe/broker/batch/byte_order.h"
#include "evpipe/broker/batch/record_batch.h"

namespace evpipe::broker::batch {
namespace {

// Output grows in steps of this size (and never beyond max_bytes).
constexpr size_t kStepBytes = 64 << 10;
// snappy-java's stream header: magic, then int32 version and int32 compatible version.
constexpr char kXerialMagic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t kXerialHeaderBytes = 16;

Status TooLarge(std::string_view codec, size_t max_bytes) {
  return Status::InvalidArgument(fmt::format("{} data decompresses to more than {} bytes", codec, max_bytes));
}

// Makes room for at least one more step in `out` beyond `used`, up to max_bytes + 1
// (the extra byte detects "more than max_bytes").
bool Grow(std::string* out, size_t used, size_t max_bytes) {
  if (used > max_bytes) return false;
  size_t want = std::min(used + kStepBytes, max_bytes + 1);
  if (out->size() < want) out->resize(want);
  return true;
}

Status Gzip(std::string_view in, size_t max_bytes, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
  std::unique_ptr<z_stream, void (*)(z_stream*)> guard(&zs, [](z_stream* z) { inflateEnd(z); });
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  for (;;) {
    if (!Grow(out, used, max_bytes)) return TooLarge("gzip", max_bytes);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    zs.avail_out = static_cast<uInt>(out->size() - used);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = out->size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows (GZIPInputStream reads concatenated members).
      if (inflateReset(&zs) != Z_OK) return Status::Corruption("gzip: bad member");
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) return Status::Corruption("gzip: truncated stream");
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::Corruption(fmt::format("gzip: {}", zs.msg != nullptr ? zs.msg : "bad stream"));
    }
  }
  if (used > max_bytes) return TooLarge("gzip", max_bytes);
  out->resize(used);
  return Status::Ok();
}

Status SnappyRawAppend(std::string_view in, size_t max_bytes, std::string* out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) return Status::Corruption("snappy: bad length");
  if (n > max_bytes || out->size() + n > max_bytes) return TooLarge("snappy", max_bytes);
  size_t at = out->size();
  out->resize(at + n);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data() + at)) return Status::Corruption("snappy: bad data");
  return Status::Ok();
}

Status Snappy(std::string_view in, size_t max_bytes, std::string* out) {
  out->clear();
  if (in.size() < kXerialHeaderBytes || std::memcmp(in.data(), kXerialMagic, sizeof kXerialMagic) != 0) {
    return SnappyRawAppend(in, max_bytes, out);
  }
  in.remove_prefix(kXerialHeaderBytes);
  while (!in.empty()) {
    if (in.size() < 4) return Status::Corruption("snappy: truncated block length");
    uint32_t len = LoadBeU32(in.data());
    in.remove_prefix(4);
    if (len > in.size()) return Status::Corruption("snappy: truncated block");
    EVPIPE_RETURN_IF_ERROR(SnappyRawAppend(in.substr(0, len), max_bytes, out));
    in.remove_prefix(len);
  }
  return Status::Ok();
}

Status Lz4(std::string_view in, size_t max_bytes, std::string* out) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return Status::Internal("lz4: no context");
  std::unique_ptr<LZ4F_dctx, size_t (*)(LZ4F_dctx*)> ctx(raw, LZ4F_freeDecompressionContext);
  size_t used = 0;
  size_t hint = 1;
  while (!in.empty()) {
    if (!Grow(out, used, max_bytes)) return TooLarge("lz4", max_bytes);
    size_t dst = out->size() - used;
    size_t src = in.size();
    hint = LZ4F_decompress(ctx.get(), out->data() + used, &dst, in.data(), &src, nullptr);
    if (LZ4F_isError(hint)) return Status::Corruption(fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    used += dst;
    in.remove_prefix(src);
    if (src == 0 && dst == 0) break;
  }
  // Whatever the input held, a frame must have ended; output still pending means the
  // buffer filled exactly, so drain it.
  while (hint != 0) {
    if (!Grow(out, used, max_bytes)) return TooLarge("lz4", max_bytes);
    size_t dst = out->size() - used;
    size_t src = 0;
    hint = LZ4F_decompress(ctx.get(), out->data() + used, &dst, nullptr, &src, nullptr);
    if (LZ4F_isError(hint)) return Status::Corruption(fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    if (dst == 0 && hint != 0) return Status::Corruption("lz4: truncated frame");
    used += dst;
  }
  if (used > max_bytes) return TooLarge("lz4", max_bytes);
  out->resize(used);
  return Status::Ok();
}

Status Zstd(std::string_view in, size_t max_bytes, std::string* out) {
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds(ZSTD_createDStream(), ZSTD_freeDStream);
  if (!ds || ZSTD_isError(ZSTD_initDStream(ds.get()))) return Status::Internal("zstd: no stream");
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t used = 0;
  size_t left = 1;
  while (input.pos < input.size || left != 0) {
    if (!Grow(out, used, max_bytes)) return TooLarge("zstd", max_bytes);
    ZSTD_outBuffer output{out->data() + used, out->size() - used, 0};
    size_t before_in = input.pos;
    left = ZSTD_decompressStream(ds.get(), &output, &input);
    if (ZSTD_isError(left)) return Status::Corruption(fmt::format("zstd: {}", ZSTD_getErrorName(left)));
    used += output.pos;
    if (output.pos == 0 && input.pos == before_in) {
      if (left != 0) return Status::Corruption("zstd: truncated frame");
      break;
    }
  }
  if (used > max_bytes) return TooLarge("zstd", max_bytes);
  out->resize(used);
  return Status::Ok();
}

}  // namespace

std::string CodecName(int codec) {
  switch (codec) {
    case kCodecNone: return "none";
    case kCodecGzip: return "gzip";
    case kCodecSnappy: return "snappy";
    case kCodecLz4: return "lz4";
    case kCodecZstd: return "zstd";
  }
  return fmt::format("codec {}", codec);
}

bool CodecSupported(int codec) { return codec >= kCodecNone && codec <= kCodecZstd; }

Status Decompress(int codec, std::string_view in, size_t max_bytes, std::string* out) {
  out->clear();
  switch (codec) {
    case kCodecGzip: return Gzip(in, max_bytes, out);
    case kCodecSnappy: return Snappy(in, max_bytes, out);
    case kCodecLz4: return Lz4(in, max_bytes, out);
    case kCodecZstd: return Zstd(in, max_bytes, out);
  }
  return Status::NotFound(fmt::format("compression {} is not supported", CodecName(codec)));
}

}  // namespace evpipe::broker::batch
