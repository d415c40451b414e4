// Broker storage throughput: append (+ group-commit fsync), sequential reads, CRC-32C.
// Data goes to $TMPDIR (default /tmp): run it on the disk the broker will use.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>

#include "evpipe/broker/batch/crc32c.h"
#include "evpipe/broker/storage/partition_log.h"
#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/storage/store.h"
#include "support/record_batch_builder.h"

namespace {

namespace rb = evpipe::broker::batch;
namespace st = evpipe::broker::storage;

std::string BenchDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("evpipe-storage-bench-" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

// A batch of about `bytes`, of 100-byte values (like librdkafka's batches of events).
std::string MakeBatch(int64_t bytes) {
  int n = static_cast<int>(std::max<int64_t>(1, bytes / 120));
  return evpipe::testing::BuildSimpleBatch(n, std::string(100, 'e'));
}

std::unique_ptr<st::PartitionLog> OpenOrDie(const std::string& dir) {
  st::LogOptions o;
  o.retention_bytes = int64_t{512} << 20;
  auto log = st::PartitionLog::Open(evpipe::io::FileSystem::Default(), dir, o, "bench-0");
  if (!log.ok()) std::abort();
  return std::move(log).value();
}

// Append batches; Sync after every `range(1)` appends (0: never), like the broker's group commit.
void BM_AppendSync(benchmark::State& state) {
  const std::string dir = BenchDir("append");
  auto log = OpenOrDie(dir);
  const std::string batch = MakeBatch(state.range(0));
  const int64_t per_sync = state.range(1);
  int64_t n = 0;
  for (auto _ : state) {
    auto r = log->Append(batch);
    if (!r.ok() || r->error != st::AppendError::kNone) state.SkipWithError("append failed");
    if (per_sync > 0 && ++n % per_sync == 0 && !log->Sync().ok()) state.SkipWithError("sync failed");
    if (log->size_bytes() > (int64_t{512} << 20)) {
      state.PauseTiming();
      (void)log->ApplyRetention(0);
      state.ResumeTiming();
    }
  }
  if (per_sync > 0) (void)log->Sync();
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  state.counters["fsyncs"] = benchmark::Counter(static_cast<double>(log->counters().fsyncs.load()),
                                                benchmark::Counter::kIsRate);
  state.counters["fsync_us"] = log->counters().fsyncs.load() == 0
                                   ? 0.0
                                   : static_cast<double>(log->counters().fsync_micros.load()) /
                                         static_cast<double>(log->counters().fsyncs.load());
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendSync)
    ->ArgNames({"batch_bytes", "appends_per_fsync"})
    ->Args({16 << 10, 0})
    ->Args({16 << 10, 1})
    ->Args({16 << 10, 16})
    ->Args({256 << 10, 1})
    ->Args({1 << 10, 64})
    ->UseRealTime();

// Sequential Fetch-like reads of `range(0)` bytes over 64 MiB of 16 KiB batches.
void BM_ReadSequential(benchmark::State& state) {
  const std::string dir = BenchDir("read");
  auto log = OpenOrDie(dir);
  const std::string batch = MakeBatch(16 << 10);
  while (log->size_bytes() < (int64_t{64} << 20)) (void)log->Append(batch);
  (void)log->Sync();
  const int32_t max_bytes = static_cast<int32_t>(state.range(0));
  int64_t next = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    auto data = log->Read(next, max_bytes);
    if (!data.ok()) state.SkipWithError("read failed");
    bytes += static_cast<int64_t>(data->size());
    next = log->high_watermark();
    // Find the offset after what was returned: the last batch's last offset + 1.
    if (!data->empty()) {
      std::string_view d = *data;
      int64_t last = 0;
      while (!d.empty()) {
        rb::BatchHeader h = rb::DecodeBatchHeader(d.data());
        last = h.last_offset();
        d.remove_prefix(static_cast<size_t>(h.total_bytes()));
      }
      next = last + 1;
    }
    if (next >= log->high_watermark()) next = 0;
    benchmark::DoNotOptimize(data);
  }
  state.SetBytesProcessed(bytes);
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ReadSequential)->Arg(64 << 10)->Arg(1 << 20)->UseRealTime();

// One group commit round: a 16 KiB batch to each of range(0) partitions, then
// fsync them all, in parallel (Store::SyncAll, range(1) = 1) or one by one.
void BM_GroupCommit(benchmark::State& state) {
  const std::string dir = BenchDir("group");
  auto store = st::Store::Open(evpipe::io::FileSystem::Default(), dir);
  if (!store.ok() || !(*store)->CreateTopic("bench", static_cast<int32_t>(state.range(0))).ok()) std::abort();
  const std::string batch = MakeBatch(16 << 10);
  auto logs = (*store)->AllPartitions();
  for (auto _ : state) {
    for (auto& log : logs) (void)log->Append(batch);
    if (state.range(1) == 1) {
      if (!(*store)->SyncAll().ok()) state.SkipWithError("sync failed");
    } else {
      for (auto& log : logs) {
        if (!log->Sync().ok()) state.SkipWithError("sync failed");
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size() * logs.size()));
  state.SetLabel(state.range(1) == 1 ? "parallel" : "serial");
  logs.clear();
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_GroupCommit)->ArgNames({"partitions", "parallel"})->Args({3, 0})->Args({3, 1})->UseRealTime();

void BM_Crc32c(benchmark::State& state) {
  std::string data(64 << 10, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131);
  for (auto _ : state) {
    uint32_t c = state.range(0) == 1 ? rb::Crc32cExtend(0, data.data(), data.size())
                                     : rb::Crc32cPortable(0, data.data(), data.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.SetLabel(state.range(0) == 1 ? (rb::Crc32cHardware() ? "sse4.2" : "portable") : "slicing-by-8");
}
BENCHMARK(BM_Crc32c)->Arg(1)->Arg(0);

}  // namespace

BENCHMARK_MAIN();
