// BROKER=redpanda: Redpanda through `docker compose` (docker/compose.yml).
// Ready when its admin API answers GET /v1/status/ready.
#include <chrono>
#include <thread>

#include <fmt/core.h>

#include "evpipe/cli/stack_internal.h"
#include "evpipe/core/clock.h"

namespace evpipe::cli::stack {
namespace {

constexpr double kTimeoutSeconds = 30;

std::vector<std::string> Compose(const StackFlags& f, std::vector<std::string> rest) {
  std::vector<std::string> args = {"docker", "compose", "-f", f.compose_file};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

Outcome Run(const StackFlags& f, std::vector<std::string> rest, const char* what) {
  int rc = RunCommand(Compose(f, std::move(rest)));
  if (rc != 0) return Failed(fmt::format("{}: docker compose failed (exit {})", what, rc));
  return Ok("");
}

std::string Admin(const StackFlags& f) { return f.admin.empty() ? f.admin_listen : f.admin; }

Outcome RedpandaUp(const StackFlags& f) {
  if (int rc = RunCommand(Compose(f, {"up", "-d"})); rc != 0) {
    return Failed(fmt::format("`docker compose -f {} up -d` failed (exit {})", f.compose_file, rc));
  }
  double timeout = f.timeout_s > 0 ? f.timeout_s : kTimeoutSeconds;
  int64_t deadline = DeadlineAfter(timeout);
  Status ready;
  do {
    ready = CheckReady(Admin(f));
    if (ready.ok()) return Ok("redpanda up: kafka " + f.listen + ", admin " + Admin(f));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  } while (MonotonicMicros() < deadline);
  return Failed(fmt::format("redpanda was not ready after {:.0f} s ({}); see `evpipe logs --broker redpanda`",
                            timeout, ready.message()));
}

Outcome RedpandaDown(const StackFlags& f) { return Run(f, {"down"}, "down"); }
Outcome RedpandaPs(const StackFlags& f) { return Run(f, {"ps"}, "ps"); }

Outcome RedpandaLogs(const StackFlags& f) {
  std::vector<std::string> rest = {"logs"};
  if (f.follow) rest.push_back("-f");
  return Run(f, rest, "logs");
}

Outcome RedpandaHealth(const StackFlags& f) {
  Status s = CheckReady(Admin(f));
  if (!s.ok()) return Failed("not ready: " + s.message());
  return Ok(fmt::format("ready (redpanda broker, admin {})", Admin(f)));
}

}  // namespace

bool DockerAnswers() { return RunCommand({"timeout", "5", "docker", "info"}, /*quiet=*/true) == 0; }

const BrokerKind kRedpanda = {"", RedpandaUp, RedpandaDown, RedpandaPs, RedpandaLogs, RedpandaHealth};

}  // namespace evpipe::cli::stack
