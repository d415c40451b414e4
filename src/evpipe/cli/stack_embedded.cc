// BROKER=embedded: our `evpipe broker` as a detached process with
// broker.pid, broker.log and broker.ready in the run dir. Ready when its admin
// server answers GET /v1/status/ready.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/core.h>

#include "evpipe/cli/options.h"
#include "evpipe/cli/stack_internal.h"
#include "evpipe/core/clock.h"
#include "evpipe/io/file_system.h"

namespace evpipe::cli::stack {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKind = "broker";
constexpr std::string_view kMarker = "broker";  // `evpipe broker ...`: an argv element
constexpr double kTimeoutSeconds = 30;

std::string DataDir(const StackFlags& f) { return f.data_dir.empty() ? kDefaultBrokerDataDir : f.data_dir; }
double Timeout(const StackFlags& f) { return f.timeout_s > 0 ? f.timeout_s : kTimeoutSeconds; }

std::string Describe(const StackFlags& f, pid_t pid) {
  return DescribeRunning(FilesOf(f, kKind), pid, DataDir(f), "admin");
}

Result<pid_t> Spawn(const StackFlags& f) {
  RunFiles files = FilesOf(f, kKind);
  EVPIPE_RETURN_IF_ERROR(PrepareStart(f, DataDir(f), files));
  std::error_code ec;
  std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::IoError("cannot find the evpipe binary: " + ec.message());
  return SpawnDetached({self, "broker", "--data-dir", fs::absolute(DataDir(f)).string(), "--listen", f.listen,
                        "--admin-listen", f.admin_listen, "--ready-file", fs::absolute(files.ready).string()},
                       fs::absolute(files.log).string());
}

// What to say when no broker of ours runs: a foreign one at our addresses, or a crash.
std::string NotRunning(const StackFlags& f, pid_t stale) {
  std::string foreign = ForeignBroker(f.listen, f.admin_listen);
  std::string text = "no embedded broker started here (no live pid file in " + f.run_dir + ")";
  if (stale > 0) text += fmt::format("; pid {} of the pid file has exited (removed the stale file)", stale);
  if (!foreign.empty()) text += ", but " + foreign;
  return text;
}

Outcome EmbeddedUp(const StackFlags& f) {
  RunFiles files = FilesOf(f, kKind);
  if (std::optional<pid_t> pid = RunningPid(files, kMarker)) {
    return Ok("embedded broker already running: " + Describe(f, *pid));
  }
  const char* move = "pick another port with BROKER_LISTEN=127.0.0.1:PORT (and KAFKA_BOOTSTRAP)";
  if (Status s = CheckPortFree(f.listen, "--listen", move); !s.ok()) return Failed(s.message());
  if (Status s = CheckPortFree(f.admin_listen, "--admin-listen", "pick another with BROKER_ADMIN_LISTEN=127.0.0.1:PORT");
      !s.ok()) {
    return Failed(s.message());
  }
  auto spawned = Spawn(f);
  if (!spawned.ok()) return Failed(spawned.status().message());
  pid_t pid = *spawned;
  Status written = io::WriteFileAtomically(io::FileSystem::Default(), files.pid, std::to_string(pid) + "\n");
  if (!written.ok()) {
    ::kill(pid, SIGTERM);
    return Failed("writing the pid file: " + written.message());
  }
  int64_t deadline = DeadlineAfter(Timeout(f));
  Status ready = Status::Unavailable("no ready file yet");
  while (MonotonicMicros() < deadline) {
    if (!ProcessExists(pid)) {  // no marker check: until exec its argv is ours
      std::error_code ec;
      fs::remove(files.pid, ec);
      return Failed(fmt::format("the broker exited during start-up; see {}: {}", files.log, LastLines(files.log, 3)));
    }
    std::string admin = JsonField(ReadFile(files.ready), "admin");
    if (!admin.empty()) {
      ready = CheckReady(admin);
      if (ready.ok()) return Ok("embedded broker up: " + Describe(f, pid));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGTERM);
  std::error_code ec;
  fs::remove(files.pid, ec);
  return Failed(fmt::format("the broker was not ready after {:.0f} s ({}); stopped it; see {}", Timeout(f),
                            ready.message(), files.log));
}

Outcome EmbeddedDown(const StackFlags& f) {
  RunFiles files = FilesOf(f, kKind);
  pid_t stale = 0;
  std::optional<pid_t> pid = RunningPid(files, kMarker, &stale);
  if (!pid) {
    std::string foreign = ForeignBroker(f.listen, f.admin_listen);
    if (!foreign.empty()) return Failed(NotRunning(f, stale) + "; not ours to stop: stop it yourself");
    return NothingToStop("embedded broker", stale);
  }
  return StopRunning(files, *pid, Timeout(f), "embedded broker");
}

Outcome EmbeddedPs(const StackFlags& f) {
  pid_t stale = 0;
  std::optional<pid_t> pid = RunningPid(FilesOf(f, kKind), kMarker, &stale);
  if (!pid) {
    std::string text = NotRunning(f, stale);
    // A broker answers at our address: it runs, just not by us.
    if (text.find(", but ") != std::string::npos) return Ok("embedded broker: " + text);
    return Failed("embedded broker: not running" + (stale > 0 ? fmt::format(" (pid {} has exited; see {})", stale,
                                                                             FilesOf(f, kKind).log)
                                                               : std::string()));
  }
  std::string admin = JsonField(ReadFile(FilesOf(f, kKind).ready), "admin");
  bool ready = !admin.empty() && CheckReady(admin).ok();
  return Ok(fmt::format("embedded broker: running, {}: {}", ready ? "ready" : "not ready", Describe(f, *pid)));
}

Outcome EmbeddedLogs(const StackFlags& f) { return ShowLog(FilesOf(f, kKind).log, f.follow); }

Outcome EmbeddedHealth(const StackFlags& f) {
  std::string admin = f.admin;
  if (admin.empty() && RunningPid(FilesOf(f, kKind), kMarker)) {
    admin = JsonField(ReadFile(FilesOf(f, kKind).ready), "admin");
  }
  if (admin.empty()) admin = f.admin_listen;
  Status s = CheckReady(admin);
  if (!s.ok()) return Failed("not ready: " + s.message());
  return Ok(fmt::format("ready (embedded broker, admin {})", admin));
}

}  // namespace

const BrokerKind kEmbedded = {kKind, EmbeddedUp, EmbeddedDown, EmbeddedPs, EmbeddedLogs, EmbeddedHealth};

}  // namespace evpipe::cli::stack
