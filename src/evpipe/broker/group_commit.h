// The broker's group commit, off the I/O thread.
//
// SyncPool: a fixed pool of threads (at most kSyncThreads, started as rounds
// need them) syncs the partitions one round names, then the round's callback
// runs on the I/O thread (posted to its io_context). Up to kMaxSyncRounds
// rounds are in flight: while one fsyncs a partition, the next one's sync of
// that partition waits inside PartitionLog::Sync (one fsync per partition at
// a time) and starts the moment the first ends, covering everything appended
// until then. So a partition is fsynced back to back while data arrives, with
// no trip through the I/O thread between two fsyncs.
//
// SyncWaiters: the acks=all produces waiting for the group commit. Each is
// answered once every partition it wrote is durable up to the offset its
// append reached (PartitionLog::durable_offset, which only a successful fsync
// moves), whichever round made it so; after a failed round, every produce not
// yet durable fails. So a produce waits for the rest of the running fsync
// and the one after it at most, never for a whole round it missed.
// Internal to the broker module.
#pragma once

#include <asio.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "evpipe/broker/log_store.h"
#include "evpipe/broker/metrics.h"
#include "evpipe/core/status.h"

namespace evpipe::broker {

inline constexpr size_t kSyncThreads = 16;
inline constexpr int kMaxSyncRounds = 2;

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
  ~SyncPool();  // waits for the running rounds' fsyncs; their callbacks are dropped
  SyncPool(const SyncPool&) = delete;
  SyncPool& operator=(const SyncPool&) = delete;

  // Starts a round; only when !full(). Called on the I/O thread.
  void Start(std::vector<Target> targets, Done done);
  // From Start until the round's callback has run (I/O thread only).
  bool busy() const { return in_flight_ > 0; }
  bool full() const { return in_flight_ >= kMaxSyncRounds; }
  // Blocks until the running rounds' fsyncs are over (their callbacks are
  // still posted), e.g. before a topic's logs are deleted. No round starts
  // meanwhile: only the I/O thread starts them.
  void Wait();

 private:
  struct Round {
    std::vector<Target> targets;
    size_t remaining = 0;  // targets not finished
    Status status;
    Done done;
  };
  void Work();

  asio::io_context& io_;
  Metrics* metrics_;
  int in_flight_ = 0;  // I/O thread only

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::vector<std::thread> threads_;
  std::deque<std::pair<std::shared_ptr<Round>, size_t>> queue_;  // targets not taken yet
  size_t unfinished_ = 0;  // targets of every round not finished
  bool stop_ = false;
};

class SyncWaiters {
 public:
  struct Need {
    std::string topic;
    PartitionLog* log = nullptr;  // valid until ForgetTopic(topic)
    int64_t offset = 0;           // durable_offset() must reach it
  };
  using Answer = std::function<void(const Status&)>;

  // Answers at once when every need is met already (or there is none).
  void Add(std::vector<Need> needs, Answer answer);
  // Answers every waiter whose needs are met; when `round` failed, every
  // other waiter too, with that failure.
  void Release(const Status& round);
  // Before a topic's logs go: its needs are dropped (the next Release
  // answers a waiter left with none).
  void ForgetTopic(const std::string& topic);
  bool empty() const { return waiters_.empty(); }

 private:
  static bool Met(const std::vector<Need>& needs);
  struct Waiter {
    std::vector<Need> needs;
    Answer answer;
  };
  std::deque<Waiter> waiters_;
};

}  // namespace evpipe::broker
