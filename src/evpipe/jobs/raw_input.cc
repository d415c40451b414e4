// Raw dates, raw files and memory maps.
#include "evpipe/jobs/raw_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"

namespace evpipe::jobs {
namespace {

constexpr std::string_view kRawSuffix = ".ndjson";

}  // namespace

uint64_t RawDataStart(std::string_view data) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  return data.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
}

Result<std::vector<RawFile>> ListRawFiles(io::FileSystem& fs, const std::string& date_dir) {
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> entries, fs.ListDir(date_dir));
  std::vector<RawFile> out;
  for (io::DirEntry& e : entries) {
    if (e.is_dir || e.name.empty() || e.name[0] == '.') continue;
    if (e.name.size() <= kRawSuffix.size() ||
        std::string_view(e.name).substr(e.name.size() - kRawSuffix.size()) != kRawSuffix) {
      continue;
    }
    RawFile f;
    f.path = io::JoinPath(date_dir, e.name);
    f.name = std::move(e.name);
    f.size = e.size;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const RawFile& a, const RawFile& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<std::string>> ListRawDates(io::FileSystem& fs, std::string_view raw_root,
                                              std::string_view topic) {
  const std::string topic_dir = io::JoinPath(raw_root, topic);
  EVPIPE_ASSIGN_OR_RETURN(std::vector<io::DirEntry> entries, fs.ListDir(topic_dir));
  std::vector<std::string> out;
  for (const io::DirEntry& e : entries) {
    std::optional<std::string_view> date = io::DateOfPartitionName(e.name);
    if (e.is_dir && date && event::ParseDate(*date).ok()) out.emplace_back(*date);
  }
  std::sort(out.begin(), out.end());
  return out;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno("stat " + path, err);
  }
  MappedFile file;
  file.size_ = static_cast<uint64_t>(st.st_size);
  if (file.size_ > 0) {
    void* p = ::mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno("mmap " + path, err);
    }
    ::madvise(p, file.size_, MADV_SEQUENTIAL);
    file.data_ = static_cast<const char*>(p);
  }
  ::close(fd);
  return file;
}

void MappedFile::Release(uint64_t begin, uint64_t end) const {
  if (data_ == nullptr) return;
  static const uint64_t kPage = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  end = std::min(end, size_);
  const uint64_t first = (begin + kPage - 1) / kPage * kPage;  // whole pages only
  uint64_t last = end / kPage * kPage;
  if (end == size_) last = end;  // the tail page belongs to no one else
  if (last <= first) return;
  ::madvise(const_cast<char*>(data_) + first, last - first, MADV_DONTNEED);
}

}  // namespace evpipe::jobs
