// The input side of `evpipe produce`: pooled read blocks that librdkafka
// sends from without a copy (BlockPool), the chunks of lines passed from the
// reading or simulating thread to the producing one (LineChunk, LineQueue),
// and the line reader for --from (ForEachLine). Internal to cmd_produce.cc.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::cli::produce_input {

constexpr size_t kReadChunk = 4 << 20;  // input is read in 4 MiB pieces

// Read buffers handed to librdkafka without a copy: each holds one reference
// per record produced from it, plus the reader's while it parses it (and one
// per queued chunk of lines, see LineQueue), and goes back to the pool at the
// last delivery report. The producer's queue window
// (kafka::SizeBatches) bounds how many are in use. Must outlive the
// producer's Flush. Blocks are taken by the reader thread and released by the
// producing thread: the counts are atomic and the free list has a mutex.
class BlockPool {
 public:
  class Block final : public kafka::ValueOwner {
   public:
    explicit Block(BlockPool* pool) : pool_(pool) {}
    void Release() override {
      if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) pool_->Put(this);
    }
    void Hold() { refs_.fetch_add(1, std::memory_order_relaxed); }
    char* data() { return data_.get(); }
    size_t capacity() const { return capacity_; }
    // Makes room for at least n bytes, keeping the first `keep`.
    void Reserve(size_t n, size_t keep) {
      if (n <= capacity_) return;
      auto bigger = std::make_unique<char[]>(n);
      if (keep > 0) std::memcpy(bigger.get(), data_.get(), keep);
      data_ = std::move(bigger);
      capacity_ = n;
    }

   private:
    friend class BlockPool;
    BlockPool* pool_;
    std::unique_ptr<char[]> data_;
    size_t capacity_ = 0;
    std::atomic<int> refs_{0};
  };

  // A block of at least `bytes`, held once (by the caller).
  Block* Get(size_t bytes = kReadChunk) {
    Block* b;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (free_.empty()) {
        all_.push_back(std::make_unique<Block>(this));
        b = all_.back().get();
      } else {
        b = free_.back();
        free_.pop_back();
      }
    }
    b->Reserve(bytes, 0);
    b->refs_.store(1, std::memory_order_relaxed);
    return b;
  }

 private:
  void Put(Block* b) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(b);
  }

  std::mutex mu_;
  std::vector<std::unique_ptr<Block>> all_;  // guarded by mu_
  std::vector<Block*> free_;                 // guarded by mu_
};

// Lines on their way from the thread that reads (ForEachLine) or simulates
// them to the producing thread, with their keys already looked up (except for
// --format json): the lines of one read, or of one simulator batch.
struct LineChunk {
  struct Line {
    std::string_view text;
    uint64_t line_no;
    BlockPool::Block* block;
    int64_t timestamp_ms;  // 0: now
    uint32_t key_at;       // the key is keys.substr(key_at, key_size) when has_key
    uint32_t key_size;
    bool has_key;
  };
  std::vector<Line> lines;
  std::string keys;
  std::vector<BlockPool::Block*> holds;  // one reference to each block the lines point into
  uint64_t orders_started = 0;           // the simulator's progress when the chunk was made

  void AddKey(Line* l, std::string_view key) {
    l->key_at = static_cast<uint32_t>(keys.size());
    l->key_size = static_cast<uint32_t>(key.size());
    l->has_key = true;
    keys += key;
  }
  std::optional<std::string_view> KeyOf(const Line& l) const {
    if (!l.has_key) return std::nullopt;
    return std::string_view(keys).substr(l.key_at, l.key_size);
  }

  void ReleaseAndClear() {
    for (BlockPool::Block* b : holds) b->Release();
    lines.clear();
    keys.clear();
    holds.clear();
  }
};

// A bounded queue of chunks from the reader thread (Spare, Push, Close) to the
// producing thread (Pop, Recycle, Cancel), which reuses the chunks' buffers.
class LineQueue {
 public:
  explicit LineQueue(size_t depth) : depth_(depth) {}

  std::unique_ptr<LineChunk> Spare() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return std::make_unique<LineChunk>();
    std::unique_ptr<LineChunk> c = std::move(spare_.back());
    spare_.pop_back();
    return c;
  }
  // Waits while `depth` chunks are queued; false (the chunk dropped, its holds
  // released) once the producing side cancelled.
  bool Push(std::unique_ptr<LineChunk> c) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || queued_.size() < depth_; });
    if (cancelled_) {
      lock.unlock();
      c->ReleaseAndClear();
      return false;
    }
    queued_.push_back(std::move(c));
    cv_.notify_all();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // The next chunk; nullptr when none came within timeout_ms, or (*closed) none ever will.
  std::unique_ptr<LineChunk> Pop(int timeout_ms, bool* closed) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return closed_ || !queued_.empty(); });
    *closed = false;
    if (queued_.empty()) {
      *closed = closed_;
      return nullptr;
    }
    std::unique_ptr<LineChunk> c = std::move(queued_.front());
    queued_.pop_front();
    cv_.notify_all();
    return c;
  }
  void Recycle(std::unique_ptr<LineChunk> c) {
    c->ReleaseAndClear();
    std::lock_guard<std::mutex> lock(mu_);
    spare_.push_back(std::move(c));
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  const size_t depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<LineChunk>> queued_;   // guarded by mu_
  std::vector<std::unique_ptr<LineChunk>> spare_;  // guarded by mu_
  bool closed_ = false;                             // guarded by mu_
  bool cancelled_ = false;                          // guarded by mu_
};

// Calls on_line(line, line_no, block) for each line of `from` (a file, or -
// for stdin), without its '\n', as soon as a read completes it, then
// on_read_done() once the lines of that read are handed out. Lines are
// read into pooled blocks and handed out in place: on_line may Hold the block
// to keep the line's bytes past the call. A block is filled to its end before
// the next one starts (the partial line at its end moves over), so a pipe's
// small reads do not each take a block. Stops early once `stop` is set.
template <typename F, typename G>
Status ForEachLine(const std::string& from, BlockPool& pool, const std::atomic<bool>& stop, F&& on_line,
                   G&& on_read_done) {
  int fd = STDIN_FILENO;
  if (from != "-") {
    fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("--from " + from, errno);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  BlockPool::Block* block = pool.Get();
  size_t have = 0;   // bytes in block
  size_t start = 0;  // the first byte not handed out yet (a partial line from there to have)
  uint64_t line_no = 0;
  Status status;
  bool eof = false;
  while (!eof && !stop && status.ok()) {
    if (have == block->capacity()) {
      if (start == 0) {
        block->Reserve(2 * have, have);  // a line longer than the block; nothing points into it yet
      } else {
        // Lines handed out keep this block alive until their reports.
        BlockPool::Block* next = pool.Get();
        next->Reserve(have - start, 0);
        std::memcpy(next->data(), block->data() + start, have - start);
        have -= start;
        start = 0;
        block->Release();
        block = next;
        continue;  // the carried line may fill the new block too
      }
    }
    ssize_t n = ::read(fd, block->data() + have, block->capacity() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::FromErrno("reading " + from, errno);
      break;
    }
    if (n == 0) eof = true;
    have += static_cast<size_t>(n);
    const char* data = block->data();
    while (status.ok() && !stop) {
      const void* nl = std::memchr(data + start, '\n', have - start);
      size_t end;
      if (nl != nullptr) {
        end = static_cast<size_t>(static_cast<const char*>(nl) - data);
      } else if (eof && start < have) {
        end = have;  // a last line without '\n'
      } else {
        break;
      }
      std::string_view line(data + start, end - start);
      start = std::min(end + 1, have);
      status = on_line(line, ++line_no, block);
    }
    if (status.ok()) status = on_read_done();
  }
  block->Release();
  if (fd != STDIN_FILENO) ::close(fd);
  return status;
}

}  // namespace evpipe::cli::produce_input
