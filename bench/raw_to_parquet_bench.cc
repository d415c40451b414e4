// Micro benchmark: ConvertDate on a synthetic date (rows/s and input bytes/s),
// for 1 and 2 parse threads. The side-by-side with DuckDB is bench/cases/raw_to_parquet.py.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "evpipe/event/event.h"
#include "evpipe/jobs/raw_input.h"
#include "evpipe/jobs/raw_to_parquet.h"

namespace evpipe::jobs {
namespace {

constexpr int kRows = 40000;

struct Fixture {
  std::string root;
  uint64_t bytes = 0;
  Fixture() {
    std::string templ = (std::filesystem::temp_directory_path() / "evpipe-bench-XXXXXX").string();
    root = ::mkdtemp(templ.data());
    const std::string dir = io::DatePartitionDir(root + "/raw", "events", "2026-02-05");
    (void)io::FileSystem::Default().CreateDirs(dir);
    std::string text;
    event::Event e;
    for (int i = 0; i < kRows; ++i) {
      e.event_id = "0000-" + std::to_string(i % 20 == 19 ? i - 3 : i);
      e.event_type = i % 3 ? "order_created" : "payment_authorized";
      e.event_time_us = 1770249600000000LL + (i * 7919LL % 86400) * 1000000LL;
      e.ingest_time_us = 1770249600000000LL + i * 1000LL;
      e.tenant_id = "tenant-" + std::to_string(i % 7);
      e.user_id = "user-" + std::to_string(i % 5000);
      e.session_id = "session-" + std::to_string(i / 4);
      e.source_system = "sim";
      e.environment = "bench";
      e.payload = "{\"order_id\":\"o-" + std::to_string(i / 3) + "\",\"amount\":" + std::to_string(i % 1000) +
                  ".25,\"currency\":\"EUR\",\"items\":[{\"sku\":\"sku-" + std::to_string(i % 97) + "\",\"qty\":2}]}";
      event::SetChecksum(&e);
      event::EncodeLine(e, &text);
      text += '\n';
    }
    bytes = text.size();
    (void)io::WriteFileAtomically(io::FileSystem::Default(), dir + "/part-00000.ndjson", text);
  }
  ~Fixture() { std::filesystem::remove_all(root); }
};

void BM_ConvertDate(benchmark::State& state) {
  static Fixture fixture;
  Options opt;
  opt.raw_dir = fixture.root + "/raw";
  opt.parquet_dir = fixture.root + "/parquet";
  opt.quarantine_dir = fixture.root + "/quarantine";
  opt.threads = static_cast<int>(state.range(0));
  opt.progress = false;
  for (auto _ : state) {
    auto r = ConvertDate(io::FileSystem::Default(), opt, "2026-02-05");
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(fixture.bytes));
}
BENCHMARK(BM_ConvertDate)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace evpipe::jobs

BENCHMARK_MAIN();
