// Codec wrappers over libzstd and libsnappy (see compression.h).
#include "evpipe/parquet/compression.h"

#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>

namespace evpipe::parquet {

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed: return "uncompressed";
    case Codec::kSnappy: return "snappy";
    case Codec::kZstd: return "zstd";
  }
  return "?";
}

Result<Codec> ParseCodec(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "zstd") return Codec::kZstd;
  if (lower == "snappy") return Codec::kSnappy;
  if (lower == "uncompressed" || lower == "none") return Codec::kUncompressed;
  return Status::InvalidArgument("unknown codec '" + std::string(name) + "' (zstd, snappy or uncompressed)");
}

Result<std::unique_ptr<Compressor>> Compressor::Make(Codec codec, int zstd_level) {
  std::unique_ptr<Compressor> c(new Compressor(codec, zstd_level));
  if (codec == Codec::kZstd) {
    if (zstd_level < ZSTD_minCLevel() || zstd_level > ZSTD_maxCLevel()) {
      return Status::InvalidArgument("zstd level " + std::to_string(zstd_level) + " out of range");
    }
    c->zstd_ctx_ = ZSTD_createCCtx();
    if (c->zstd_ctx_ == nullptr) return Status::Internal("ZSTD_createCCtx failed");
  }
  return c;
}

Compressor::~Compressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_)); }

Status Compressor::Compress(std::string_view input, std::string_view* out) {
  size_t bound = input.size();
  if (codec_ == Codec::kSnappy) bound = snappy::MaxCompressedLength(input.size());
  if (codec_ == Codec::kZstd) bound = ZSTD_compressBound(input.size());
  if (bound > capacity_) {
    capacity_ = std::max(bound, capacity_ * 2);
    buffer_.reset(new char[capacity_]);
  }
  switch (codec_) {
    case Codec::kUncompressed:
      *out = input;
      return Status::Ok();
    case Codec::kSnappy: {
      size_t n = 0;
      snappy::RawCompress(input.data(), input.size(), buffer_.get(), &n);
      *out = std::string_view(buffer_.get(), n);
      return Status::Ok();
    }
    case Codec::kZstd: {
      size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_ctx_), buffer_.get(), capacity_, input.data(),
                                   input.size(), level_);
      if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
      *out = std::string_view(buffer_.get(), n);
      return Status::Ok();
    }
  }
  return Status::Internal("unknown codec");
}

}  // namespace evpipe::parquet
