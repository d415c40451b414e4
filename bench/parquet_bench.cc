// Parquet writer throughput on event-like rows: the 13 columns of DESIGN.md's
// Parquet schema, about 645 bytes per row as an NDJSON line. Reports rows/s
// (items) and NDJSON-equivalent input bytes/s. Writes real files to $TMPDIR.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "evpipe/io/file_system.h"
#include "evpipe/parquet/file_writer.h"

namespace evpipe::parquet {
namespace {

constexpr size_t kRows = 50000;

struct Data {
  std::vector<std::string> owned[13];
  std::vector<std::string_view> strs[13];
  std::vector<uint8_t> nulls[13];
  std::vector<int32_t> version;
  std::vector<int64_t> event_time, ingest_time;
  size_t ndjson_bytes = 0;
};

std::string Hex(std::mt19937_64& rng, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(d[rng() % 16]);
  return s;
}

const Data& Rows() {
  static const Data* data = [] {
    auto* d = new Data;
    std::mt19937_64 rng(42);
    const char* types[] = {"order_created", "payment_authorized", "payment_failed", "order_cancelled",
                           "order_shipped", "order_delivered", "refund_issued"};
    int64_t t = 1770286272123456;
    for (size_t i = 0; i < kRows; ++i) {
      t += static_cast<int64_t>(rng() % 20000);
      std::string uuid = Hex(rng, 8) + "-" + Hex(rng, 4) + "-4" + Hex(rng, 3) + "-a" + Hex(rng, 3) + "-" + Hex(rng, 12);
      std::string order = "ord-" + std::to_string(rng() % 50000);
      std::string payload = "{\"order_id\":\"" + order + "\",\"customer_id\":\"cust-" + std::to_string(rng() % 20000) +
                            "\",\"amount\":" + std::to_string(rng() % 100000) + "." + std::to_string(rng() % 100) +
                            ",\"currency\":\"EUR\",\"items\":[{\"sku\":\"sku-" + std::to_string(rng() % 500) +
                            "\",\"qty\":" + std::to_string(1 + rng() % 4) + "},{\"sku\":\"sku-" +
                            std::to_string(rng() % 500) + "\",\"qty\":1}],\"channel\":\"web\",\"payment_method\":\"card\"}";
      std::string v[13] = {uuid, types[rng() % 7], "", "", "", "tenant-" + std::to_string(rng() % 8),
                           "user-" + std::to_string(rng() % 20000), Hex(rng, 8) + "-" + Hex(rng, 4) + "-4" + Hex(rng, 3) + "-a" + Hex(rng, 3) + "-" + Hex(rng, 12),
                           "order-service", "prod", "simulator", payload, Hex(rng, 64)};
      for (int c : {0, 1, 5, 6, 7, 8, 9, 10, 11, 12}) {
        d->owned[c].push_back(v[c]);
        d->nulls[c].push_back(c >= 5 && c != 11 && rng() % 20 == 0);
      }
      d->version.push_back(1);
      d->event_time.push_back(t - static_cast<int64_t>(rng() % 3000000));
      d->ingest_time.push_back(t);
      // The NDJSON line this row came from: values + keys, quotes and punctuation (~190 bytes).
      d->ndjson_bytes += 190 + 2 * 27 + payload.size() + uuid.size() * 2 + v[1].size() + v[5].size() +
                         v[6].size() + 13 + 4 + 9 + 64 + 1;
    }
    for (int c = 0; c < 13; ++c) {
      for (const std::string& s : d->owned[c]) d->strs[c].push_back(s);
    }
    return d;
  }();
  return *data;
}

Schema EventSchema() {
  auto opt = Repetition::kOptional;
  return Schema{{Column::String("event_id"), Column::String("event_type"), Column::Int32("schema_version"),
                 Column::TimestampMicros("event_time"), Column::TimestampMicros("ingest_time"),
                 Column::String("tenant_id", opt), Column::String("user_id", opt),
                 Column::String("session_id", opt), Column::String("source_system", opt),
                 Column::String("environment", opt), Column::String("record_source", opt),
                 Column::String("payload"), Column::String("checksum", opt)}};
}

void BM_WriteEvents(benchmark::State& state, Codec codec, int level, int threads = 0) {
  const Data& d = Rows();
  std::vector<ColumnValues> cols(13);
  for (int c : {0, 1, 11}) cols[c] = ColumnValues::Strings(d.strs[c]);
  for (int c : {5, 6, 7, 8, 9, 10, 12}) cols[c] = ColumnValues::Strings(d.strs[c], d.nulls[c]);
  cols[2] = ColumnValues::Int32s(d.version);
  cols[3] = ColumnValues::Int64s(d.event_time);
  cols[4] = ColumnValues::Int64s(d.ingest_time);
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp ? tmp : "/tmp") + "/evpipe_parquet_bench." + std::to_string(getpid()) + ".parquet";
  WriterOptions o;
  o.codec = codec;
  o.zstd_level = level;
  o.sync_on_close = false;
  o.compression_threads = threads;
  uint64_t file_bytes = 0;
  for (auto _ : state) {
    auto w = FileWriter::Open(io::FileSystem::Default(), path, EventSchema(), o);
    if (!w.ok()) state.SkipWithError(w.status().ToString().c_str());
    Status s = (*w)->WriteBatch(kRows, cols);
    auto r = (*w)->Close();
    if (!s.ok() || !r.ok()) state.SkipWithError("write failed");
    file_bytes = r->bytes;
  }
  std::remove(path.c_str());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.ndjson_bytes));
  state.counters["ndjson_bytes_per_row"] = static_cast<double>(d.ndjson_bytes) / kRows;
  state.counters["parquet_bytes_per_row"] = static_cast<double>(file_bytes) / kRows;
}

BENCHMARK_CAPTURE(BM_WriteEvents, zstd1, Codec::kZstd, 1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_WriteEvents, zstd1_2threads, Codec::kZstd, 1, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_WriteEvents, zstd3, Codec::kZstd, 3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_WriteEvents, snappy, Codec::kSnappy, 0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_WriteEvents, uncompressed, Codec::kUncompressed, 0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace evpipe::parquet

BENCHMARK_MAIN();
