// Iceberg v2 tables (apache/iceberg format/spec.md): reading the newest
// metadata and the commit protocol (new manifest and manifest list, then
// v(N+1).metadata.json by link(2), then the version hint). The metadata JSON is
// in metadata_json.cc, the Avro manifests in manifest.cc.
#include "evpipe/iceberg/table.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <memory>
#include <set>
#include <vector>

#include <fmt/core.h>

#include "evpipe/iceberg/kill_point.h"
#include "evpipe/iceberg/manifest_internal.h"
#include "evpipe/iceberg/metadata_json_internal.h"
#include "evpipe/io/sync_all.h"

namespace evpipe::iceberg {
namespace {

constexpr std::string_view kVersionHint = "version-hint.text";

// A new file that nothing references yet, written but not yet durable (the
// commit fsyncs all of them at once, io::SyncAll).
Result<std::unique_ptr<io::WritableFile>> WriteAside(io::FileSystem& fs, const std::string& path,
                                                     std::string_view data) {
  EVPIPE_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
  EVPIPE_RETURN_IF_ERROR(file->Append(data));
  return file;
}

// Creates `path` from the durable file `tmp` only if `path` does not exist:
// link(2), which fails with EEXIST instead of replacing; then the directory.
Status LinkExclusive(io::FileSystem& fs, const std::string& tmp, const std::string& path) {
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return Status::AlreadyExists(path + " appeared meanwhile: another writer committed to this table");
    }
    return Status::FromErrno("link " + path, err);
  }
  return fs.SyncDir(io::DirName(path));
}

bool IsOurMetadataName(std::string_view n) {
  auto ends = [&](std::string_view s) { return n.size() >= s.size() && n.substr(n.size() - s.size()) == s; };
  auto starts = [&](std::string_view s) { return n.substr(0, s.size()) == s; };
  if (n == kVersionHint || starts(".")) return true;  // hidden: our temp files
  if (starts("v") && ends(".metadata.json")) return true;
  if (starts("snap-") && ends(".avro")) return true;
  if (ends("-m0.avro")) return true;
  return false;
}

Result<int> ParseVersion(std::string_view name) {
  // "v<N>.metadata.json"
  const std::string_view digits = name.substr(1, name.size() - 1 - std::string_view(".metadata.json").size());
  if (digits.empty() || digits.size() > 9) return Status::Corruption("bad metadata file name " + std::string(name));
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return Status::Corruption("bad metadata file name " + std::string(name));
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string NewUuid() {
  std::random_device rd;
  uint8_t b[16];
  for (int i = 0; i < 16; i += 4) {
    const uint32_t r = rd();
    std::memcpy(b + i, &r, 4);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", b[i]);
  }
  return s;
}

int64_t NewSnapshotId() {
  std::random_device rd;
  const uint64_t v = (static_cast<uint64_t>(rd()) << 32) | rd();
  return static_cast<int64_t>(v >> 1) | 1;  // positive, never 0
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string Snapshot::Get(std::string_view key) const {
  for (const auto& [k, v] : summary) {
    if (k == key) return v;
  }
  return {};
}

const Snapshot* TableState::Current() const {
  if (!current_snapshot_id) return nullptr;
  for (const Snapshot& s : snapshots) {
    if (s.id == *current_snapshot_id) return &s;
  }
  return nullptr;
}

std::string FileUri(std::string_view abs_path) { return "file://" + std::string(abs_path); }

Result<std::string> PathFromUri(std::string_view uri) {
  if (uri.substr(0, 8) == "file:///") return std::string(uri.substr(7));
  if (uri.substr(0, 6) == "file:/" && uri.substr(0, 7) != "file://") return std::string(uri.substr(5));
  if (!uri.empty() && uri[0] == '/') return std::string(uri);
  return Status::InvalidArgument("not a local file URI: " + std::string(uri));
}

std::string MetadataDir(std::string_view location) { return io::JoinPath(location, "metadata"); }

Result<TableState> ReadTable(io::FileSystem& fs, const TableDef& def, const std::string& location) {
  TableState empty;
  empty.location = location;
  const std::string dir = MetadataDir(location);
  if (!fs.Exists(dir)) return empty;
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> entries, fs.ListDir(dir));
  int newest = 0;
  for (const io::DirEntry& e : entries) {
    if (e.is_dir || !IsOurMetadataName(e.name)) return Foreign(dir, "it holds " + e.name);
    if (e.name != kVersionHint && e.name[0] == 'v') {
      EVPIPE_ASSIGN_OR_RETURN(int v, ParseVersion(e.name));
      newest = std::max(newest, v);
    }
  }
  if (newest == 0) return empty;  // only leftovers of a first commit that never finished
  const std::string path = io::JoinPath(dir, fmt::format("v{}.metadata.json", newest));
  EVPIPE_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  EVPIPE_ASSIGN_OR_RETURN(TableState t, ParseMetadata(def, dir, path, text, location));
  t.version = newest;
  return t;
}

Result<std::vector<DataFile>> ReadSnapshotFiles(io::FileSystem& fs, const TableDef& def, const Snapshot& snapshot) {
  EVPIPE_ASSIGN_OR_RETURN(std::string list, fs.ReadFile(snapshot.manifest_list));
  EVPIPE_ASSIGN_OR_RETURN(std::vector<std::string> manifests, ParseManifestList(list, snapshot.manifest_list));
  std::vector<DataFile> out;
  for (const std::string& m : manifests) {
    EVPIPE_ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(m));
    EVPIPE_ASSIGN_OR_RETURN(std::vector<Entry> entries, ParseManifest(def, bytes, m));
    for (Entry& e : entries) {
      if (e.status != kDeleted) out.push_back(std::move(e.file));
    }
  }
  return out;
}

Result<CommitResult> Commit(io::FileSystem& fs, const TableDef& def, const TableState& base,
                            const std::vector<DataFile>& base_files, const std::vector<PartitionReplace>& changes,
                            std::string_view run_id, const StringPairs& extra_summary,
                            const std::vector<std::string>& durable_dirs) {
  if (PartitionField(def) == nullptr) return Status::InvalidArgument("iceberg: the partition source field is not in the schema");
  const std::string dir = MetadataDir(base.location);
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  std::set<int32_t> changed;
  for (const PartitionReplace& c : changes) changed.insert(c.day);

  CommitResult r;
  const int64_t sequence = base.last_sequence_number + 1;
  const int64_t snapshot_id = NewSnapshotId();
  const int64_t now = std::max(NowMillis(), base.last_updated_ms + 1);
  std::vector<Entry> entries;
  ManifestListEntry ml;
  ml.sequence = sequence;
  ml.min_sequence = sequence;
  ml.snapshot_id = snapshot_id;
  int64_t total_records = 0, total_size = 0, total_files = 0, added_size = 0, removed_size = 0;
  auto bound = [&ml](int32_t day) {
    if (!ml.bounds) {
      ml.bounds = std::make_pair(day, day);
    } else {
      ml.bounds->first = std::min(ml.bounds->first, day);
      ml.bounds->second = std::max(ml.bounds->second, day);
    }
  };
  for (const DataFile& f : base_files) {
    if (changed.count(f.partition_day) != 0) {
      entries.push_back(Entry{kDeleted, snapshot_id, f});
      ++ml.deleted;
      ml.deleted_rows += f.record_count;
      removed_size += f.file_size;
      r.removed.push_back(f);
    } else {
      entries.push_back(Entry{kExisting, f.snapshot_id, f});
      ++ml.existing;
      ml.existing_rows += f.record_count;
      total_records += f.record_count;
      total_size += f.file_size;
      ++total_files;
      ml.min_sequence = std::min(ml.min_sequence, f.data_sequence);
      bound(f.partition_day);
    }
  }
  for (const PartitionReplace& c : changes) {
    for (DataFile f : c.files) {
      f.partition_day = c.day;
      f.data_sequence = sequence;
      f.snapshot_id = snapshot_id;
      entries.push_back(Entry{kAdded, snapshot_id, f});
      ++ml.added;
      ml.added_rows += f.record_count;
      total_records += f.record_count;
      total_size += f.file_size;
      added_size += f.file_size;
      ++total_files;
      bound(c.day);
    }
  }

  // 1. The manifest and the manifest list: new names, referenced by nothing yet.
  ml.path = io::JoinPath(dir, fmt::format("{}-m0.avro", run_id));
  const std::string manifest = ManifestFile(def, entries, sequence);
  ml.length = static_cast<int64_t>(manifest.size());
  std::vector<std::unique_ptr<io::WritableFile>> aside;  // written, made durable together in step 3
  EVPIPE_ASSIGN_OR_RETURN(aside.emplace_back(), WriteAside(fs, ml.path, manifest));
  KillPoint("manifest written");
  Snapshot snap;
  snap.id = snapshot_id;
  if (const Snapshot* cur = base.Current(); cur != nullptr) snap.parent_id = cur->id;
  snap.sequence = sequence;
  snap.timestamp_ms = now;
  snap.manifest_list = io::JoinPath(dir, fmt::format("snap-{}-1-{}.avro", snapshot_id, run_id));
  EVPIPE_ASSIGN_OR_RETURN(aside.emplace_back(),
                          WriteAside(fs, snap.manifest_list, ManifestListFile(ml, snapshot_id, snap.parent_id, sequence)));
  KillPoint("manifest list written");
  const char* operation = ml.deleted == 0 ? "append" : (ml.added == 0 ? "delete" : "overwrite");
  snap.summary = {
      {"operation", operation},
      {"added-data-files", std::to_string(ml.added)},
      {"deleted-data-files", std::to_string(ml.deleted)},
      {"added-records", std::to_string(ml.added_rows)},
      {"deleted-records", std::to_string(ml.deleted_rows)},
      {"added-files-size", std::to_string(added_size)},
      {"removed-files-size", std::to_string(removed_size)},
      {"changed-partition-count", std::to_string(changed.size())},
      {"total-records", std::to_string(total_records)},
      {"total-files-size", std::to_string(total_size)},
      {"total-data-files", std::to_string(total_files)},
      {"total-delete-files", "0"},
      {"total-position-deletes", "0"},
      {"total-equality-deletes", "0"},
      {"evpipe.run-id", std::string(run_id)},
  };
  for (const auto& kv : extra_summary) snap.summary.push_back(kv);

  // 2. The new table state. A snapshot that lists a removed file can no longer
  // be read: every snapshot from the oldest removed file's on is expired.
  TableState& t = r.table;
  t = base;
  if (t.uuid.empty()) t.uuid = NewUuid();
  t.version = base.version + 1;
  t.metadata_path = io::JoinPath(dir, fmt::format("v{}.metadata.json", t.version));
  t.last_sequence_number = sequence;
  t.last_updated_ms = now;
  t.current_snapshot_id = snapshot_id;
  if (!r.removed.empty()) {
    int64_t cutoff = sequence;
    for (const DataFile& f : r.removed) cutoff = std::min(cutoff, f.data_sequence);
    std::vector<Snapshot> kept;
    for (const Snapshot& s : t.snapshots) {
      if (s.sequence < cutoff) {
        kept.push_back(s);
      } else {
        r.expired.push_back(s.id);
      }
    }
    t.snapshots = std::move(kept);
    // Log entries up to the last expired snapshot go with it (spec: snapshot-log).
    size_t drop = 0;
    for (size_t i = 0; i < t.snapshot_log.size(); ++i) {
      if (std::find(r.expired.begin(), r.expired.end(), t.snapshot_log[i].second) != r.expired.end()) drop = i + 1;
    }
    t.snapshot_log.erase(t.snapshot_log.begin(), t.snapshot_log.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  t.snapshots.push_back(snap);
  t.snapshot_log.emplace_back(now, snapshot_id);
  if (base.version > 0) t.metadata_log.emplace_back(base.last_updated_ms, FileUri(base.metadata_path));
  if (t.metadata_log.size() > kMetadataLogMax) {
    t.metadata_log.erase(t.metadata_log.begin(),
                         t.metadata_log.begin() + static_cast<std::ptrdiff_t>(t.metadata_log.size() - kMetadataLogMax));
  }

  // 3. The commit: v(N+1).metadata.json appears whole or not at all, and never
  // over another writer's. It and the version hint are written aside under
  // temp names; one round of fsyncs makes every new file and `durable_dirs`
  // durable; then the metadata is linked (the commit point) and the hint
  // renamed over the old one, each followed by an fsync of the directory.
  const std::string metadata_tmp =
      io::JoinPath(dir, fmt::format(".{}.{}.tmp", io::BaseName(t.metadata_path), run_id));
  const std::string hint = io::JoinPath(dir, std::string(kVersionHint));
  const std::string hint_tmp = io::JoinPath(dir, fmt::format(".{}.{}.tmp", kVersionHint, run_id));
  Status s = [&]() -> Status {
    EVPIPE_ASSIGN_OR_RETURN(aside.emplace_back(), WriteAside(fs, metadata_tmp, MetadataJson(def, t)));
    KillPoint("metadata written aside");
    EVPIPE_ASSIGN_OR_RETURN(aside.emplace_back(), WriteAside(fs, hint_tmp, std::to_string(t.version)));
    std::vector<io::WritableFile*> files;
    for (const auto& f : aside) files.push_back(f.get());
    EVPIPE_RETURN_IF_ERROR(io::SyncAll(fs, durable_dirs, files));
    for (const auto& f : aside) EVPIPE_RETURN_IF_ERROR(f->Close());
    EVPIPE_RETURN_IF_ERROR(LinkExclusive(fs, metadata_tmp, t.metadata_path));
    KillPoint("metadata linked");
    EVPIPE_RETURN_IF_ERROR(fs.Remove(metadata_tmp));
    EVPIPE_RETURN_IF_ERROR(fs.Rename(hint_tmp, hint));
    return fs.SyncDir(dir);
  }();
  if (!s.ok()) {
    (void)fs.Remove(metadata_tmp);  // best effort: a leftover is hidden and ours
    (void)fs.Remove(hint_tmp);
    return s;
  }
  KillPoint("version hint written");
  r.snapshot = std::move(snap);
  return r;
}

}  // namespace evpipe::iceberg
