// A FileSystem wrapper that fails chosen operations, for testing error paths
// (like leveldb's ErrorEnv). Used by tests only, but shipped in the library so
// any module's tests can reach it.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "evpipe/io/file_system.h"

namespace evpipe::io {

enum class FaultOp { kAppend, kSync, kRename, kCreate, kSyncDir, kRead, kTruncate };

// Thread-safe. Wraps `base` (not owned). After Arm(op, after, err), the
// (after+1)-th call of `op` and every later one fail with errno `err` until Disarm().
class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem& base) : base_(base) {}

  void Arm(FaultOp op, int after, int err);
  void Disarm();
  // How many injected failures have fired.
  int fired() const { return fired_.load(); }

  // Called by wrapped files; true when this call must fail.
  bool ShouldFail(FaultOp op);
  int error_number() const { return err_.load(); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  // Fails as a kRename.
  Status RenameExchange(const std::string& a, const std::string& b) override;
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status RemoveAll(const std::string& path) override { return base_.RemoveAll(path); }
  Status CreateDirs(const std::string& path) override { return base_.CreateDirs(path); }
  Status SyncDir(const std::string& path) override;
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override { return base_.ListDir(path); }
  bool Exists(const std::string& path) override { return base_.Exists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_.FileSize(path); }
  Status Truncate(const std::string& path, uint64_t size) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, LockMode mode) override {
    return base_.LockFile(path, mode);
  }

 private:
  FileSystem& base_;
  std::atomic<int> op_{-1};
  std::atomic<int> remaining_{0};
  std::atomic<int> err_{0};
  std::atomic<int> fired_{0};
};

}  // namespace evpipe::io
