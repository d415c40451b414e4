// The one layout rule of date-partitioned folders: <root>/<topic>/ingest_date=<date>.
// Raw files, Parquet files, quarantine stages and gen output all use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace evpipe::io {

inline constexpr std::string_view kDatePartitionPrefix = "ingest_date=";

// "ingest_date=<date>".
std::string DatePartitionName(std::string_view date);
// "<root>/<topic>/ingest_date=<date>".
std::string DatePartitionDir(std::string_view root, std::string_view topic, std::string_view date);
// The date of a folder name "ingest_date=<date>" (not checked to be a real
// date); nullopt for any other name.
std::optional<std::string_view> DateOfPartitionName(std::string_view name);

}  // namespace evpipe::io
