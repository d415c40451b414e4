// Fault-injecting file system.
#include "evpipe/io/fault_fs.h"

#include <cerrno>

namespace evpipe::io {
namespace {

class FaultyFile final : public WritableFile {
 public:
  FaultyFile(std::unique_ptr<WritableFile> base, FaultInjectingFileSystem& fs)
      : base_(std::move(base)), fs_(fs) {}
  Status Append(std::string_view data) override {
    if (fs_.ShouldFail(FaultOp::kAppend)) return Status::FromErrno("write " + path(), fs_.error_number());
    return base_->Append(data);
  }
  Status Flush() override {
    if (fs_.ShouldFail(FaultOp::kAppend)) return Status::FromErrno("write " + path(), fs_.error_number());
    return base_->Flush();
  }
  Status Sync() override {
    if (fs_.ShouldFail(FaultOp::kSync)) return Status::FromErrno("fsync " + path(), fs_.error_number());
    return base_->Sync();
  }
  Status StartWriteback() override { return base_->StartWriteback(); }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  FaultInjectingFileSystem& fs_;
};

class FaultyRandomAccessFile final : public RandomAccessFile {
 public:
  FaultyRandomAccessFile(std::unique_ptr<RandomAccessFile> base, FaultInjectingFileSystem& fs)
      : base_(std::move(base)), fs_(fs) {}
  Result<size_t> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    if (fs_.ShouldFail(FaultOp::kRead)) return Status::FromErrno("read " + path(), fs_.error_number());
    return base_->ReadAt(offset, n, scratch);
  }
  const std::string& path() const override { return base_->path(); }
  int fd() const override { return base_->fd(); }
  Status Sync() override {
    if (fs_.ShouldFail(FaultOp::kSync)) return Status::FromErrno("fsync " + path(), fs_.error_number());
    return base_->Sync();
  }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  FaultInjectingFileSystem& fs_;
};

}  // namespace

Result<std::unique_ptr<RandomAccessFile>> FaultInjectingFileSystem::NewRandomAccessFile(
    const std::string& path) {
  EVPIPE_ASSIGN_OR_RETURN(auto file, base_.NewRandomAccessFile(path));
  return std::unique_ptr<RandomAccessFile>(new FaultyRandomAccessFile(std::move(file), *this));
}

Status FaultInjectingFileSystem::Truncate(const std::string& path, uint64_t size) {
  if (ShouldFail(FaultOp::kTruncate)) return Status::FromErrno("truncate " + path, err_.load());
  return base_.Truncate(path, size);
}

void FaultInjectingFileSystem::Arm(FaultOp op, int after, int err) {
  err_.store(err);
  remaining_.store(after);
  fired_.store(0);
  op_.store(static_cast<int>(op));
}

void FaultInjectingFileSystem::Disarm() { op_.store(-1); }

bool FaultInjectingFileSystem::ShouldFail(FaultOp op) {
  if (op_.load() != static_cast<int>(op)) return false;
  if (remaining_.fetch_sub(1) > 0) return false;
  fired_.fetch_add(1);
  return true;
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::NewWritableFile(const std::string& path) {
  if (ShouldFail(FaultOp::kCreate)) return Status::FromErrno("open " + path, err_.load());
  EVPIPE_ASSIGN_OR_RETURN(auto file, base_.NewWritableFile(path));
  return std::unique_ptr<WritableFile>(new FaultyFile(std::move(file), *this));
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::OpenAppendable(const std::string& path) {
  if (ShouldFail(FaultOp::kCreate)) return Status::FromErrno("open " + path, err_.load());
  EVPIPE_ASSIGN_OR_RETURN(auto file, base_.OpenAppendable(path));
  return std::unique_ptr<WritableFile>(new FaultyFile(std::move(file), *this));
}

Status FaultInjectingFileSystem::Rename(const std::string& from, const std::string& to) {
  if (ShouldFail(FaultOp::kRename)) return Status::FromErrno("rename " + from, err_.load());
  return base_.Rename(from, to);
}

Status FaultInjectingFileSystem::RenameExchange(const std::string& a, const std::string& b) {
  if (ShouldFail(FaultOp::kRename)) return Status::FromErrno("rename exchange " + a, err_.load());
  return base_.RenameExchange(a, b);
}

Status FaultInjectingFileSystem::SyncDir(const std::string& path) {
  if (ShouldFail(FaultOp::kSyncDir)) return Status::FromErrno("fsync dir " + path, err_.load());
  return base_.SyncDir(path);
}

}  // namespace evpipe::io
