// Compresses data pages on worker threads while the caller keeps encoding
// (WriterOptions::compression_threads). Output bytes do not depend on it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/parquet/compression.h"
#include "evpipe/parquet/metadata.h"

namespace evpipe::parquet {

// One data page to finish: compress `body`, then write header + compressed
// bytes to *out. `out` must stay valid (and untouched by the caller) until Wait().
struct PageTask {
  PageHeader header;          // sizes are filled in by the worker
  EncodedStatistics stats;    // used when has_stats
  bool has_stats = false;
  std::string body;           // uncompressed; recycled through TakeBuffer()
  std::string* out = nullptr;
  int64_t* uncompressed_out = nullptr;  // += header + body bytes
};

// Appends the page header (with sizes) and the stored bytes to *out.
void AppendEncodedPage(PageHeader header, const EncodedStatistics* stats, size_t uncompressed_size,
                       std::string_view stored, std::string* header_scratch, std::string* out);

// Owned by one FileWriter; Submit/Wait/TakeBuffer are called from the
// writer's thread only; the workers run tasks in any order (each task writes
// only its own output). The destructor stops and joins the workers.
class PagePool {
 public:
  static Result<std::unique_ptr<PagePool>> Make(Codec codec, int zstd_level, int threads);
  ~PagePool();
  PagePool(const PagePool&) = delete;
  PagePool& operator=(const PagePool&) = delete;

  // Queues a task; blocks while too many pages are in flight (bounds memory).
  void Submit(PageTask task);
  // Returns when every submitted task is done: the first error, if any (sticky).
  Status Wait();
  // An empty string with capacity, from a finished task's body if one is free.
  std::string TakeBuffer();

 private:
  PagePool() = default;
  void Run(Compressor* compressor);

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<PageTask> queue_;
  size_t in_flight_ = 0;  // queued + running
  size_t max_in_flight_ = 0;
  bool stop_ = false;
  Status error_;
  std::vector<std::string> free_;
  std::vector<std::unique_ptr<Compressor>> compressors_;
  std::vector<std::thread> threads_;
};

}  // namespace evpipe::parquet
