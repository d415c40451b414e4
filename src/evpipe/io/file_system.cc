// The POSIX file system and path helpers.
#include "evpipe/io/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

namespace evpipe::io {
namespace {

constexpr size_t kWriteBufferBytes = 1 << 20;
// After a flush, a buffer with more capacity than this is released (security
// audit finding 9: 2000 partitions each kept a 1 MiB buffer resident).
constexpr size_t kWriteBufferKeepBytes = 64 << 10;

Status ErrnoStatus(std::string_view op, const std::string& path, int err) {
  std::string what(op);
  what += ' ';
  what += path;
  return Status::FromErrno(what, err);
}

// Writes every byte of the pieces with writev(2), continuing after short writes.
Status WriteVAll(int fd, struct iovec* iov, int count, const std::string& path) {
  while (count > 0) {
    ssize_t w = ::writev(fd, iov, count);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    auto left = static_cast<size_t>(w);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return Status::Ok();
}

Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    size_ += data.size();
    if (buffer_.size() + data.size() > kWriteBufferBytes) {
      // Written out but kept: a file appended past the buffer fills it again
      // (growing it anew each time cost a copy of every byte). Flush() releases it.
      EVPIPE_RETURN_IF_ERROR(WriteBuffered());
      if (data.size() >= kWriteBufferBytes) return WriteAll(fd_, data.data(), data.size(), path_);
    }
    buffer_.append(data);
    return Status::Ok();
  }

  Status Flush() override {
    Status s = WriteBuffered();
    if (buffer_.capacity() > kWriteBufferKeepBytes) std::string().swap(buffer_);
    return s;
  }

  Status AppendAndFlush(std::string_view a, std::string_view b) override {
    struct iovec iov[3];
    int n = 0;
    for (std::string_view piece : {std::string_view(buffer_), a, b}) {
      if (piece.empty()) continue;
      iov[n].iov_base = const_cast<char*>(piece.data());
      iov[n].iov_len = piece.size();
      ++n;
    }
    size_ += a.size() + b.size();
    Status s = WriteVAll(fd_, iov, n, path_);
    buffer_.clear();
    if (buffer_.capacity() > kWriteBufferKeepBytes) std::string().swap(buffer_);
    return s;
  }

  Status Sync() override {
    EVPIPE_RETURN_IF_ERROR(Flush());
    if (::fsync(fd_) != 0) return ErrnoStatus("fsync", path_, errno);
    return Status::Ok();
  }

  Status StartWriteback() override {
    if (fd_ < 0) return Status::Ok();
    EVPIPE_RETURN_IF_ERROR(WriteBuffered());  // keeps the buffer: the file is still being written
    if (size_ <= writeback_from_) return Status::Ok();
    if (::sync_file_range(fd_, static_cast<off_t>(writeback_from_), static_cast<off_t>(size_ - writeback_from_),
                          SYNC_FILE_RANGE_WRITE) != 0) {
      return ErrnoStatus("sync_file_range", path_, errno);
    }
    writeback_from_ = size_;
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = ErrnoStatus("close", path_, errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  // Hands the buffered bytes to the kernel; the buffer keeps its capacity.
  Status WriteBuffered() {
    if (buffer_.empty()) return Status::Ok();
    Status s = WriteAll(fd_, buffer_.data(), buffer_.size(), path_);
    buffer_.clear();
    return s;
  }

  int fd_;
  std::string path_;
  uint64_t size_;
  uint64_t writeback_from_ = 0;  // StartWriteback covered the bytes before this
  std::string buffer_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Result<size_t> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read", path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }
  const std::string& path() const override { return path_; }
  int fd() const override { return fd_; }
  Status Sync() override {
    if (::fsync(fd_) != 0) return ErrnoStatus("fsync", path_, errno);
    return Status::Ok();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFileLock() override { ::close(fd_); }
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;
  const std::string& path() const override { return path_; }

 private:
  const int fd_;
  const std::string path_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::NotFound("no such file: " + path);
      return ErrnoStatus("open", path, errno);
    }
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(fd, path));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path, 0));
  }

  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("stat", path, err);
    }
    return std::unique_ptr<WritableFile>(
        new PosixWritableFile(fd, path, static_cast<uint64_t>(st.st_size)));
  }

  Result<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::NotFound("no such file: " + path);
      return ErrnoStatus("open", path, errno);
    }
    std::string out;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
    char buf[1 << 16];
    for (;;) {
      ssize_t r = ::read(fd, buf, sizeof buf);
      if (r < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return ErrnoStatus("read", path, err);
      }
      if (r == 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    ::close(fd);
    return out;
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from + " -> " + to, errno);
    return Status::Ok();
  }

  Status RenameExchange(const std::string& a, const std::string& b) override {
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
      int err = errno;
      if (err == EINVAL || err == ENOSYS) {
        return Status::InvalidArgument("rename exchange not supported here: " + a + " <-> " + b);
      }
      return ErrnoStatus("rename exchange", a + " <-> " + b, err);
    }
    return Status::Ok();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
    return Status::Ok();
  }

  Status RemoveAll(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return Status::IoError("remove " + path + ": " + ec.message());
    return Status::Ok();
  }

  Status CreateDirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return Status::IoError("mkdir " + path + ": " + ec.message());
    return Status::Ok();
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open dir", path, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus("fsync dir", path, err);
    return Status::Ok();
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      if (errno == ENOENT) return Status::NotFound("no such directory: " + path);
      return ErrnoStatus("opendir", path, errno);
    }
    std::vector<DirEntry> out;
    while (struct dirent* e = ::readdir(dir)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      DirEntry entry;
      entry.name = e->d_name;
      struct stat st {};
      if (::stat(JoinPath(path, entry.name).c_str(), &st) == 0) {
        entry.is_dir = S_ISDIR(st.st_mode);
        entry.size = static_cast<uint64_t>(st.st_size);
      }
      out.push_back(std::move(entry));
    }
    ::closedir(dir);
    return out;
  }

  bool Exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return ErrnoStatus("truncate", path, errno);
    return Status::Ok();
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, LockMode mode) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    const int op = mode == LockMode::kTry ? LOCK_EX | LOCK_NB : LOCK_EX;
    while (::flock(fd, op) != 0) {
      const int err = errno;
      if (err == EINTR) continue;
      ::close(fd);
      if (err == EWOULDBLOCK) return Status::Unavailable(path + " is locked by another holder");
      return ErrnoStatus("flock", path, err);
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd, path));
  }
};

}  // namespace

Status FileSystem::RenameExchange(const std::string& a, const std::string& b) {
  return Status::InvalidArgument("rename exchange not supported by this file system: " + a + " <-> " + b);
}

Status WritableFile::AppendAndFlush(std::string_view a, std::string_view b) {
  EVPIPE_RETURN_IF_ERROR(Append(a));
  EVPIPE_RETURN_IF_ERROR(Append(b));
  return Flush();
}

Result<std::unique_ptr<RandomAccessFile>> FileSystem::NewRandomAccessFile(const std::string& path) {
  return Status::Internal("random access reads not supported by this file system: " + path);
}

FileSystem& FileSystem::Default() {
  static PosixFileSystem fs;
  return fs;
}

std::string DirName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data) {
  const std::string dir = DirName(path);
  const std::string tmp = JoinPath(dir, "." + BaseName(path) + ".tmp");
  {
    EVPIPE_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(tmp));
    EVPIPE_RETURN_IF_ERROR(file->Append(data));
    EVPIPE_RETURN_IF_ERROR(file->Sync());
    EVPIPE_RETURN_IF_ERROR(file->Close());
  }
  EVPIPE_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(dir);
}

}  // namespace evpipe::io
