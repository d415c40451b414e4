// The fsync pool and the waiting produces of the group commit (see group_commit.h).
#include "evpipe/broker/group_commit.h"

#include <algorithm>

#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {

SyncPool::~SyncPool() {
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [this] { return unfinished_ == 0; });
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void SyncPool::Start(std::vector<Target> targets, Done done) {
  ++in_flight_;
  if (targets.empty()) {
    asio::post(io_, [this, done = std::move(done)] {
      --in_flight_;
      done(Status::Ok());
    });
    return;
  }
  auto round = std::make_shared<Round>();
  round->remaining = targets.size();
  round->targets = std::move(targets);
  round->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < round->targets.size(); ++i) queue_.emplace_back(round, i);
    unfinished_ += round->targets.size();
    // A thread per unfinished target: the next round's wait for a partition's
    // running fsync must not hold up its other partitions.
    size_t want = std::min(unfinished_, kSyncThreads);
    while (threads_.size() < want) threads_.emplace_back([this] { Work(); });
  }
  work_cv_.notify_all();
}

void SyncPool::Wait() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return unfinished_ == 0; });
}

void SyncPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto [round, index] = std::move(queue_.front());
    queue_.pop_front();
    const Target& t = round->targets[index];
    lock.unlock();
    int64_t start = MonotonicMicros();
    Status s = t.log->Sync();
    metrics_->RecordFsync(static_cast<uint64_t>(MonotonicMicros() - start));
    if (!s.ok()) log::Error("topic={} partition={}: sync failed: {}", t.topic, t.partition, s.ToString());
    lock.lock();
    if (!s.ok() && round->status.ok()) round->status = s;
    if (--round->remaining == 0) {
      asio::post(io_, [this, done = std::move(round->done), status = round->status] {
        --in_flight_;
        done(status);
      });
    }
    if (--unfinished_ == 0) idle_cv_.notify_all();
  }
}

bool SyncWaiters::Met(const std::vector<Need>& needs) {
  return std::all_of(needs.begin(), needs.end(), [](const Need& n) { return n.log->durable_offset() >= n.offset; });
}

void SyncWaiters::Add(std::vector<Need> needs, Answer answer) {
  if (Met(needs)) return answer(Status::Ok());
  waiters_.push_back({std::move(needs), std::move(answer)});
}

void SyncWaiters::Release(const Status& round) {
  if (waiters_.empty()) return;
  // Answers run after the list is settled: an answer may add a waiter.
  std::vector<std::pair<Answer, Status>> ready;
  std::deque<Waiter> still;
  for (Waiter& w : waiters_) {
    if (Met(w.needs)) {
      ready.emplace_back(std::move(w.answer), Status::Ok());
    } else if (!round.ok()) {
      ready.emplace_back(std::move(w.answer), round);
    } else {
      still.push_back(std::move(w));
    }
  }
  waiters_ = std::move(still);
  for (auto& [answer, status] : ready) answer(status);
}

void SyncWaiters::ForgetTopic(const std::string& topic) {
  for (Waiter& w : waiters_) std::erase_if(w.needs, [&](const Need& n) { return n.topic == topic; });
}

}  // namespace evpipe::broker
