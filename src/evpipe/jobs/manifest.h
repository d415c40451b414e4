// The per-date job manifest: what a conversion read and wrote, kept in
// <parquet_dir>/<topic>/_evpipe/ (JobManifestPath in raw_to_parquet.h;
// docs/formats/raw_to_parquet.md, "Manifest").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::jobs {

struct ManifestInput {
  std::string file;  // name inside the raw date directory
  uint64_t size = 0;
  bool operator==(const ManifestInput&) const = default;
};

struct ManifestOutput {
  std::string file;  // name inside the Parquet date directory
  int64_t rows = 0;
  uint64_t size = 0;
};

struct Manifest {
  int version = 1;
  std::string topic;
  std::string date;
  // The options that shape the output: a change redoes the date under --all.
  int64_t rows_per_file = 0;
  std::string codec;
  std::vector<ManifestInput> inputs;
  int64_t rows_in = 0;
  int64_t duplicates_removed = 0;
  int64_t quarantined = 0;
  int64_t rows_out = 0;
  std::vector<ManifestOutput> outputs;
};

// Deterministic JSON (no timestamps), one object and a newline.
std::string ManifestToJson(const Manifest& m);
Result<Manifest> ParseManifest(std::string_view json);

}  // namespace evpipe::jobs
