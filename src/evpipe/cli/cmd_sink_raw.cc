// `evpipe sink-raw`: land records as raw NDJSON partitioned by ingest_date.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/progress.h"
#include "evpipe/io/fault_fs.h"
#include "evpipe/io/file_system.h"
#include "evpipe/sink/sink.h"

namespace evpipe::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

struct SinkRawArgs {
  // The flags that are sink options as they stand (--bootstrap, --topic, --group,
  // the two dirs, --exit-at-end, --metrics-port, --connect-timeout); the rest
  // are converted by RunSinkRaw.
  sink::SinkOptions sink;
  int roll_max_mb = kDefaultRollMaxMb;
  int roll_max_seconds = kDefaultRollMaxSeconds;
  int64_t roll_max_bytes = 0;
  int status_interval = static_cast<int>(sink::kDefaultStatusIntervalSeconds);
  double topic_wait_s = sink::kDefaultTopicWaitMs / 1000.0;
  std::string validate = std::string(sink::ValidationName(sink::kDefaultValidation));
  std::vector<std::string> properties;
};

bool EnvOn(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

// EVPIPE_SINK_TEST_FAULT=<append|sync|rename|create|syncdir>:<after>:<errno>
// arms the file-system seam of the binary (the disk-fault tests).
bool ArmFaultFromEnv(io::FaultInjectingFileSystem& fs) {
  const char* v = std::getenv("EVPIPE_SINK_TEST_FAULT");
  if (v == nullptr || *v == '\0') return false;
  std::string spec(v);
  size_t a = spec.find(':'), b = spec.rfind(':');
  if (a == std::string::npos || b == a) return false;
  std::string op = spec.substr(0, a);
  int after = std::atoi(spec.substr(a + 1, b - a - 1).c_str());
  int err = std::atoi(spec.substr(b + 1).c_str());
  io::FaultOp fop = op == "append" ? io::FaultOp::kAppend
                    : op == "sync" ? io::FaultOp::kSync
                    : op == "rename" ? io::FaultOp::kRename
                    : op == "create" ? io::FaultOp::kCreate
                                     : io::FaultOp::kSyncDir;
  fs.Arm(fop, after, err);
  return true;
}

int RunSinkRaw(const SinkRawArgs& a) {
  sink::SinkOptions o = a.sink;
  o.roll_max_bytes = a.roll_max_bytes > 0 ? static_cast<uint64_t>(a.roll_max_bytes)
                                          : static_cast<uint64_t>(a.roll_max_mb) << 20;
  o.roll_max_us = static_cast<int64_t>(a.roll_max_seconds) * 1'000'000;
  o.topic_wait_ms = static_cast<int>(a.topic_wait_s * 1000);
  o.status_interval_us = static_cast<int64_t>(a.status_interval) * 1'000'000;
  o.progress = Progress::Enabled();
  for (const std::string& kv : a.properties) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "evpipe sink-raw: -X %s: expected key=value\n", kv.c_str());
      return kExitUsage;
    }
    o.kafka_properties.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  o.test_commit_before_publish = EnvOn("EVPIPE_SINK_TEST_COMMIT_BEFORE_FSYNC");
  o.test_no_recovery = EnvOn("EVPIPE_SINK_TEST_NO_RECOVERY");
  if (o.test_commit_before_publish || o.test_no_recovery) {
    log::Warn("sink-raw: TEST MODE: guarantees are switched off on purpose (EVPIPE_SINK_TEST_*)");
  }

  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  io::FaultInjectingFileSystem fault_fs(io::FileSystem::Default());
  io::FileSystem& fs = ArmFaultFromEnv(fault_fs) ? static_cast<io::FileSystem&>(fault_fs) : io::FileSystem::Default();
  Result<sink::Validation> validation = sink::ParseValidation(a.validate);
  if (!validation.ok()) {
    std::fprintf(stderr, "evpipe sink-raw: %s\n", validation.status().message().c_str());
    return kExitUsage;
  }
  std::unique_ptr<sink::RecordClassifier> classifier = sink::NewEventClassifier(*validation);
  sink::Sink s(std::move(o), fs, *classifier);
  Status st = s.Run(g_stop);
  if (!st.ok()) {
    // Start-up errors (bad topic, no broker, no topic) came before anything was landed.
    std::fprintf(stderr, "evpipe sink-raw: error: %s%s\n", st.ToString().c_str(),
                 s.assigned_once() ? " (nothing after the last durable roll was committed)" : "");
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void RegisterSinkRaw(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("sink-raw", "land records as raw NDJSON partitioned by ingest_date");
  auto args = std::make_shared<SinkRawArgs>();
  AddBootstrap(sub, args->sink.bootstrap);
  AddTopic(sub, args->sink.topic);
  AddGroup(sub, args->sink.group);
  AddRawDir(sub, args->sink.raw_dir);
  AddQuarantineDir(sub, args->sink.quarantine_dir);
  AddRollMaxMb(sub, args->roll_max_mb);
  AddRollMaxSeconds(sub, args->roll_max_seconds);
  sub->add_option("--roll-max-bytes", args->roll_max_bytes, "Roll at this many bytes (overrides --roll-max-mb)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  AddExitAtEnd(sub, args->sink.exit_at_end);
  sub->add_option("--metrics-port", args->sink.metrics_port,
                  "Serve Prometheus metrics on 127.0.0.1:PORT/metrics (0: any free port)")
      ->check(CLI::Range(0, 65535));
  sub->add_option("--status-interval", args->status_interval, "Seconds between status lines")
      ->check(CLI::Range(1, 86400))->capture_default_str();
  AddConnectTimeout(sub, args->sink.connect_timeout_ms);
  sub->add_option("--topic-wait", args->topic_wait_s,
                  "With --exit-at-end: seconds to wait for a missing topic before failing")
      ->check(CLI::Range(0.0, 3600.0))->capture_default_str();
  sub->add_option("--validate", args->validate,
                  "route: check only the ingest_time routing needs (raw-to-parquet validates the rest); "
                  "full: quarantine every invalid event here")
      ->check(CLI::IsMember({"route", "full"}))->capture_default_str();
  AddKafkaProperties(sub, args->properties);
  sub->callback([&ctx, args] { ctx.exit_code = RunSinkRaw(*args); });
}

}  // namespace evpipe::cli
