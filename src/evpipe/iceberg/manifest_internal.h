// Manifests and manifest lists (Iceberg spec "Manifests", "Manifest Lists"):
// Avro container files in our own fixed schemas, written for a commit and read
// back for the next one. Private to the iceberg module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/iceberg/table.h"

namespace evpipe::iceberg {

enum EntryStatus : int { kExisting = 0, kAdded = 1, kDeleted = 2 };

// One manifest entry.
struct Entry {
  int status;
  int64_t snapshot_id;
  DataFile file;  // data_sequence = its data and file sequence number
};

// The one manifest a snapshot lists, as its manifest-list entry describes it.
struct ManifestListEntry {
  std::string path;
  int64_t length = 0;
  int64_t sequence = 0;
  int64_t min_sequence = 0;
  int64_t snapshot_id = 0;
  int32_t added = 0, existing = 0, deleted = 0;
  int64_t added_rows = 0, existing_rows = 0, deleted_rows = 0;
  std::optional<std::pair<int32_t, int32_t>> bounds;  // partition days
};

// The manifest of a snapshot with sequence number `sequence` (added entries
// take it as their sequence numbers).
std::string ManifestFile(const TableDef& def, const std::vector<Entry>& entries, int64_t sequence);
// Reads back a manifest ManifestFile wrote (another Avro schema: Corruption naming `path`).
Result<std::vector<Entry>> ParseManifest(const TableDef& def, std::string_view bytes, const std::string& path);

// The manifest list of snapshot `snapshot_id`: one entry, `m`.
std::string ManifestListFile(const ManifestListEntry& m, int64_t snapshot_id, std::optional<int64_t> parent,
                             int64_t sequence);
// The manifest paths of a manifest list ManifestListFile wrote.
Result<std::vector<std::string>> ParseManifestList(std::string_view bytes, const std::string& path);

}  // namespace evpipe::iceberg
