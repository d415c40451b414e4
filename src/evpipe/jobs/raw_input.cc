// Raw dates, raw files and memory maps.
#include "evpipe/jobs/raw_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace evpipe::jobs {
namespace {

constexpr std::string_view kDatePrefix = "ingest_date=";
constexpr std::string_view kRawSuffix = ".ndjson";

int Digits(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

bool IsValidDate(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  const int y = Digits(date, 0, 4);
  const int m = Digits(date, 5, 2);
  const int d = Digits(date, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int max_day = m == 2 && leap ? 29 : kDays[m - 1];
  return d <= max_day;
}

void DateBoundsMicros(std::string_view date, int64_t* begin_us, int64_t* end_us) {
  const int64_t days = DaysFromCivil(Digits(date, 0, 4), static_cast<unsigned>(Digits(date, 5, 2)),
                                     static_cast<unsigned>(Digits(date, 8, 2)));
  constexpr int64_t kDayUs = 86400LL * 1000000LL;
  *begin_us = days * kDayUs;
  *end_us = *begin_us + kDayUs - 1;
}

std::string DatePartitionDir(std::string_view root, std::string_view topic, std::string_view date) {
  std::string part(kDatePrefix);
  part += date;
  return io::JoinPath(io::JoinPath(root, topic), part);
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
    if (!e.is_dir || e.name.rfind(kDatePrefix, 0) != 0) continue;
    std::string date = e.name.substr(kDatePrefix.size());
    if (IsValidDate(date)) out.push_back(std::move(date));
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
