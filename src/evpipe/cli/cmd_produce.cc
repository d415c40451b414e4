// `evpipe produce`: simulate orders (or read NDJSON / JSON records) and produce
// them to a topic, counting every delivery report.
#include <signal.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/heap_internal.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/cli/produce_input_internal.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/progress.h"
#include "evpipe/io/file_system.h"
#include "evpipe/jobs/reconcile.h"
#include "evpipe/event/event.h"
#include "evpipe/kafka/producer.h"
#include "evpipe/kafka/record_json.h"
#include "evpipe/cli/sim_flags.h"
#include "evpipe/sim/record_stream.h"

namespace evpipe::cli {
namespace {

using produce_input::BlockPool;
using produce_input::ForEachLine;
using produce_input::LineChunk;
using produce_input::LineQueue;

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

struct ProduceFlags {
  std::string bootstrap;
  std::string topic;
  std::string key_field;
  std::vector<std::string> properties;
  std::string compression = kafka::kDefaultCompression;
  std::string from;              // empty: the simulator
  std::string format = "ndjson";  // ndjson | json
  std::string missing_key = "null";
  double rate = 0;               // records/s, 0: as fast as possible
  int timeout_ms = kafka::kDefaultConnectTimeoutMs;
  SimulatorFlags sim;  // the same simulator flags as gen and reconcile
  int threads = 0;     // render threads for the simulator; 0: one per hardware thread
  std::string raw_dir;  // where the simulator run is recorded for reconcile (RAW_DIR/_evpipe/TOPIC)
};

// What one run did, for the summary line and the exit code.
struct Counts {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t missing_keys = 0;
  uint64_t empty_lines = 0;
};


// Sleeps as needed to keep `done` records at or under `rate` per second.
class RateLimiter {
 public:
  explicit RateLimiter(double rate) : rate_(rate), start_us_(MonotonicMicros()) {}
  void Wait(uint64_t done, kafka::Producer& producer) {
    if (rate_ <= 0) return;
    auto due_us = start_us_ + static_cast<int64_t>(static_cast<double>(done) / rate_ * 1e6);
    while (!g_stop) {
      int64_t ahead = due_us - MonotonicMicros();
      if (ahead <= 0) return;
      producer.Poll();
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(ahead, 50000)));
    }
  }

 private:
  double rate_;
  int64_t start_us_;
};

// Produces one event line with its key looked up per --key-field.
class LineProducer {
 public:
  LineProducer(const ProduceFlags& f, kafka::Producer& producer, Counts& counts)
      : f_(f), producer_(producer), counts_(counts), limiter_(f.rate) {}

  // `looked_up`: the line's key when the caller already looked it up (nullopt:
  // the line has none); nullptr: look it up here.
  // `block`: the pooled block holding the line, which then is not copied.
  Status Produce(std::string_view line, const std::optional<std::string_view>* looked_up, int64_t timestamp_ms,
                 uint64_t line_no, BlockPool::Block* block = nullptr) {
    kafka::OutRecord r;
    r.value = line;
    r.copy = block == nullptr;
    r.owner = block;
    r.timestamp_ms = timestamp_ms;
    std::optional<std::string> extracted;
    std::optional<std::string_view> key;
    if (looked_up != nullptr) {
      key = *looked_up;
    } else if ((extracted = event::ExtractKey(line, f_.key_field))) {
      key = *extracted;
    }
    if (key) {
      r.key = *key;  // librdkafka always copies keys
    } else {
      if (f_.missing_key == "fail") {
        return Status::NotFound(fmt::format("line {}: no key field {} (top level or in payload); "
                                            "--missing-key null sends such lines with a null key",
                                            line_no, f_.key_field));
      }
      ++counts_.missing_keys;
    }
    limiter_.Wait(counts_.records, producer_);
    EVPIPE_RETURN_IF_ERROR(producer_.Produce(r));
    if (block != nullptr) block->Hold();  // the reader's own hold kept it alive meanwhile
    ++counts_.records;
    counts_.bytes += line.size();
    return Status::Ok();
  }

 private:
  const ProduceFlags& f_;
  kafka::Producer& producer_;
  Counts& counts_;
  RateLimiter limiter_;
};


// The producing side for both: produces each chunk's lines with
// produce_line(chunk, line) until the queue closes; on the first failure it
// cancels the other side and drains what it had queued. Serves delivery
// reports while waiting for chunks.
template <typename F>
Status ProduceChunks(LineQueue& queue, kafka::Producer& producer, F&& produce_line) {
  Status status;
  while (true) {
    bool closed = false;
    std::unique_ptr<LineChunk> chunk = queue.Pop(10, &closed);
    if (chunk == nullptr) {
      if (closed) break;
      producer.Poll();
      continue;
    }
    for (const LineChunk::Line& l : chunk->lines) {
      if (!status.ok()) break;
      status = produce_line(*chunk, l);
    }
    queue.Recycle(std::move(chunk));
    if (!status.ok()) queue.Cancel();  // the other side stops; what it queued is released as it drains
  }
  return status;
}

// The render threads join each batch's lines (RecordStream::Runs); a
// simulator thread (which also runs the serial planner inside NextBatch)
// copies them once into a pooled block and finds each record's line and key,
// and this thread produces them from there without a copy (and without a
// malloc) each.
Status ProduceSimulated(const ProduceFlags& f, kafka::Producer& producer, Counts& counts, BlockPool& pool) {
  const sim::Options& options = f.sim.options;  // resolved and validated before connecting
  sim::RecordStream stream(options, f.threads, /*join_lines=*/true);
  Progress progress("produce: orders", static_cast<uint64_t>(options.orders), "orders");
  LineProducer lines(f, producer, counts);
  const bool key_is_order_id = f.key_field == "order_id";
  LineQueue queue(2);
  Status sim_status;
  std::thread sim_thread([&] {
    uint64_t n = 0;
    auto batches = [&]() -> Status {
      for (std::span<sim::Record> batch = stream.NextBatch(); !batch.empty() && !g_stop;
           batch = stream.NextBatch()) {
        size_t total = 0;
        for (const sim::RecordStream::LineRun& run : stream.Runs()) total += run.text.size();
        std::unique_ptr<LineChunk> chunk = queue.Spare();
        // A batch (~300 KB) takes a block of its own size, not a 4 MiB read
        // block: a block is free only once all its records are acknowledged.
        BlockPool::Block* block = pool.Get(total);
        chunk->holds.push_back(block);  // the chunk takes the block's first reference
        char* data = block->data();
        size_t at = 0;
        for (const sim::RecordStream::LineRun& run : stream.Runs()) {
          std::memcpy(data + at, run.text.data(), run.text.size());
          at += run.text.size();
        }
        size_t start = 0;
        for (const sim::Record& record : batch) {
          const void* nl = start < total ? std::memchr(data + start, '\n', total - start) : nullptr;
          if (nl == nullptr) {
            queue.Recycle(std::move(chunk));
            return Status::Internal("simulator: a batch has fewer lines than records");
          }
          const size_t end = static_cast<size_t>(static_cast<const char*>(nl) - data);
          LineChunk::Line l{std::string_view(data + start, end - start), ++n, block, record.ingest_time_us / 1000,
                            0, 0, false};
          if (key_is_order_id) {
            chunk->AddKey(&l, record.key);
          } else if (std::optional<std::string> key = event::ExtractKey(l.text, f.key_field)) {
            chunk->AddKey(&l, *key);
          }
          chunk->lines.push_back(l);
          start = end + 1;
        }
        if (start != total) {
          queue.Recycle(std::move(chunk));
          return Status::Internal("simulator: a batch has more lines than records");
        }
        chunk->orders_started = static_cast<uint64_t>(stream.orders_started());
        if (!queue.Push(std::move(chunk))) return Status::Ok();  // the producing side failed and says why
      }
      if (std::string error = stream.error(); !error.empty()) return Status::Internal("simulator: " + error);
      return Status::Ok();
    };
    sim_status = batches();
    queue.Close();
  });
  uint64_t produced = 0;
  Status status = ProduceChunks(queue, producer, [&](const LineChunk& chunk, const LineChunk::Line& l) -> Status {
    if ((++produced & 1023) == 0) {
      producer.Poll();
      progress.Update(chunk.orders_started);
    }
    const std::optional<std::string_view> key = chunk.KeyOf(l);
    return lines.Produce(l.text, &key, l.timestamp_ms, l.line_no, l.block);
  });
  sim_thread.join();
  EVPIPE_RETURN_IF_ERROR(status);
  EVPIPE_RETURN_IF_ERROR(sim_status);
  progress.Finish();
  return Status::Ok();
}


// A reader thread reads the input and, for NDJSON, looks up each line's key
// (a third of the producing thread's CPU before); this thread produces.
Status ProduceFromInput(const ProduceFlags& f, kafka::Producer& producer, Counts& counts, BlockPool& pool) {
  Progress progress("produce: records", 0, "records");
  LineProducer lines(f, producer, counts);
  kafka::JsonRecordReader reader;
  kafka::JsonRecord record;
  std::vector<kafka::Header> headers;
  const bool json = f.format == "json";
  LineQueue queue(2);
  Status read_status;
  std::thread reader_thread([&] {
    std::unique_ptr<LineChunk> chunk = queue.Spare();
    read_status = ForEachLine(
        f.from, pool, g_stop,
        [&](std::string_view line, uint64_t line_no, BlockPool::Block* block) -> Status {
          if (chunk->holds.empty() || chunk->holds.back() != block) {
            block->Hold();
            chunk->holds.push_back(block);
          }
          LineChunk::Line l{line, line_no, block, 0, 0, 0, false};
          if (!json && !line.empty()) {
            if (std::optional<std::string> key = event::ExtractKey(line, f.key_field)) chunk->AddKey(&l, *key);
          }
          chunk->lines.push_back(l);
          return Status::Ok();
        },
        [&]() -> Status {
          if (chunk->lines.empty()) return Status::Ok();
          if (!queue.Push(std::move(chunk))) return Status::Unavailable("stopped");  // the producing side failed
          chunk = queue.Spare();
          return Status::Ok();
        });
    if (chunk != nullptr) chunk->ReleaseAndClear();  // null when a refused Push took it
    queue.Close();
  });

  auto produce_line = [&](const LineChunk& chunk, const LineChunk::Line& l) -> Status {
    if ((l.line_no & 1023) == 0) {
      producer.Poll();
      progress.Update(counts.records);
    }
    if (l.text.empty()) {
      ++counts.empty_lines;
      return Status::Ok();
    }
    if (!json) {  // in place, no copy
      const std::optional<std::string_view> key = chunk.KeyOf(l);
      return lines.Produce(l.text, &key, 0, l.line_no, l.block);
    }
    Status s = reader.Parse(l.text, &record);
    if (!s.ok()) {
      return Status::Corruption(s.message()).WithContext(fmt::format("{} line {}", f.from == "-" ? "stdin" : f.from, l.line_no));
    }
    headers.clear();
    for (const auto& [key, value] : record.headers) {
      headers.push_back({key, value ? std::optional<std::string_view>(*value) : std::nullopt});
    }
    kafka::OutRecord r;
    if (record.key) r.key = *record.key;
    if (record.value) r.value = *record.value;
    if (record.partition >= 0) r.partition = record.partition;
    if (record.timestamp_ms >= 0) r.timestamp_ms = record.timestamp_ms;
    r.headers = &headers;
    EVPIPE_RETURN_IF_ERROR(producer.Produce(r));
    ++counts.records;
    counts.bytes += record.value ? record.value->size() : 0;
    return Status::Ok();
  };

  Status status = ProduceChunks(queue, producer, produce_line);
  reader_thread.join();
  EVPIPE_RETURN_IF_ERROR(status);
  return read_status;
}

Status Run(const ProduceFlags& f) {
  if (f.format == "json" && f.from.empty()) {
    return Status::InvalidArgument("--format json reads JSON records: give --from FILE or --from -");
  }
  // librdkafka allocates each ~1 MB produce request and frees it at its
  // response: 33k minor faults for 300k records of ~650 bytes, 5k with this.
  KeepLargeBuffersOnTheHeap(size_t{64} << 20);
  BlockPool pool;  // before the producer: records may point into its blocks until the producer is gone
  int64_t message_timeout_ms = 0;
  // Sized for the topic's partitions (kafka::SizeBatches), which connecting
  // tells: a topic of more partitions than the first guess gets a second
  // producer, made before anything is sent.
  auto connect = [&](int partitions) -> Result<std::unique_ptr<kafka::Producer>> {
    EVPIPE_ASSIGN_OR_RETURN(kafka::Config config,
                            kafka::ProducerConfig(f.bootstrap, f.compression, f.properties, partitions));
    message_timeout_ms = std::stoll(config.Get("message.timeout.ms"));
    EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer,
                            kafka::Producer::Create(std::move(config), f.topic));
    EVPIPE_RETURN_IF_ERROR(producer->client().WaitForBroker(f.timeout_ms));
    return producer;
  };
  constexpr int kFirstGuess = kDefaultPartitions;
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer, connect(kFirstGuess));
  EVPIPE_ASSIGN_OR_RETURN(kafka::TopicMetadata topic, producer->client().DescribeTopic(f.topic, f.timeout_ms));
  const int partitions = static_cast<int>(topic.partitions.size());
  if (kafka::SizeBatches(partitions) != kafka::SizeBatches(kFirstGuess)) {
    producer.reset();
    EVPIPE_ASSIGN_OR_RETURN(producer, connect(partitions));
  }

  struct sigaction sa{};
  sa.sa_handler = OnStopSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  int64_t start_us = MonotonicMicros();
  Counts counts;
  Status produced =
      f.from.empty() ? ProduceSimulated(f, *producer, counts, pool) : ProduceFromInput(f, *producer, counts, pool);
  // Whatever happened, wait for the reports of what was enqueued: they decide what was delivered.
  Progress progress("produce: waiting for delivery reports", producer->enqueued(), "records");
  Status flushed = producer->Flush(message_timeout_ms + 5000, [&] {
    progress.Update(producer->delivered() + producer->failed());
  });
  progress.Finish();
  double secs = static_cast<double>(MonotonicMicros() - start_us) / 1e6;
  uint64_t delivered = producer->delivered();
  uint64_t failed = producer->failed();
  std::fprintf(stderr, "produce: %s, %s, %.2f s, %s, %llu delivered to %s\n", Plural(counts.records, "record").c_str(),
               FormatBytes(static_cast<double>(counts.bytes)).c_str(), secs,
               FormatRate(secs > 0 ? static_cast<double>(counts.records) / secs : 0.0, "records").c_str(),
               static_cast<unsigned long long>(delivered), f.topic.c_str());
  if (counts.missing_keys > 0) {
    std::fprintf(stderr, "produce: warning: %llu records had no %s field and were sent with a null key\n",
                 static_cast<unsigned long long>(counts.missing_keys), f.key_field.c_str());
  }
  if (counts.empty_lines > 0) {
    std::fprintf(stderr, "produce: warning: skipped %llu empty lines\n",
                 static_cast<unsigned long long>(counts.empty_lines));
  }
  EVPIPE_RETURN_IF_ERROR(produced);
  if (failed > 0) {
    return Status::Unavailable(fmt::format("{} of {} records were not delivered (first error: {})", failed,
                                           producer->enqueued(), producer->first_delivery_error()));
  }
  EVPIPE_RETURN_IF_ERROR(flushed);
  if (delivered != producer->enqueued()) {
    return Status::Internal(fmt::format("{} records enqueued but {} delivery reports", producer->enqueued(),
                                        delivered + failed));
  }
  if (g_stop) return Status::Unavailable("interrupted; the records counted above were delivered");
  if (f.from.empty()) {
    Status recorded = jobs::WriteRunRecord(io::FileSystem::Default(), f.raw_dir, f.topic, f.sim.options, "produce");
    if (!recorded.ok()) {
      std::fprintf(stderr, "produce: warning: could not record the simulator flags for reconcile: %s\n",
                   recorded.message().c_str());
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterProduce(CLI::App& root, Context& ctx) {
  static ProduceFlags f;
  CLI::App* sub = root.add_subcommand(
      "produce", "simulate orders (or read NDJSON / JSON records) and produce them to a topic");
  AddBootstrap(sub, f.bootstrap);
  AddTopic(sub, f.topic);
  AddKeyField(sub, f.key_field);
  AddKafkaProperties(sub, f.properties);
  AddConnectTimeout(sub, f.timeout_ms);
  AddOrders(sub, f.sim.options.orders);
  AddSeed(sub, f.sim.options.seed);
  f.sim.Add(sub);
  sub->add_option("--threads", f.threads,
                  "Threads rendering simulated events (0: one per hardware thread); the records are the same")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  sub->add_option("--from", f.from, "Produce the lines of FILE (- for stdin) instead of simulating");
  AddRawDir(sub, f.raw_dir)->description(
      "Where sink-raw lands the topic; a simulated run records its flags in RAW_DIR/_evpipe/TOPIC/ for reconcile");
  sub->add_option("--format", f.format,
                  "ndjson: each line is a value, keyed by --key-field; json: each line is a JSON record "
                  "(key, value, headers, partition, timestamp) as `consume --format json` writes")
      ->check(CLI::IsMember({"ndjson", "json"}))
      ->capture_default_str();
  sub->add_option("--compression", f.compression,
                  "none, gzip, snappy, lz4 or zstd (librdkafka 2.0 sends gzip, snappy and lz4 uncompressed to "
                  "evpipe's broker; zstd works everywhere)")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  sub->add_option("--rate", f.rate, "Records per second at most (0: no limit)")->check(CLI::NonNegativeNumber);
  sub->add_option("--missing-key", f.missing_key,
                  "A line without the key field: null (send with a null key, count it, warn) or fail (stop, exit 1)")
      ->check(CLI::IsMember({"null", "fail"}))
      ->capture_default_str();
  sub->callback([&ctx] {
    if (std::string invalid = f.from.empty() ? f.sim.Resolve() : ""; !invalid.empty()) {
      ctx.exit_code = Fail("produce", Status::InvalidArgument(invalid));
      return;
    }
    ctx.exit_code = ExitCode("produce", Run(f));
  });
}

}  // namespace evpipe::cli
