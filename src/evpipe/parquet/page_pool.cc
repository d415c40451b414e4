// Worker threads that compress pages (see page_pool.h).
#include "evpipe/parquet/page_pool.h"

namespace evpipe::parquet {

void AppendEncodedPage(PageHeader header, const EncodedStatistics* stats, size_t uncompressed_size,
                       std::string_view stored, std::string* header_scratch, std::string* out) {
  header.uncompressed_size = static_cast<int32_t>(uncompressed_size);
  header.compressed_size = static_cast<int32_t>(stored.size());
  header.statistics = stats;
  header_scratch->clear();
  SerializePageHeader(header, header_scratch);
  out->append(*header_scratch);
  out->append(stored);
}

Result<std::unique_ptr<PagePool>> PagePool::Make(Codec codec, int zstd_level, int threads) {
  std::unique_ptr<PagePool> pool(new PagePool());
  pool->max_in_flight_ = 2 * static_cast<size_t>(threads) + 2;
  for (int i = 0; i < threads; ++i) {
    EVPIPE_ASSIGN_OR_RETURN(auto c, Compressor::Make(codec, zstd_level));
    pool->compressors_.push_back(std::move(c));
  }
  for (auto& c : pool->compressors_) {
    Compressor* raw = c.get();
    pool->threads_.emplace_back([p = pool.get(), raw] { p->Run(raw); });
  }
  return pool;
}

PagePool::~PagePool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void PagePool::Submit(PageTask task) {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return in_flight_ < max_in_flight_; });
  ++in_flight_;
  queue_.push_back(std::move(task));
  lock.unlock();
  work_cv_.notify_one();
}

Status PagePool::Wait() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return in_flight_ == 0; });
  return error_;
}

std::string PagePool::TakeBuffer() {
  std::lock_guard lock(mu_);
  if (free_.empty()) return {};
  std::string s = std::move(free_.back());
  free_.pop_back();
  s.clear();
  return s;
}

void PagePool::Run(Compressor* compressor) {
  std::string header_scratch;
  for (;;) {
    PageTask task;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // A thread entry point: nothing may escape it.
    Status s;
    try {
      std::string_view stored;
      s = compressor->Compress(task.body, &stored);
      if (s.ok()) {
        AppendEncodedPage(task.header, task.has_stats ? &task.stats : nullptr, task.body.size(), stored,
                          &header_scratch, task.out);
        *task.uncompressed_out += static_cast<int64_t>(header_scratch.size() + task.body.size());
      }
    } catch (const std::exception& e) {
      s = Status::Internal(std::string("page compression: ") + e.what());
    }
    {
      std::lock_guard lock(mu_);
      if (!s.ok() && error_.ok()) error_ = s;
      free_.push_back(std::move(task.body));
      --in_flight_;
    }
    done_cv_.notify_all();
  }
}

}  // namespace evpipe::parquet
