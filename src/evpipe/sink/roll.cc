// The open roll of one partition and how it is published.
#include "evpipe/sink/roll.h"

#include <mutex>
#include <set>
#include <unordered_set>

#include "evpipe/io/sync_all.h"

namespace evpipe::sink {

namespace {

// Bytes appended to one file between two starts of its writeback.
constexpr uint64_t kWritebackBytes = 2 << 20;

// The folders known durable in their parents, for the whole process.
std::mutex known_mu;
std::unordered_set<std::string>& KnownDurable() {
  static std::unordered_set<std::string> known;
  return known;
}

bool IsKnownDurable(const std::string& dir) {
  std::lock_guard<std::mutex> lock(known_mu);
  return KnownDurable().count(dir) > 0;
}

}  // namespace

Status DurableDirs::Add(io::FileSystem& fs, const std::string& dir, const std::string& stop_at) {
  if (IsKnownDurable(dir)) return Status::Ok();
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  pending_.emplace_back(dir, stop_at);
  return Status::Ok();
}

Status DurableDirs::MakeDurable(io::FileSystem& fs) {
  // The new folder's own entry, and any parent mkdir -p created, must survive
  // a crash; folders of one roll mostly share their parents, synced once.
  std::set<std::string> parents;
  for (const auto& [dir, stop_at] : pending_) {
    std::string child = dir;
    for (int depth = 0; depth < 4 && child != stop_at && child.size() > stop_at.size(); ++depth) {
      std::string parent = io::DirName(child);
      parents.insert(parent);
      child = parent;
    }
  }
  EVPIPE_RETURN_IF_ERROR(io::SyncAll(fs, {parents.begin(), parents.end()}));
  std::lock_guard<std::mutex> lock(known_mu);
  for (const auto& [dir, stop_at] : pending_) KnownDurable().insert(dir);
  pending_.clear();
  return Status::Ok();
}

Roll::Roll(io::FileSystem& fs, const Layout& layout, int32_t partition, int64_t opened_us)
    : fs_(fs), layout_(layout), partition_(partition), opened_us_(opened_us) {}

Roll::~Roll() {
  // An unpublished roll's files stay hidden; the next owner of the partition removes them.
  for (File& f : files_) {
    if (f.file) (void)f.file->Close();
  }
}

void Roll::Track(File* f, int64_t offset) {
  if (f->first < 0) f->first = offset;
  f->last = offset;
  f->synced = false;
  if (first_offset_ < 0) first_offset_ = offset;
  last_offset_ = offset;
  uint64_t size = f->file->Size();
  if (size > largest_file_bytes_) largest_file_bytes_ = size;
  last_file_ = f;
}

Result<Roll::File*> Roll::FileFor(bool quarantine, std::string_view date, int64_t offset) {
  if (last_file_ != nullptr && last_file_->quarantine == quarantine && last_file_->date == date) return last_file_;
  for (File& f : files_) {
    if (f.quarantine == quarantine && f.date == date) return &f;
  }
  File f;
  f.quarantine = quarantine;
  f.date = std::string(date);
  f.dir = quarantine ? layout_.QuarantineDateDir(date) : layout_.RawDateDir(date);
  EVPIPE_RETURN_IF_ERROR(new_dirs_.Add(fs_, f.dir, quarantine ? layout_.quarantine_root() : layout_.raw_topic_dir()));
  // Named after the roll's first offset, so that the name is unique per roll.
  int64_t roll_first = first_offset_ < 0 ? offset : first_offset_;
  EVPIPE_ASSIGN_OR_RETURN(f.file, fs_.NewWritableFile(io::JoinPath(f.dir, InProgressFileName(partition_, roll_first))));
  // files_ may reallocate: the cached pointer would dangle.
  files_.push_back(std::move(f));
  last_file_ = nullptr;
  return &files_.back();
}

Status Roll::AddLine(std::string_view date, std::string_view value, int64_t offset) {
  EVPIPE_ASSIGN_OR_RETURN(File * f, FileFor(false, date, offset));
  EVPIPE_RETURN_IF_ERROR(f->file->Append(value));
  EVPIPE_RETURN_IF_ERROR(f->file->Append("\n"));
  Track(f, offset);
  // Let the device work while the roll fills, not only when it is published.
  if (f->file->Size() >= f->writeback_at + kWritebackBytes) {
    f->writeback_at = f->file->Size();
    EVPIPE_RETURN_IF_ERROR(f->file->StartWriteback());
  }
  return Status::Ok();
}

Status Roll::AddQuarantine(std::string_view date, std::string_view line, int64_t offset) {
  EVPIPE_ASSIGN_OR_RETURN(File * f, FileFor(true, date, offset));
  EVPIPE_RETURN_IF_ERROR(f->file->Append(line));
  Track(f, offset);
  return Status::Ok();
}

Status Roll::SyncFiles(const std::vector<Roll*>& rolls) {
  std::vector<File*> files;
  std::vector<io::WritableFile*> handles;
  io::FileSystem* fs = nullptr;
  for (Roll* r : rolls) {
    fs = &r->fs_;
    for (File& f : r->files_) {
      if (!f.synced) {
        files.push_back(&f);
        handles.push_back(f.file.get());
      }
    }
  }
  // Every file's writeback first, so the fsyncs below overlap on the device.
  for (File* f : files) {
    f->writeback_at = f->file->Size();
    EVPIPE_RETURN_IF_ERROR(f->file->StartWriteback());
  }
  if (files.empty()) return Status::Ok();
  EVPIPE_RETURN_IF_ERROR(io::SyncAll(*fs, {}, handles));
  for (File* f : files) f->synced = true;
  return Status::Ok();
}

Status Roll::Publish(PartitionState* published) {
  PartitionState state;
  state.partition = partition_;
  state.next_offset = last_offset_ + 1;
  EVPIPE_RETURN_IF_ERROR(SyncFiles({this}));
  for (File& f : files_) {
    EVPIPE_RETURN_IF_ERROR(f.file->Close());
    RollEntry e;
    e.quarantine = f.quarantine;
    e.date = f.date;
    e.from = io::BaseName(f.file->path());
    e.to = FinalFileName(partition_, f.first, f.last);
    state.entries.push_back(std::move(e));
  }
  // The folders must be there after a crash before the state names files in them.
  EVPIPE_RETURN_IF_ERROR(new_dirs_.MakeDurable(fs_));
  // The commit point of the roll: from here on recovery rolls it forward.
  EVPIPE_RETURN_IF_ERROR(StoreState(fs_, layout_, state));
  std::set<std::string> dirs;
  for (size_t i = 0; i < files_.size(); ++i) {
    const RollEntry& e = state.entries[i];
    EVPIPE_RETURN_IF_ERROR(fs_.Rename(io::JoinPath(files_[i].dir, e.from), io::JoinPath(files_[i].dir, e.to)));
    dirs.insert(files_[i].dir);
  }
  EVPIPE_RETURN_IF_ERROR(io::SyncAll(fs_, {dirs.begin(), dirs.end()}));
  files_.clear();
  last_file_ = nullptr;
  *published = std::move(state);
  return Status::Ok();
}

void Roll::Discard() {
  for (File& f : files_) {
    std::string path = f.file->path();
    (void)f.file->Close();
    (void)fs_.Remove(path);
  }
  files_.clear();
  last_file_ = nullptr;
  new_dirs_.Clear();
}

}  // namespace evpipe::sink
