// Micro benchmarks of the Kafka codec: decoding a produce request and
// validating its record batch (CRC-32C), encoding a fetch response.
#include <benchmark/benchmark.h>

#include <string>

#include "evpipe/broker/protocol/messages.h"
#include "evpipe/broker/batch/crc32c.h"

namespace kp = evpipe::kafka_protocol;

static void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(evpipe::broker::batch::Crc32c(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(1 << 10)->Arg(1 << 20);

static void BM_DecodeProduceRequest(benchmark::State& state) {
  std::string records(1 << 20, 'r');
  kp::ProduceRequest req;
  req.acks = -1;
  for (int p = 0; p < 3; ++p) req.topics.push_back({"events", {{p, std::string_view(records)}}});
  kp::Writer w;
  req.Encode(w, 7);
  std::string bytes = w.Release();
  for (auto _ : state) {
    kp::Reader r(bytes);
    kp::ProduceRequest back;
    benchmark::DoNotOptimize(back.Decode(r, 7));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_DecodeProduceRequest);

static void BM_EncodeFetchResponse(benchmark::State& state) {
  kp::FetchResponse resp;
  resp.topics.push_back({"events", {}});
  for (int p = 0; p < 3; ++p) {
    kp::FetchResponse::Partition part;
    part.partition = p;
    part.records = std::string(1 << 20, 'b');
    resp.topics[0].partitions.push_back(std::move(part));
  }
  for (auto _ : state) {
    kp::Writer w;
    resp.Encode(w, 11);
    benchmark::DoNotOptimize(w.size());
  }
  state.SetBytesProcessed(state.iterations() * 3 * (1 << 20));
}
BENCHMARK(BM_EncodeFetchResponse);
BENCHMARK_MAIN();
