// The fixed fsync pool of the group commit (see group_commit.h).
#include "evpipe/broker/group_commit.h"

#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {

SyncPool::~SyncPool() {
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [this] { return remaining_ == 0; });
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void SyncPool::Start(std::vector<Target> targets, Done done) {
  busy_ = true;
  if (targets.empty()) {
    asio::post(io_, [this, done = std::move(done)] {
      busy_ = false;
      done(Status::Ok());
    });
    return;
  }
  size_t want = std::min(targets.size(), kSyncThreads);
  {
    std::lock_guard lock(mu_);
    targets_ = std::move(targets);
    next_ = 0;
    remaining_ = targets_.size();
    status_ = Status::Ok();
    done_ = std::move(done);
    while (threads_.size() < want) threads_.emplace_back([this] { Work(); });
  }
  work_cv_.notify_all();
}

void SyncPool::Wait() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return remaining_ == 0; });
}

void SyncPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return stop_ || next_ < targets_.size(); });
    if (stop_) return;
    Target t = targets_[next_++];
    lock.unlock();
    int64_t start = MonotonicMicros();
    Status s = t.log->Sync();
    metrics_->RecordFsync(static_cast<uint64_t>(MonotonicMicros() - start));
    if (!s.ok()) log::Error("topic={} partition={}: sync failed: {}", t.topic, t.partition, s.ToString());
    lock.lock();
    if (!s.ok() && status_.ok()) status_ = s;
    if (--remaining_ == 0) {
      targets_.clear();
      next_ = 0;
      asio::post(io_, [this, done = std::move(done_), status = status_] {
        busy_ = false;
        done(status);
      });
      done_ = nullptr;
      idle_cv_.notify_all();
    }
  }
}

}  // namespace evpipe::broker
