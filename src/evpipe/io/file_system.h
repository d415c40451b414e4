// The file-system seam: every durable write in evpipe goes through FileSystem,
// so tests can make a write, an fsync or a rename fail (STYLE.md, Tests).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::io {

// A file open for appending. Owned by one thread at a time. Close() is
// explicit because its error matters; the destructor closes silently.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Flushes our buffer to the kernel (no fsync). A buffer grown past a small
  // size by a large append is released afterwards, so an idle file holds
  // little memory.
  virtual Status Flush() = 0;
  // Append(a), Append(b), Flush() in one step. The POSIX file writes buffered
  // bytes, `a` and `b` with one writev(2), without copying a and b.
  virtual Status AppendAndFlush(std::string_view a, std::string_view b);
  // Flushes and fsyncs (fdatasync is not enough for a new file's size).
  virtual Status Sync() = 0;
  // Hands buffered bytes to the kernel (keeping the buffer, unlike Flush),
  // then starts writing the file's bytes to the device and returns
  // without waiting for them (Linux: sync_file_range with
  // SYNC_FILE_RANGE_WRITE only, which leaves write errors for Sync to report).
  // A hint that makes a later Sync() shorter; it makes nothing durable. The
  // default does nothing.
  virtual Status StartWriteback() { return Status::Ok(); }
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file open for positional reads (pread). Thread-safe: reads carry their own
// offset. Readers may keep one open while the file is appended to or unlinked.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at `offset` into `scratch`; returns how many were read
  // (fewer than n only at the end of the file).
  virtual Result<size_t> ReadAt(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual const std::string& path() const = 0;
  // The OS descriptor, for zero-copy sends (sendfile); -1 when there is none.
  virtual int fd() const { return -1; }
  // fsyncs the file: on Linux that makes durable what any descriptor wrote, so
  // a writer's data can be synced from another thread without touching the
  // WritableFile (whose methods are single-threaded).
  virtual Status Sync() { return Status::Internal("sync not supported: " + path()); }
};

// An exclusive advisory lock on a file (flock(2)), held until destroyed. The
// kernel drops it when the process dies, so a crash never leaves it stuck.
class FileLock {
 public:
  virtual ~FileLock() = default;
  virtual const std::string& path() const = 0;
};

enum class LockMode {
  kWait,  // block until the lock is free
  kTry,   // Unavailable at once when another holder has it
};

struct DirEntry {
  std::string name;
  bool is_dir = false;
  uint64_t size = 0;
};

// Thread-safe. Default() is the real POSIX file system; tests wrap it with
// FaultInjectingFileSystem (fault_fs.h).
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  static FileSystem& Default();

  // Creates or truncates.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens for appending, keeping existing bytes.
  virtual Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Opens an existing file for positional reads. The base implementation
  // reports "not supported" so that older FileSystem subclasses still build.
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path);
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Atomically swaps two existing paths (renameat2 RENAME_EXCHANGE): readers see
  // one or the other at every instant. kInvalidArgument where the file system
  // cannot (callers then fall back to two renames).
  virtual Status RenameExchange(const std::string& a, const std::string& b);
  virtual Status Remove(const std::string& path) = 0;
  // Recursive remove; missing is fine.
  virtual Status RemoveAll(const std::string& path) = 0;
  // mkdir -p.
  virtual Status CreateDirs(const std::string& path) = 0;
  // fsyncs a directory so that renames and creations in it are durable.
  virtual Status SyncDir(const std::string& path) = 0;
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Creates `path` (mode 0644) when it is missing and takes an exclusive lock
  // on it; two FileLocks on one path exclude each other, in one process or
  // two. Errors name the path ("open <path>: ...", "flock <path>: ..."); with
  // kTry a lock held elsewhere is Unavailable.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, LockMode mode) = 0;
};

// Directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string DirName(std::string_view path);
// Last part of a path.
std::string BaseName(std::string_view path);
// a + "/" + b, without doubling slashes.
std::string JoinPath(std::string_view a, std::string_view b);

// Writes `data` to `path` so that readers see either the old file or the whole
// new one: writes ".<name>.tmp" beside it, fsyncs, renames over, fsyncs the dir.
Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data);

}  // namespace evpipe::io
