// Page compression codecs: ZSTD (default), SNAPPY, UNCOMPRESSED.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe::parquet {

// Values are parquet.thrift's CompressionCodec.
enum class Codec { kUncompressed = 0, kSnappy = 1, kZstd = 6 };

inline constexpr int kDefaultZstdLevel = 1;

std::string_view CodecName(Codec codec);
// "zstd", "snappy", "uncompressed"/"none" (case-insensitive).
Result<Codec> ParseCodec(std::string_view name);

// Compresses whole pages. Owns its codec context, so keep one per thread and
// reuse it: output is a pure function of (codec, level, input).
class Compressor {
 public:
  static Result<std::unique_ptr<Compressor>> Make(Codec codec, int zstd_level = kDefaultZstdLevel);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  Codec codec() const { return codec_; }
  // Replaces *out with the compressed form of `input`.
  Status Compress(std::string_view input, std::string* out);

 private:
  Compressor(Codec codec, int level) : codec_(codec), level_(level) {}
  Codec codec_;
  int level_;
  void* zstd_ctx_ = nullptr;  // ZSTD_CCtx*
};

}  // namespace evpipe::parquet
