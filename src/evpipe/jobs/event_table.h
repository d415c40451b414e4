// The events as an Iceberg table: PARQUET_DIR/<topic> is at once the
// Hive-style dataset (ingest_date=D/part-*.parquet) and an Iceberg v2
// file-system table whose data files are hard links of the same files under
// data/ingest_date=D/ (docs/formats/iceberg.md). The schema comes from
// event_columns.h. Also the read API for other commands (console, ops):
//
//   EVPIPE_ASSIGN_OR_RETURN(auto snaps, ListTableSnapshots(fs, "data/parquet", "events"));
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/iceberg/sqlite_catalog.h"
#include "evpipe/iceberg/table.h"
#include "evpipe/io/file_system.h"

namespace evpipe::jobs {

// The table of kEventColumns plus ingest_date (the identity partition).
const iceberg::TableDef& EventTableDef();

// The table directory: the absolute path of <parquet_dir>/<topic>.
Result<std::string> TableLocation(std::string_view parquet_dir, std::string_view topic);
// <location>/data/ingest_date=D: where the table's data files are.
std::string TableDataDir(std::string_view location, std::string_view date);

// The table as one run of raw-to-parquet sees it: opened (and checked to be
// ours) before anything is built, committed once at the end.
class TableSession {
 public:
  // Reads the table (a foreign or corrupt metadata/ is a one-line error), puts
  // the catalog row on the newest metadata when a crash left it behind, and
  // removes data files that no snapshot lists (left by a crash). `catalog` is
  // ICEBERG_CATALOG ("" for none).
  static Result<TableSession> Open(io::FileSystem& fs, std::string_view parquet_dir, std::string_view topic,
                                   std::string_view catalog);

  // The current files of `date` (base names), empty when none.
  std::vector<std::string> FileNames(std::string_view date) const;
  // Rows the current snapshot holds for `date`.
  int64_t Rows(std::string_view date) const;

  struct NewFile {
    std::string staged_path;  // where the job wrote it (fsynced)
    std::string name;         // part-NNNNN-RUN.parquet
    int64_t rows = 0;
    uint64_t size = 0;
  };
  // Hard-links each date's new files into data/ingest_date=D/ (fsynced), then
  // commits one snapshot that overwrites those dates, then updates the catalog.
  // The replaced files stay on disk until RemoveReplaced().
  Status Commit(const std::map<std::string, std::vector<NewFile>>& dates, std::string_view run_id);
  // Deletes the data files of the partitions the last Commit replaced (their
  // snapshots were expired by it).
  Status RemoveReplaced();

  const iceberg::TableState& state() const { return state_; }
  // "table: <location> snapshot <id> (v<N>), <rows> rows in <files> files" (one line).
  std::string Describe() const;

 private:
  TableSession(io::FileSystem& fs, std::string location) : fs_(&fs), location_(std::move(location)) {}
  Status SyncCatalog();
  Status RemoveOrphans();

  io::FileSystem* fs_;
  std::string location_;
  std::string table_name_;
  std::optional<iceberg::CatalogTarget> catalog_;
  iceberg::TableState state_;
  std::vector<iceberg::DataFile> files_;     // of the current snapshot
  std::vector<iceberg::DataFile> replaced_;  // by the last Commit
};

// Read API: the valid snapshots of the table, oldest first (empty when there
// is no table), and what the current one holds per date.
struct SnapshotInfo {
  int64_t id = 0;
  std::optional<int64_t> parent_id;
  int64_t sequence = 0;
  int64_t timestamp_ms = 0;
  bool current = false;
  iceberg::StringPairs summary;  // operation, added/deleted files and records, totals, evpipe.run-id, evpipe.dates
};
Result<std::vector<SnapshotInfo>> ListTableSnapshots(io::FileSystem& fs, std::string_view parquet_dir,
                                                     std::string_view topic);
struct DateFiles {
  std::string date;
  int64_t rows = 0;
  int64_t files = 0;
  int64_t bytes = 0;
};
// Per date of the current snapshot (sorted by date); NotFound when there is no table.
Result<std::vector<DateFiles>> CurrentTableDates(io::FileSystem& fs, std::string_view parquet_dir,
                                                 std::string_view topic);

}  // namespace evpipe::jobs
