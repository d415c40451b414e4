// The fsync half of the broker's group commit, off the I/O thread: a fixed
// pool of threads (at most kSyncThreads, started as rounds need them) syncs
// the partitions one round touched, then the round's callback runs on the
// I/O thread (posted to its io_context), which answers the acks=all produces
// of that round. One round at a time; produces that arrive meanwhile wait
// for the next round, so the fsync count stays one per partition per round.
// Internal to the broker module.
#pragma once

#include <asio.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "evpipe/broker/log_store.h"
#include "evpipe/broker/metrics.h"
#include "evpipe/core/status.h"

namespace evpipe::broker {

inline constexpr size_t kSyncThreads = 16;

class SyncPool {
 public:
  struct Target {
    std::string topic;
    int32_t partition = 0;
    PartitionLog* log = nullptr;  // must stay valid until the round's fsyncs end (Wait)
  };
  // `done` gets the first failure (or ok) once every target is synced.
  using Done = std::function<void(const Status&)>;

  SyncPool(asio::io_context& io, Metrics* metrics) : io_(io), metrics_(metrics) {}
  ~SyncPool();  // waits for the running round's fsyncs; its callback is dropped
  SyncPool(const SyncPool&) = delete;
  SyncPool& operator=(const SyncPool&) = delete;

  // Starts a round; only when !busy(). Called on the I/O thread.
  void Start(std::vector<Target> targets, Done done);
  // True from Start until the round's callback has run (I/O thread only).
  bool busy() const { return busy_; }
  // Blocks until the running round's fsyncs are over (its callback is still
  // posted), e.g. before a topic's logs are deleted.
  void Wait();

 private:
  void Work();

  asio::io_context& io_;
  Metrics* metrics_;
  bool busy_ = false;  // I/O thread only

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::vector<std::thread> threads_;
  std::vector<Target> targets_;
  size_t next_ = 0;       // next target to take
  size_t remaining_ = 0;  // targets not finished
  Status status_;
  Done done_;
  bool stop_ = false;
};

}  // namespace evpipe::broker
