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
  // Compresses `input`; *out views a buffer owned by this compressor, valid
  // until the next call. (The buffer only grows: no per-page allocation.)
  Status Compress(std::string_view input, std::string_view* out);

 private:
  Compressor(Codec codec, int level) : codec_(codec), level_(level) {}
  Codec codec_;
  int level_;
  void* zstd_ctx_ = nullptr;  // ZSTD_CCtx*
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

}  // namespace evpipe::parquet
