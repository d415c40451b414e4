// The group commit without sockets: SyncWaiters answers a produce once its
// partitions are durable far enough, and SyncPool runs the next round's fsync
// of a partition the moment the running one's ends, before the I/O thread
// has seen the first round finish. The logs are fakes whose Sync the test
// holds and releases, with the real log's rule of one Sync per partition at
// a time.
#include "evpipe/broker/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace evpipe::broker {
namespace {

class FakeLog final : public PartitionLog {
 public:
  AppendResult Append(std::string_view) override { return {}; }
  Result<std::string> Read(int64_t, int32_t) override { return std::string(); }
  int64_t high_watermark() const override { return hwm.load(); }
  int64_t log_start_offset() const override { return 0; }
  int64_t durable_offset() const override { return durable.load(); }
  Result<OffsetAtTime> OffsetForTimestamp(int64_t) override { return OffsetAtTime{}; }
  int64_t BytesAfter(int64_t) override { return 0; }

  // Like PartitionLog::Sync: one at a time, the target taken when it starts.
  Status Sync() override {
    std::lock_guard one(sync_mu_);
    int64_t target = hwm.load();
    std::unique_lock lock(mu_);
    ++started_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ >= started_; });
    if (!fail.ok()) return fail;
    if (durable.load() < target) durable.store(target);
    return Status::Ok();
  }
  // Blocks until `n` syncs have started (false after 5 s).
  bool WaitStarted(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return started_ >= n; });
  }
  void ReleaseOne() {
    std::lock_guard lock(mu_);
    ++released_;
    cv_.notify_all();
  }
  int started() {
    std::lock_guard lock(mu_);
    return started_;
  }

  std::atomic<int64_t> hwm{0};
  std::atomic<int64_t> durable{0};
  Status fail;

 private:
  std::mutex sync_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  int started_ = 0;
  int released_ = 0;
};

// Runs the io_context until `pred` holds (false after 5 s).
template <typename Pred>
bool RunUntil(asio::io_context& io, Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(SyncWaitersTest, AnswersOnceEveryPartitionIsDurableFarEnough) {
  FakeLog a, b;
  a.hwm = 10;
  b.hwm = 5;
  SyncWaiters w;
  int answered = 0;
  Status got = Status::Internal("not answered");
  w.Add({{"t", &a, 10}, {"t", &b, 5}}, [&](const Status& s) {
    ++answered;
    got = s;
  });
  w.Release(Status::Ok());
  EXPECT_EQ(answered, 0);
  a.durable = 10;
  w.Release(Status::Ok());
  EXPECT_EQ(answered, 0) << "b is not durable yet";
  b.durable = 7;
  w.Release(Status::Ok());
  EXPECT_EQ(answered, 1);
  EXPECT_TRUE(got.ok());
  EXPECT_TRUE(w.empty());
  // Met already: answered at once.
  w.Add({{"t", &a, 10}}, [&](const Status&) { ++answered; });
  w.Add({}, [&](const Status&) { ++answered; });
  EXPECT_EQ(answered, 3);
  EXPECT_TRUE(w.empty());
}

TEST(SyncWaitersTest, AFailedRoundFailsOnlyWhatIsNotDurable) {
  FakeLog a, b;
  a.durable = 3;
  SyncWaiters w;
  Status first = Status::Internal("not answered"), second = Status::Internal("not answered");
  w.Add({{"t", &a, 5}}, [&](const Status& s) { first = s; });
  w.Add({{"t", &b, 2}}, [&](const Status& s) { second = s; });
  b.durable = 2;
  w.Release(Status::IoError("disk"));
  EXPECT_EQ(first.code(), StatusCode::kIoError) << first.ToString();
  EXPECT_TRUE(second.ok()) << "durable before the failure: " << second.ToString();
  EXPECT_TRUE(w.empty());
}

TEST(SyncWaitersTest, ForgetTopicDropsItsNeeds) {
  FakeLog a, b;
  SyncWaiters w;
  int answered = 0;
  w.Add({{"gone", &a, 5}, {"kept", &b, 1}}, [&](const Status&) { ++answered; });
  w.ForgetTopic("gone");
  w.Release(Status::Ok());
  EXPECT_EQ(answered, 0);
  b.durable = 1;
  w.Release(Status::Ok());
  EXPECT_EQ(answered, 1);
}

TEST(SyncPoolTest, TheNextRoundsSyncFollowsTheRunningOneWithoutTheIoThread) {
  asio::io_context io;
  Metrics metrics;
  FakeLog log;
  SyncPool pool(io, &metrics);
  log.hwm = 10;
  int done1 = 0, done2 = 0;
  pool.Start({{"t", 0, &log}}, [&](const Status& s) { done1 += s.ok() ? 1 : 100; });
  ASSERT_TRUE(log.WaitStarted(1));
  log.hwm = 20;  // appended while the first fsync runs
  EXPECT_FALSE(pool.full());
  pool.Start({{"t", 0, &log}}, [&](const Status& s) { done2 += s.ok() ? 1 : 100; });
  EXPECT_TRUE(pool.full());
  EXPECT_TRUE(pool.busy());
  log.hwm = 30;  // appended before the second fsync starts: it covers this too
  log.ReleaseOne();
  // The second sync starts on its own; the io_context has not run.
  ASSERT_TRUE(log.WaitStarted(2));
  EXPECT_EQ(log.durable.load(), 10);
  EXPECT_EQ(done1, 0);
  log.ReleaseOne();
  ASSERT_TRUE(RunUntil(io, [&] { return done1 + done2 == 2; }));
  EXPECT_EQ(done1, 1);
  EXPECT_EQ(done2, 1);
  EXPECT_EQ(log.durable.load(), 30);
  EXPECT_FALSE(pool.busy());
  EXPECT_EQ(log.started(), 2);
  EXPECT_EQ(metrics.fsyncs.load(), 2u);
}

TEST(SyncPoolTest, ARoundReportsTheFailureOfAnyPartition) {
  asio::io_context io;
  Metrics metrics;
  FakeLog good, bad;
  bad.fail = Status::IoError("disk");
  good.hwm = 1;
  bad.hwm = 1;
  SyncPool pool(io, &metrics);
  Status got = Status::Internal("not answered");
  bool answered = false;
  pool.Start({{"t", 0, &good}, {"t", 1, &bad}}, [&](const Status& s) {
    got = s;
    answered = true;
  });
  good.ReleaseOne();
  bad.ReleaseOne();
  ASSERT_TRUE(RunUntil(io, [&] { return answered; }));
  EXPECT_EQ(got.code(), StatusCode::kIoError) << got.ToString();
  EXPECT_EQ(good.durable.load(), 1);
  EXPECT_EQ(bad.durable.load(), 0);
  // An empty round still answers, through the io_context.
  bool empty_done = false;
  pool.Start({}, [&](const Status& s) { empty_done = s.ok(); });
  EXPECT_TRUE(pool.busy());
  ASSERT_TRUE(RunUntil(io, [&] { return empty_done; }));
  EXPECT_FALSE(pool.busy());
}

TEST(SyncPoolTest, WaitReturnsOnceEveryRoundsSyncsAreOver) {
  asio::io_context io;
  Metrics metrics;
  FakeLog a, b;
  a.hwm = 1;
  b.hwm = 1;
  SyncPool pool(io, &metrics);
  pool.Start({{"t", 0, &a}}, [](const Status&) {});
  pool.Start({{"t", 1, &b}}, [](const Status&) {});
  std::atomic<bool> waited{false};
  std::thread waiter([&] {
    pool.Wait();
    waited = true;
  });
  ASSERT_TRUE(a.WaitStarted(1));
  ASSERT_TRUE(b.WaitStarted(1));
  a.ReleaseOne();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(waited.load()) << "b's sync still runs";
  b.ReleaseOne();
  waiter.join();
  EXPECT_TRUE(waited.load());
  EXPECT_EQ(a.durable.load() + b.durable.load(), 2);
  ASSERT_TRUE(RunUntil(io, [&] { return !pool.busy(); }));
}

}  // namespace
}  // namespace evpipe::broker
