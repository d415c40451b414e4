// The raw side of raw-to-parquet: which dates and files exist
// (docs/formats/raw_to_parquet.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/io/file_system.h"
#include "evpipe/io/mapped_file.h"

namespace evpipe::jobs {

// Dates are checked with event::ParseDate (the one calendar); folders are named
// by io::DatePartitionDir (the one path rule).

// Where the lines of a raw file start: after a UTF-8 byte order mark at its
// very beginning (an editor's export), so that the first event is kept.
uint64_t RawDataStart(std::string_view data);

struct RawFile {
  std::string name;  // e.g. "part-00000.ndjson"
  std::string path;
  uint64_t size = 0;
};

// The complete raw files of one date directory, sorted by name: regular files
// named *.ndjson that are not hidden (the sink writes ".<name>" temp files and
// renames them when complete). NotFound when the directory does not exist.
Result<std::vector<RawFile>> ListRawFiles(io::FileSystem& fs, const std::string& date_dir);

// Dates that have a raw partition under <raw_root>/<topic>, sorted. Directories
// named ingest_date=<not a date> are skipped. NotFound when the topic directory
// does not exist.
Result<std::vector<std::string>> ListRawDates(io::FileSystem& fs, std::string_view raw_root,
                                              std::string_view topic);

// Raw files are read through io::MappedFile (the one mapped-file type; the job
// calls Release() behind itself so that peak memory stays far below the input).
using MappedFile = io::MappedFile;

}  // namespace evpipe::jobs
