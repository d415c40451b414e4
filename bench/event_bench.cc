// Micro benchmarks for the event library and the simulator: parse+validate, encode, checksum, time, simulate.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "evpipe/event/event.h"
#include "evpipe/sim/simulator.h"

namespace {

using namespace evpipe;

// Simulated lines (valid events and duplicates), made once.
const std::vector<std::string>& Lines() {
  static const std::vector<std::string> lines = [] {
    sim::Options o;
    o.orders = 4000;
    sim::Simulator s(o);
    sim::Record r;
    std::vector<std::string> v;
    while (s.Next(&r)) v.push_back(r.line);
    return v;
  }();
  return lines;
}

void BM_ParseLine(benchmark::State& state) {
  const auto& lines = Lines();
  event::LineParser parser;
  event::EventView v;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ % lines.size()];
    auto reason = parser.Parse(line, &v);
    benchmark::DoNotOptimize(reason);
    bytes += static_cast<int64_t>(line.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseLine);

void BM_ExtractKey(benchmark::State& state) {
  const auto& lines = Lines();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(event::ExtractKey(lines[i++ % lines.size()], "order_id"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExtractKey);

void BM_EncodeLine(benchmark::State& state) {
  event::Event e;
  e.event_id = "0b7e4b9a-2f1c-4c59-9a7e-3d2f1e0c9b8a";
  e.event_type = "order_created";
  e.event_time_us = 1770286272123456;
  e.ingest_time_us = 1770286272623456;
  e.tenant_id = "tenant-01";
  e.user_id = "t01-u0000001";
  e.session_id = "sess-0123456789abcdef";
  e.source_system = "web-shop";
  e.environment = "local";
  e.record_source = "evpipe-sim";
  e.payload =
      R"({"order_id":"ORD-00000000001","channel":"web","currency":"EUR","items":[{"sku":"SKU-00001","quantity":2,"unit_price_minor":1999}],"subtotal_minor":3998,"shipping_minor":499,"total_minor":4497})";
  event::SetChecksum(&e);
  std::string out;
  for (auto _ : state) {
    out.clear();
    event::EncodeLine(e, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeLine);

void BM_Sha256Payload(benchmark::State& state) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'x');
  char hex[64];
  for (auto _ : state) {
    event::Sha256HexTo(payload, hex);
    benchmark::DoNotOptimize(hex);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Sha256Payload)->Arg(200)->Arg(4096);

void BM_ParseTimestamp(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(event::ParseTimestamp("2026-02-05T10:11:12.123456Z"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseTimestamp);

void BM_FormatTimestamp(benchmark::State& state) {
  char buf[event::kTimestampLength];
  int64_t t = 1770286272123456;
  for (auto _ : state) {
    event::FormatTimestampTo(t += 7919, buf);
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FormatTimestamp);

// Whole simulator: records/s including rendering, checksum and heap (no I/O).
void BM_Simulate(benchmark::State& state) {
  int64_t records = 0, bytes = 0;
  for (auto _ : state) {
    sim::Options o;
    o.orders = state.range(0);
    sim::Simulator s(o);
    sim::Record r;
    while (s.Next(&r)) {
      ++records;
      bytes += static_cast<int64_t>(r.line.size()) + 1;
    }
  }
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_Simulate)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
