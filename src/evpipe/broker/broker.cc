// RunBroker: wires the Kafka server, the admin HTTP endpoint, signals and
// the ready file together (see broker.h).
#include "evpipe/broker/broker.h"

#include <httplib.h>
#include <unistd.h>

#include <fmt/core.h>

#include <atomic>
#include <thread>

#include "evpipe/broker/metrics.h"
#include "evpipe/broker/server.h"
#include "evpipe/core/listen_options.h"
#include "evpipe/core/logging.h"
#include "evpipe/io/file_system.h"

namespace evpipe::broker {
namespace {

constexpr size_t kAdminThreads = 32;
constexpr time_t kAdminReadTimeoutSec = 1;
constexpr size_t kAdminMaxPayload = 4096;

}  // namespace

Result<std::pair<std::string, uint16_t>> ParseHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("expected HOST:PORT, got '" + s + "'");
  std::string host = s.substr(0, colon);
  std::string port = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
    return Status::InvalidArgument("bad port in '" + s + "' (0-65535, 0 = any free port)");
  }
  return std::make_pair(host, static_cast<uint16_t>(p));
}

Status RunBroker(const BrokerOptions& options, std::unique_ptr<LogStore> store) {
  Metrics metrics;
  Server server(options, std::move(store), &metrics);
  EVPIPE_RETURN_IF_ERROR(server.Listen());

  EVPIPE_ASSIGN_OR_RETURN(auto admin_hp, ParseHostPort(options.admin_listen));
  httplib::Server admin;
  // Slow or idle HTTP clients must not hold every worker (the readiness probe
  // would time out): short read/write timeouts, one request per connection,
  // and more workers than a handful of stuck sockets.
  admin.new_task_queue = [] { return new httplib::ThreadPool(kAdminThreads); };
  admin.set_read_timeout(kAdminReadTimeoutSec, 0);
  admin.set_write_timeout(kAdminReadTimeoutSec, 0);
  admin.set_keep_alive_max_count(1);
  admin.set_payload_max_length(kAdminMaxPayload);
  admin.set_socket_options(core::ReuseAddressOnly);
  std::atomic<bool> ready{false};
  admin.Get("/v1/status/ready", [&ready](const httplib::Request&, httplib::Response& res) {
    if (ready) {
      res.set_content("{\"status\":\"ready\"}\n", "application/json");
    } else {
      res.status = 503;
      res.set_content("{\"status\":\"starting\"}\n", "application/json");
    }
  });
  admin.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.RenderPrometheus(), "text/plain; version=0.0.4");
  });
  std::string admin_host = admin_hp.first == "localhost" ? "127.0.0.1" : admin_hp.first;
  int admin_port = admin_hp.second;
  if (admin_port == 0) {
    admin_port = admin.bind_to_any_port(admin_host);
  } else if (!admin.bind_to_port(admin_host, admin_port)) {
    admin_port = -1;
  }
  if (admin_port <= 0) return Status::IoError("admin listener: cannot bind " + options.admin_listen);
  std::thread admin_thread([&admin] { admin.listen_after_bind(); });

  asio::signal_set signals(server.io(), SIGTERM, SIGINT);
  signals.async_wait([&server](const asio::error_code& ec, int sig) {
    if (ec) return;
    log::Info("signal {}: shutting down", sig);
    server.Stop();
  });

  std::string kafka_addr = fmt::format("{}:{}", server.advertised_host(), server.port());
  std::string admin_addr = fmt::format("{}:{}", admin_host == "0.0.0.0" ? "127.0.0.1" : admin_host, admin_port);
  Status status;
  if (!options.ready_file.empty()) {
    std::string line = fmt::format("{{\"kafka\":\"{}\",\"admin\":\"{}\",\"pid\":{}}}\n", kafka_addr, admin_addr,
                                   static_cast<long>(::getpid()));
    status = io::WriteFileAtomically(io::FileSystem::Default(), options.ready_file, line);
  }
  if (status.ok()) {
    ready = true;
    log::Info("ready: kafka={} admin={} data-dir={}", kafka_addr, admin_addr, options.data_dir);
    server.Run();
    log::Info("stopped");
  }
  admin.stop();
  admin_thread.join();
  return status;
}

}  // namespace evpipe::broker
