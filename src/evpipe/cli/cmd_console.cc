// `evpipe console`: serves the console (src/evpipe/console) until Ctrl-C.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/console/console.h"
#include "evpipe/io/file_system.h"

namespace evpipe::cli {
namespace {

struct ConsoleFlags {
  console::ConsoleOptions options;
  std::string ready_file;
};

int RunConsole(ConsoleFlags& f) {
  // SIGINT and SIGTERM go to one thread that stops the server; every other
  // thread (the server's workers, librdkafka's) inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  console::Console server(f.options);
  auto port = server.Bind();
  if (!port.ok()) return Fail("console", port.status());
  const std::string url = fmt::format("http://{}:{}/", f.options.host.find(':') != std::string::npos
                                                          ? "[" + f.options.host + "]"
                                                          : f.options.host,
                                      *port);
  if (!f.ready_file.empty()) {
    std::string line = fmt::format("{{\"url\":\"{}\",\"pid\":{}}}\n", url, static_cast<long>(::getpid()));
    if (Status s = io::WriteFileAtomically(io::FileSystem::Default(), f.ready_file, line); !s.ok()) {
      return Fail("console", s);
    }
  }
  std::printf("evpipe console: %s  (broker %s, topic %s; read-only; Ctrl-C stops it)\n", url.c_str(),
              f.options.bootstrap.c_str(), f.options.topic.c_str());
  std::fflush(stdout);
  std::thread([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.Stop();
  }).detach();
  Status s = server.Serve();
  if (!s.ok()) return Fail("console", s);
  std::printf("evpipe console: stopped\n");
  return kExitOk;
}

}  // namespace

void RegisterConsole(CLI::App& root, Context& ctx) {
  auto f = std::make_shared<ConsoleFlags>();
  console::ConsoleOptions& o = f->options;
  CLI::App* sub = root.add_subcommand(
      "console", "a read-only web page of topics, records, consumer groups and lag, and the lake per ingest_date");
  sub->add_option("--host", o.host, "Address to listen on (loopback only, unless --allow-remote)")
      ->capture_default_str();
  sub->add_option("--port", o.port, "Port to listen on (0: any free port)")
      ->envname("CONSOLE_PORT")->check(CLI::Range(0, 65535))->capture_default_str();
  sub->add_flag("--allow-remote", o.allow_remote,
                "Listen on a non-loopback address and answer any Host name (the console has no authentication)");
  AddBootstrap(sub, o.bootstrap);
  AddKafkaProperties(sub, o.properties);
  sub->add_option_function<double>(
         "--broker-timeout", [&o](double s) { o.broker_timeout_ms = static_cast<int>(s * 1000); },
         "Seconds each broker call may take before the page shows an error (default 3)")
      ->check(CLI::Range(0.1, 60.0));
  AddTopic(sub, o.topic)->description("Topic whose lake (raw, quarantine, Parquet) the page shows first");
  AddRawDir(sub, o.raw_dir);
  AddParquetDir(sub, o.parquet_dir);
  AddQuarantineDir(sub, o.quarantine_dir);
  o.broker_data_dir = kDefaultBrokerDataDir;
  sub->add_option("--broker-data-dir", o.broker_data_dir,
                  "evpipe broker's data dir, for partition sizes on disk (other brokers: sizes unknown)")
      ->capture_default_str();
  sub->add_option("--ready-file", f->ready_file, "Write {\"url\":...,\"pid\":...} here once listening");
  sub->callback([f, &ctx] { ctx.exit_code = RunConsole(*f); });
}

}  // namespace evpipe::cli
