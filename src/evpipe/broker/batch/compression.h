// Decompression of record batch bodies for validation: gzip (zlib), snappy
// (raw or in the xerial framing Java clients write), lz4 (the LZ4 frame format)
// and zstd. Output is bounded, so a small batch cannot make the broker
// allocate much. The broker stores batches as sent; this only checks them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe::broker::batch {

// "none", "gzip", "snappy", "lz4", "zstd" or "codec N".
std::string CodecName(int codec);
// True when Decompress handles `codec` in this build.
bool CodecSupported(int codec);

// Decompresses `in` into `out` (replaced). InvalidArgument when the result
// would pass max_bytes, Corruption when `in` is not a valid stream of that
// codec, NotFound when the codec is unknown or not built in.
Status Decompress(int codec, std::string_view in, size_t max_bytes, std::string* out);

}  // namespace evpipe::broker::batch
