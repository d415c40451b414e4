// SyncAll: concurrent fsyncs of files and directories.
#include "evpipe/io/sync_all.h"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

namespace evpipe::io {

Status SyncAll(FileSystem& fs, const std::vector<std::string>& dirs, const std::vector<WritableFile*>& files) {
  constexpr size_t kThreads = 8;
  const size_t n = dirs.size() + files.size();
  std::vector<Status> results(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      results[i] = i < dirs.size() ? fs.SyncDir(dirs[i]) : files[i - dirs.size()]->Sync();
    }
  };
  std::vector<std::thread> pool;
  try {
    for (size_t t = 1; t < std::min(kThreads, n); ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {
    // No thread to spare: the threads already started (or this one alone) do the rest.
  }
  work();
  for (std::thread& t : pool) t.join();
  for (const Status& s : results) EVPIPE_RETURN_IF_ERROR(s);
  return Status::Ok();
}

}  // namespace evpipe::io
