// `evpipe produce`: simulate orders (or read NDJSON / JSON records) and produce
// them to a topic, counting every delivery report.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/progress.h"
#include "evpipe/io/file_system.h"
#include "evpipe/io/mapped_file.h"
#include "evpipe/jobs/reconcile.h"
#include "evpipe/event/event.h"
#include "evpipe/kafka/producer.h"
#include "evpipe/kafka/record_json.h"
#include "evpipe/cli/sim_flags.h"
#include "evpipe/sim/record_stream.h"

namespace evpipe::cli {
namespace {

constexpr size_t kReadChunk = 4 << 20;  // input is read in 4 MiB pieces

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

  // `known_key`: the key when the caller already knows it (the simulator).
  // `stable`: the line's bytes outlive the delivery report (a mapped file), no copy needed.
  Status Produce(std::string_view line, const std::string* known_key, int64_t timestamp_ms, uint64_t line_no,
                 bool stable = false) {
    kafka::OutRecord r;
    r.value = line;
    r.copy = !stable;
    r.timestamp_ms = timestamp_ms;
    std::optional<std::string> extracted;
    if (known_key != nullptr) {
      r.key = *known_key;
    } else {
      extracted = event::ExtractKey(line, f_.key_field);
      if (extracted) {
        r.key = *extracted;  // librdkafka always copies keys
      } else {
        if (f_.missing_key == "fail") {
          return Status::NotFound(fmt::format("line {}: no key field {} (top level or in payload); "
                                                     "--missing-key null sends such lines with a null key",
                                                     line_no, f_.key_field));
        }
        ++counts_.missing_keys;
      }
    }
    limiter_.Wait(counts_.records, producer_);
    EVPIPE_RETURN_IF_ERROR(producer_.Produce(r));
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

Status ProduceSimulated(const ProduceFlags& f, kafka::Producer& producer, Counts& counts) {
  const sim::Options& options = f.sim.options;  // resolved and validated before connecting
  sim::RecordStream stream(options, f.threads);
  Progress progress("produce: orders", static_cast<uint64_t>(options.orders), "orders");
  LineProducer lines(f, producer, counts);
  bool key_is_order_id = f.key_field == "order_id";
  uint64_t n = 0;
  for (std::span<sim::Record> batch = stream.NextBatch(); !batch.empty() && !g_stop; batch = stream.NextBatch()) {
    for (sim::Record& record : batch) {
      ++n;
      EVPIPE_RETURN_IF_ERROR(lines.Produce(record.line, key_is_order_id ? &record.key : nullptr,
                                           record.ingest_time_us / 1000, n));
      if ((n & 1023) == 0) producer.Poll();
    }
    progress.Update(static_cast<uint64_t>(stream.orders_started()));
  }
  if (std::string error = stream.error(); !error.empty()) return Status::Internal("simulator: " + error);
  progress.Finish();
  return Status::Ok();
}

// Calls on_line for each line of the input (without '\n'), reading big chunks.
template <typename F>
Status ForEachLine(const std::string& from, F&& on_line) {
  int fd = STDIN_FILENO;
  if (from != "-") {
    fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("--from " + from, errno);
  }
  std::string buf(kReadChunk, '\0');
  size_t have = 0;
  uint64_t line_no = 0;
  Status status;
  bool eof = false;
  while (!eof && !g_stop && status.ok()) {
    if (have == buf.size()) buf.resize(buf.size() * 2);  // a line longer than the buffer
    ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::FromErrno("reading " + from, errno);
      break;
    }
    if (n == 0) eof = true;
    have += static_cast<size_t>(n);
    size_t start = 0;
    while (status.ok()) {
      const void* nl = std::memchr(buf.data() + start, '\n', have - start);
      size_t end;
      if (nl != nullptr) {
        end = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
      } else if (eof && start < have) {
        end = have;  // a last line without '\n'
      } else {
        break;
      }
      status = on_line(std::string_view(buf.data() + start, end - start), ++line_no);
      start = std::min(end + 1, have);
    }
    std::memmove(buf.data(), buf.data() + start, have - start);
    have -= start;
  }
  if (fd != STDIN_FILENO) ::close(fd);
  return status;
}

// A regular file mapped read-only, so that produce can hand librdkafka the
// lines in place (the map must outlive the producer's Flush). False (and
// nothing mapped) for stdin, a pipe, an empty file, or when mapping fails: then
// the input is read in chunks.
bool MapInput(const std::string& path, io::MappedFile* mapped) {
  if (path == "-") return false;
  auto m = io::MappedFile::Open(path, io::MapOptions{.populate = true});
  if (!m.ok() || m->size() == 0) return false;
  *mapped = std::move(*m);
  return true;
}

Status ProduceFromInput(const ProduceFlags& f, kafka::Producer& producer, Counts& counts, io::MappedFile& mapped) {
  Progress progress("produce: records", 0, "records");
  LineProducer lines(f, producer, counts);
  kafka::JsonRecordReader reader;
  kafka::JsonRecord record;
  std::vector<kafka::Header> headers;
  bool json = f.format == "json";
  if (!json && MapInput(f.from, &mapped)) {
    // Lines go to librdkafka in place: no read buffer, no per-record copy.
    std::string_view all = mapped.data();
    uint64_t line_no = 0;
    size_t start = 0;
    while (start < all.size() && !g_stop) {
      size_t end = all.find('\n', start);
      if (end == std::string_view::npos) end = all.size();
      std::string_view line = all.substr(start, end - start);
      start = end + 1;
      if ((++line_no & 1023) == 0) {
        producer.Poll();
        progress.Update(counts.records);
      }
      if (line.empty()) {
        ++counts.empty_lines;
        continue;
      }
      EVPIPE_RETURN_IF_ERROR(lines.Produce(line, nullptr, 0, line_no, /*stable=*/true));
    }
    return Status::Ok();
  }
  return ForEachLine(f.from, [&](std::string_view line, uint64_t line_no) -> Status {
    if ((line_no & 1023) == 0) {
      producer.Poll();
      progress.Update(counts.records);
    }
    if (line.empty()) {
      ++counts.empty_lines;
      return Status::Ok();
    }
    if (!json) return lines.Produce(line, nullptr, 0, line_no);
    Status s = reader.Parse(line, &record);
    if (!s.ok()) return Status::Corruption(s.message()).WithContext(fmt::format("{} line {}", f.from == "-" ? "stdin" : f.from, line_no));
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
  });
}

Status Run(const ProduceFlags& f) {
  if (f.format == "json" && f.from.empty()) {
    return Status::InvalidArgument("--format json reads JSON records: give --from FILE or --from -");
  }
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::ProducerConfig(f.bootstrap, f.compression, f.properties));
  int64_t message_timeout_ms = std::stoll(config.Get("message.timeout.ms"));
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Producer> producer,
                          kafka::Producer::Create(std::move(config), f.topic));
  EVPIPE_RETURN_IF_ERROR(producer->client().WaitForBroker(f.timeout_ms));
  EVPIPE_RETURN_IF_ERROR(producer->client().DescribeTopic(f.topic, f.timeout_ms).status());

  struct sigaction sa{};
  sa.sa_handler = OnStopSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  int64_t start_us = MonotonicMicros();
  Counts counts;
  io::MappedFile mapped;  // declared before the flush below, destroyed after it
  Status produced =
      f.from.empty() ? ProduceSimulated(f, *producer, counts) : ProduceFromInput(f, *producer, counts, mapped);
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
  sub->add_option("--compression", f.compression, "none, gzip, snappy, lz4 or zstd")
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
    Status s = Run(f);
    ctx.exit_code = s.ok() ? kExitOk : Fail("produce", s);
  });
}

}  // namespace evpipe::cli
