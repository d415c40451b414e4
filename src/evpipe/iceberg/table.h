// An Iceberg v2 file-system ("Hadoop") table: metadata/vN.metadata.json,
// metadata/version-hint.text, one manifest list and one manifest (Avro) per
// snapshot. Generic: the columns come from the caller (jobs/ maps the events);
// one identity partition on a date column. Layout, commit order and what a
// crash leaves: docs/formats/iceberg.md.
//
//   EVPIPE_ASSIGN_OR_RETURN(TableState t, ReadTable(fs, def, "/abs/parquet/events"));
//   EVPIPE_ASSIGN_OR_RETURN(CommitResult c, Commit(fs, def, t, {{day, new_files}}, run_id, {}));
//   // then delete c.removed from disk (their snapshots are expired)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::iceberg {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// A column of the table schema. `type` is an Iceberg primitive type name
// ("string", "int", "long", "timestamptz", "date").
struct Field {
  int id = 0;
  std::string name;
  std::string type;
  bool required = false;
};

// What the table is: its schema, its identity partition on a date column, its
// sort order and the properties that mark it as ours.
struct TableDef {
  std::vector<Field> fields;
  int partition_source_id = 0;     // a field of type date
  std::vector<int> sort_source_ids;  // ascending, nulls first
  StringPairs properties;          // must contain kOwnerProperty
};

// The table property that marks a table as written by evpipe; a metadata/
// directory without it is foreign and never overwritten.
inline constexpr std::string_view kOwnerProperty = "evpipe.table";
// The partition field id of the identity partition (Iceberg starts them at 1000).
inline constexpr int kPartitionFieldId = 1000;
// Metadata files listed in metadata-log (write.metadata.previous-versions-max).
inline constexpr size_t kMetadataLogMax = 100;

// One data file of a snapshot (a manifest entry that is live).
struct DataFile {
  std::string path;          // absolute local path
  int32_t partition_day = 0;  // days since 1970-01-01
  int64_t record_count = 0;
  int64_t file_size = 0;
  int64_t data_sequence = 0;  // sequence number of the snapshot that added it
  int64_t snapshot_id = 0;    // that snapshot
};

struct Snapshot {
  int64_t id = 0;
  std::optional<int64_t> parent_id;
  int64_t sequence = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;  // absolute local path
  StringPairs summary;        // "operation" first

  // The summary value of `key`, or "" when absent.
  std::string Get(std::string_view key) const;
};

// A table as its newest metadata file describes it.
struct TableState {
  std::string location;       // absolute local path of the table directory
  int version = 0;            // N of metadata/vN.metadata.json; 0: no table yet
  std::string metadata_path;  // that file
  std::string uuid;
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  std::optional<int64_t> current_snapshot_id;
  std::vector<Snapshot> snapshots;                      // valid ones, oldest first
  std::vector<std::pair<int64_t, int64_t>> snapshot_log;  // (timestamp-ms, snapshot-id)
  std::vector<std::pair<int64_t, std::string>> metadata_log;  // (timestamp-ms, metadata-file URI)

  // The current snapshot, or nullptr (no table, or no commit yet).
  const Snapshot* Current() const;
};

// "file://" + an absolute path, and back (InvalidArgument for other schemes).
std::string FileUri(std::string_view abs_path);
Result<std::string> PathFromUri(std::string_view uri);
// metadata/ of a table.
std::string MetadataDir(std::string_view location);

// Reads the newest metadata/vN.metadata.json of the table at `location` (an
// absolute path). No metadata/ (or one holding only leftovers of a first
// commit that never finished): version 0. Anything else that is not a table
// this `def` wrote (other files, a parse error, another location, no owner
// property, another schema, a current snapshot evpipe did not write):
// Corruption, one line that names the directory.
Result<TableState> ReadTable(io::FileSystem& fs, const TableDef& def, const std::string& location);

// The live data files of a snapshot (from its manifest list and manifests).
Result<std::vector<DataFile>> ReadSnapshotFiles(io::FileSystem& fs, const TableDef& def, const Snapshot& snapshot);

// One partition replaced by a commit: its new files (already on disk at their
// final paths, fsynced), possibly none.
struct PartitionReplace {
  int32_t day = 0;
  std::vector<DataFile> files;  // path, record_count, file_size
};

struct CommitResult {
  TableState table;               // the new state (version + 1)
  Snapshot snapshot;              // the committed one
  std::vector<DataFile> removed;  // files of the replaced partitions: delete them now
  std::vector<int64_t> expired;   // snapshot ids dropped (they listed removed files)
};

// Commits one snapshot that overwrites each partition in `changes` (its old
// files deleted, its new ones added) and keeps every other partition's files.
// `base` must be ReadTable()'s answer and `base_files` its current files.
// Writes the manifest, the manifest list and v(N+1).metadata.json (created
// with link(2), so it never replaces a file another writer created: then
// AlreadyExists), then version-hint.text. Snapshots that list a removed file
// are expired in the same commit (docs/formats/iceberg.md, "Old snapshots").
// `durable_dirs` (the directories of the new data files' names) are fsynced in
// one round with the new metadata files, before the metadata is linked.
Result<CommitResult> Commit(io::FileSystem& fs, const TableDef& def, const TableState& base,
                            const std::vector<DataFile>& base_files, const std::vector<PartitionReplace>& changes,
                            std::string_view run_id, const StringPairs& extra_summary,
                            const std::vector<std::string>& durable_dirs = {});

}  // namespace evpipe::iceberg
