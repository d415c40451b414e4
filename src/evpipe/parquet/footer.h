// Reading back the little that evpipe needs from a Parquet footer (the row
// count), with a Thrift compact-protocol skipper. The writer never uses this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::parquet {

// num_rows of FileMetaData in `file` (a whole Parquet file's bytes).
// Corruption when the magic, the footer length or the Thrift is wrong.
Result<int64_t> RowCountFromBytes(std::string_view file);
// The same for a file on disk.
Result<int64_t> ReadRowCount(io::FileSystem& fs, const std::string& path);

}  // namespace evpipe::parquet
