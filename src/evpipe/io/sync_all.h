// Making several new files and directory entries durable at once.
#pragma once

#include <string>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::io {

// Makes the entries of `dirs` and the data of `files` (written, still open)
// durable in one round: the fsyncs run at once on up to 8 threads, and
// concurrent fsyncs share the file system's journal commits (ext4 groups
// them), one round trip instead of one per fsync. The first error, dirs first.
Status SyncAll(FileSystem& fs, const std::vector<std::string>& dirs, const std::vector<WritableFile*>& files = {});

}  // namespace evpipe::io
