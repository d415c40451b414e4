// `evpipe consume`: print a topic's records, value per line or as JSON records
// (see kafka/record_json.h), from the beginning, the end or an offset.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/progress.h"
#include "evpipe/kafka/consumer.h"
#include "evpipe/kafka/record_json.h"

namespace evpipe::cli {
namespace {

constexpr size_t kPollBatch = 4096;              // records per poll
constexpr size_t kOutputFlushBytes = 1 << 20;   // write stdout in 1 MiB pieces

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

struct ConsumeFlags {
  std::string bootstrap;
  // --topic, --group, --partition and --exit-at-end; Run sets where to start.
  kafka::ConsumeOptions consume;
  std::vector<std::string> properties;
  bool from_beginning = false;
  int64_t count = 0;  // 0: no limit
  std::string offset;
  std::string format = "value";
  int timeout_ms = kafka::kDefaultConnectTimeoutMs;
};

// beginning | end | N (absolute) | -N (N before the end).
Result<int64_t> ParseOffset(const std::string& text) {
  if (text == "beginning" || text == "earliest" || text == "oldest") return int64_t{RD_KAFKA_OFFSET_BEGINNING};
  if (text == "end" || text == "latest" || text == "newest") return int64_t{RD_KAFKA_OFFSET_END};
  bool tail = !text.empty() && text[0] == '-';
  const char* begin = text.data() + (tail ? 1 : 0);
  const char* end = text.data() + text.size();
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || ptr != end || begin == end || n < 0) {
    return Status::InvalidArgument("--offset " + text + ": expected beginning, end, N or -N (N before the end)");
  }
  return tail ? int64_t{RD_KAFKA_OFFSET_TAIL(n)} : n;
}

// An absolute --offset past the end of a partition fails (librdkafka would
// silently restart at the reset position and print the whole partition).
Status CheckOffsetInRange(kafka::Consumer& consumer, const kafka::ConsumeOptions& o, int timeout_ms) {
  const int64_t offset = o.start_offset;
  std::vector<int32_t> partitions;
  if (o.partition >= 0) {
    partitions.push_back(o.partition);
  } else {
    EVPIPE_ASSIGN_OR_RETURN(kafka::TopicMetadata md, consumer.client().DescribeTopic(o.topic, timeout_ms));
    for (const kafka::PartitionMetadata& p : md.partitions) partitions.push_back(p.id);
  }
  for (int32_t p : partitions) {
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(consumer.client().handle(), o.topic.c_str(), p, &low, &high, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;  // the fetch will report it
    if (offset > high) {
      return Status::InvalidArgument(fmt::format(
          "offset {} is past the end of {}/{} ({}): use an offset up to {}, -o -N for the last N, or -o end",
          offset, o.topic, p, high, high));
    }
  }
  return Status::Ok();
}

Status WriteAll(std::string& out) {
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("writing stdout", errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  out.clear();
  return Status::Ok();
}

// --format with a '%': kcat-style tokens %t topic, %p partition, %o offset,
// %k key, %s value, %T timestamp (ms), %% a percent sign; escapes \n, \t, \\.
// A newline ends each record unless the template writes one itself.
void AppendTemplate(const rd_kafka_message_t& m, const std::string& tmpl, std::string* out) {
  bool wrote_newline = false;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if ((c == '%' || c == '\\') && i + 1 < tmpl.size()) {
      char n = tmpl[++i];
      if (c == '\\') {
        if (n == 'n') {
          out->push_back('\n');
          wrote_newline = true;
        } else if (n == 't') {
          out->push_back('\t');
        } else {
          out->push_back(n);
        }
        continue;
      }
      switch (n) {
        case 't': out->append(rd_kafka_topic_name(m.rkt)); break;
        case 'p': out->append(std::to_string(m.partition)); break;
        case 'o': out->append(std::to_string(m.offset)); break;
        case 'k':
          if (m.key != nullptr) out->append(static_cast<const char*>(m.key), m.key_len);
          break;
        case 's':
          if (m.payload != nullptr) out->append(static_cast<const char*>(m.payload), m.len);
          break;
        case 'T': {
          rd_kafka_timestamp_type_t type;
          out->append(std::to_string(rd_kafka_message_timestamp(&m, &type)));
          break;
        }
        default: out->push_back('%'); out->push_back(n); break;
      }
      continue;
    }
    out->push_back(c);
  }
  if (!wrote_newline) out->push_back('\n');
}

void AppendRecord(const rd_kafka_message_t& m, const std::string& format, std::string* out) {
  if (format.find('%') != std::string::npos) return AppendTemplate(m, format, out);
  bool json = format == "json";
  std::optional<std::string_view> value;
  if (m.payload != nullptr) value = std::string_view(static_cast<const char*>(m.payload), m.len);
  if (!json) {
    if (value) out->append(*value);
    out->push_back('\n');
    return;
  }
  kafka::RecordView r = kafka::ViewOf(m);
  kafka::AppendRecordJson(r, out);
}

Status Run(const ConsumeFlags& f) {
  kafka::ConsumeOptions options = f.consume;
  options.start_offset = f.from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
  if (!f.offset.empty()) {
    EVPIPE_ASSIGN_OR_RETURN(options.start_offset, ParseOffset(f.offset));
    options.explicit_offset = true;
    if (!options.group.empty() && options.partition < 0) {
      return Status::InvalidArgument("--offset with --group needs --partition (a group member resumes from its "
                                     "committed offsets; --from-beginning decides where a new group starts)");
    }
  }
  if (f.format != "value" && f.format != "json" && f.format.find('%') == std::string::npos) {
    return Status::InvalidArgument("--format " + f.format + ": expected value, json, or a template like '%p %o %k %s'");
  }
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::ConsumerConfig(f.bootstrap, options, f.properties));
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Consumer> consumer,
                          kafka::Consumer::Create(std::move(config), options));
  // The range check comes before Start: a fetcher started past the end and
  // stopped at once could hang librdkafka 2.0's rd_kafka_destroy (about 1 run
  // in 20 here, a broker thread waiting on a lock during the offset reset).
  if (options.explicit_offset && options.start_offset >= 0) {
    EVPIPE_RETURN_IF_ERROR(consumer->client().WaitForBroker(f.timeout_ms));
    EVPIPE_RETURN_IF_ERROR(CheckOffsetInRange(*consumer, options, f.timeout_ms));
  }
  EVPIPE_RETURN_IF_ERROR(consumer->Start(f.timeout_ms));
  // On a terminal, say once that we caught up and wait (not with --exit-at-end or --count).
  bool notify_caught_up = !options.exit_at_end && f.count == 0 && Progress::Enabled();

  struct sigaction sa{};
  sa.sa_handler = OnStopSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  int64_t start_us = MonotonicMicros();
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::string out;
  out.reserve(kOutputFlushBytes + (64 << 10));
  kafka::MessageBatch batch;
  Status status;
  while (!g_stop) {
    size_t want = kPollBatch;
    if (f.count > 0) want = std::min<size_t>(want, static_cast<size_t>(f.count - static_cast<int64_t>(records)));
    status = consumer->Poll(batch, want, 100);
    if (!status.ok()) break;
    for (size_t i = 0; i < batch.size(); ++i) {
      AppendRecord(batch[i], f.format, &out);
      bytes += batch[i].len;
    }
    records += batch.size();
    bool done = (f.count > 0 && static_cast<int64_t>(records) >= f.count) || consumer->AtEnd();
    if (out.size() >= kOutputFlushBytes || batch.size() < want || done) {
      status = WriteAll(out);
      if (!status.ok()) break;
    }
    if (done) break;
    if (notify_caught_up && consumer->CaughtUp()) {
      notify_caught_up = false;
      if (Status s = WriteAll(out); !s.ok()) {
        status = s;
        break;
      }
      std::fprintf(stderr, "consume: caught up with the end of %s; waiting for new records (Ctrl-C to stop)\n",
                   options.topic.c_str());
    }
  }
  batch.Clear();
  Status written = WriteAll(out);
  Status closed = consumer->Close();
  EVPIPE_RETURN_IF_ERROR(status);
  EVPIPE_RETURN_IF_ERROR(written);
  double secs = static_cast<double>(MonotonicMicros() - start_us) / 1e6;
  std::fprintf(stderr, "consume: %s, %s of values, %.2f s\n", Plural(records, "record").c_str(),
               FormatBytes(static_cast<double>(bytes)).c_str(), secs);
  return closed;
}

}  // namespace

void RegisterConsume(CLI::App& root, Context& ctx) {
  static ConsumeFlags f;
  CLI::App* sub = root.add_subcommand("consume", "print a topic's records (values, or JSON records with --format json)");
  AddBootstrap(sub, f.bootstrap);
  AddTopic(sub, f.consume.topic);
  AddKafkaProperties(sub, f.properties);
  AddConnectTimeout(sub, f.timeout_ms);
  sub->add_flag("--from-beginning", f.from_beginning, "Start at each partition's first record (default: only new ones)");
  AddExitAtEnd(sub, f.consume.exit_at_end);
  sub->add_option("-c,--count", f.count, "Stop after this many records")->check(CLI::PositiveNumber);
  sub->add_option("-p,--partition", f.consume.partition, "Read only this partition")->check(CLI::NonNegativeNumber);
  sub->add_option("-o,--offset", f.offset, "Start at beginning, end, N, or -N (N before the end)");
  sub->add_option("-g,--group", f.consume.group,
                  "Consume as a member of this group: resume from its committed offsets, commit what is read "
                  "(--from-beginning: where a new group starts)");
  sub->add_option("-f,--format", f.format,
                  "value: one value per line; json: one JSON record per line; or a template like '%p %o %k %s' "
                  "(%t topic, %p partition, %o offset, %k key, %s value, %T timestamp ms)")
      ->capture_default_str();
  sub->callback([&ctx] { ctx.exit_code = ExitCode("consume", Run(f)); });
}

}  // namespace evpipe::cli
