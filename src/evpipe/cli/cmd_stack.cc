// `evpipe up|down|restart|logs|ps|health`: the broker's life. Embedded (our
// `evpipe broker` as a background process with a pid file, a log file and a
// ready file in the run dir) or Redpanda through `docker compose`.
//
// Exit codes (LSB init-script style): up when a broker already runs and down
// when none runs both say so and exit 0 (the wanted state holds); ps and health
// exit 0 when the broker runs / is ready, 1 when not; any failure exits 1.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"

namespace evpipe::cli {
namespace {

namespace fs = std::filesystem;

inline constexpr const char* kDefaultRunDir = "./data/run";
inline constexpr const char* kDefaultListen = "127.0.0.1:9092";
inline constexpr const char* kDefaultAdminListen = "127.0.0.1:9644";
inline constexpr const char* kDefaultComposeFile = "docker/compose.yml";
inline constexpr double kDefaultStackTimeoutSeconds = 30;
inline constexpr const char* kReadyPath = "/v1/status/ready";

struct StackFlags {
  std::string broker = "auto";
  std::string data_dir = kDefaultBrokerDataDir;
  std::string run_dir = kDefaultRunDir;
  std::string listen = kDefaultListen;
  std::string admin_listen = kDefaultAdminListen;
  std::string admin;  // health: the admin address to ask (default: the running broker's, else 9644)
  std::string compose_file = kDefaultComposeFile;
  double timeout_s = kDefaultStackTimeoutSeconds;
  bool follow = false;

  std::string pid_file() const { return run_dir + "/broker.pid"; }
  std::string log_file() const { return run_dir + "/broker.log"; }
  std::string ready_file() const { return run_dir + "/broker.ready"; }
};

// A command's outcome: the exit code plus the line to print (stdout when ok, stderr otherwise).
struct Outcome {
  int exit_code = kExitOk;
  std::string message;
};

Outcome Ok(std::string m) { return {kExitOk, std::move(m)}; }
Outcome Failed(std::string m) { return {kExitFailure, std::move(m)}; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The string value of "name" in a one-line JSON object like the ready file.
std::string JsonField(const std::string& json, const std::string& name) {
  std::string needle = "\"" + name + "\":";
  size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  at += needle.size();
  while (at < json.size() && json[at] == ' ') ++at;
  if (at < json.size() && json[at] == '"') {
    size_t end = json.find('"', at + 1);
    return end == std::string::npos ? "" : json.substr(at + 1, end - at - 1);
  }
  size_t end = json.find_first_of(",}", at);
  return json.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// ---- processes --------------------------------------------------------------------

bool IsBrokerProcess(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') return false;  // a zombie
  return cmdline.find(std::string("broker") + '\0') != std::string::npos;
}

// The pid in the pid file when that process is a running broker; removes a stale file.
std::optional<pid_t> RunningPid(const StackFlags& f, bool* stale = nullptr) {
  std::string text = ReadFile(f.pid_file());
  if (text.empty()) return std::nullopt;
  pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));
  if (IsBrokerProcess(pid)) return pid;
  std::error_code ec;
  fs::remove(f.pid_file(), ec);
  fs::remove(f.ready_file(), ec);
  if (stale != nullptr) *stale = true;
  return std::nullopt;
}

// Runs argv (searching PATH), output inherited; returns its exit code (127 when it cannot run).
int RunCommand(const std::vector<std::string>& args, bool quiet = false) {
  pid_t pid = ::fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (quiet) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool DockerAnswers() { return RunCommand({"timeout", "5", "docker", "info"}, /*quiet=*/true) == 0; }

// ---- HTTP -------------------------------------------------------------------------

// GET http://<host:port><path>: the status code, or an error. Bounded by timeout_ms.
Result<int> HttpGet(const std::string& address, const std::string& path, int timeout_ms) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("admin address " + address + ": expected host:port");
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return Status::Unavailable(address + ": " + gai_strerror(rc));
  }
  Status last = Status::Unavailable(address + ": no address");
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    auto wait_for = [&](short events) {
      pollfd p{fd, events, 0};
      return ::poll(&p, 1, timeout_ms) == 1;
    };
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS && wait_for(POLLOUT)) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = Status::FromErrno("connect to " + address, errno == EINPROGRESS ? ETIMEDOUT : errno);
      ::close(fd);
      continue;
    }
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      last = Status::FromErrno("send to " + address, errno);
      ::close(fd);
      continue;
    }
    std::string response;
    char buf[1024];
    while (response.find("\r\n") == std::string::npos && wait_for(POLLIN)) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      response.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    ::freeaddrinfo(res);
    // "HTTP/1.1 200 OK"
    size_t sp = response.find(' ');
    if (response.rfind("HTTP/", 0) != 0 || sp == std::string::npos) {
      return Status::Unavailable(address + ": not an HTTP answer");
    }
    return std::atoi(response.c_str() + sp + 1);
  }
  ::freeaddrinfo(res);
  return last;
}

Status CheckReady(const std::string& admin) {
  EVPIPE_ASSIGN_OR_RETURN(int code, HttpGet(admin, kReadyPath, 2000));
  if (code != 200) return Status::Unavailable(fmt::format("GET http://{}{} answered {}", admin, kReadyPath, code));
  return Status::Ok();
}

// ---- embedded ---------------------------------------------------------------------

std::string LastLines(const std::string& path, int n) {
  std::string text = ReadFile(path);
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < n && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  std::string tail = text.substr(pos == std::string::npos ? 0 : pos + 1);
  for (char& c : tail) if (c == '\n') c = ' ';
  return tail;
}

std::string Describe(const StackFlags& f, pid_t pid) {
  std::string ready = ReadFile(f.ready_file());
  std::string kafka = JsonField(ready, "kafka");
  std::string admin = JsonField(ready, "admin");
  return fmt::format("kafka {}, admin {} (pid {}, data {}, log {})", kafka.empty() ? "?" : kafka,
                     admin.empty() ? "?" : admin, pid, f.data_dir, f.log_file());
}

// Starts `evpipe broker` detached from us (its own session; re-parented to
// init), its output appended to the log file. Returns its pid.
Result<pid_t> SpawnBroker(const StackFlags& f) {
  std::error_code ec;
  fs::create_directories(f.data_dir, ec);
  if (ec) return Status::IoError("--data-dir " + f.data_dir + ": " + ec.message());
  fs::create_directories(f.run_dir, ec);
  if (ec) return Status::IoError("--run-dir " + f.run_dir + ": " + ec.message());
  fs::remove(f.ready_file(), ec);
  std::string self = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::IoError("cannot find the evpipe binary: " + ec.message());
  std::vector<std::string> args = {self,          "broker",
                                   "--data-dir",  fs::absolute(f.data_dir).string(),
                                   "--listen",    f.listen,
                                   "--admin-listen", f.admin_listen,
                                   "--ready-file", fs::absolute(f.ready_file()).string()};
  std::string log_path = fs::absolute(f.log_file()).string();
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
  pid_t child = ::fork();
  if (child < 0) return Status::FromErrno("fork", errno);
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      int null = ::open("/dev/null", O_RDONLY);
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (null < 0 || log < 0) ::_exit(127);
      ::dup2(null, STDIN_FILENO);
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    [[maybe_unused]] ssize_t n = ::write(pipefd[1], &grandchild, sizeof(grandchild));
    ::_exit(grandchild > 0 ? 0 : 1);
  }
  ::close(pipefd[1]);
  pid_t pid = -1;
  ssize_t n = ::read(pipefd[0], &pid, sizeof(pid));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (n != sizeof(pid) || pid <= 0) return Status::IoError("could not start the broker process");
  return pid;
}

Outcome EmbeddedUp(const StackFlags& f) {
  if (std::optional<pid_t> pid = RunningPid(f)) {
    return Ok("embedded broker already running: " + Describe(f, *pid));
  }
  auto spawned = SpawnBroker(f);
  if (!spawned.ok()) return Failed("" + spawned.status().message());
  pid_t pid = *spawned;
  Status written = io::WriteFileAtomically(io::FileSystem::Default(), f.pid_file(), std::to_string(pid) + "\n");
  if (!written.ok()) {
    ::kill(pid, SIGTERM);
    return Failed("writing the pid file: " + written.message());
  }
  int64_t deadline = MonotonicMicros() + static_cast<int64_t>(f.timeout_s * 1e6);
  Status ready = Status::Unavailable("no ready file yet");
  while (MonotonicMicros() < deadline) {
    if (!IsBrokerProcess(pid)) {
      std::error_code ec;
      fs::remove(f.pid_file(), ec);
      return Failed(fmt::format("the broker exited during start-up; see {}: {}", f.log_file(),
                                LastLines(f.log_file(), 3)));
    }
    std::string admin = JsonField(ReadFile(f.ready_file()), "admin");
    if (!admin.empty()) {
      ready = CheckReady(admin);
      if (ready.ok()) return Ok("embedded broker up: " + Describe(f, pid));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGTERM);
  std::error_code ec;
  fs::remove(f.pid_file(), ec);
  return Failed(fmt::format("the broker was not ready after {:.0f} s ({}); stopped it; see {}", f.timeout_s,
                            ready.message(), f.log_file()));
}

Outcome EmbeddedDown(const StackFlags& f) {
  bool stale = false;
  std::optional<pid_t> pid = RunningPid(f, &stale);
  if (!pid) {
    return Ok(std::string("no embedded broker running") + (stale ? " (removed a stale pid file)" : "") +
              "; nothing to stop");
  }
  ::kill(*pid, SIGTERM);
  int64_t deadline = MonotonicMicros() + static_cast<int64_t>(f.timeout_s * 1e6);
  std::string how = "stopped";
  while (IsBrokerProcess(*pid)) {
    if (MonotonicMicros() >= deadline) {
      ::kill(*pid, SIGKILL);
      how = fmt::format("killed (still running {:.0f} s after SIGTERM)", f.timeout_s);
      while (IsBrokerProcess(*pid)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::error_code ec;
  fs::remove(f.pid_file(), ec);
  fs::remove(f.ready_file(), ec);
  return Ok(fmt::format("embedded broker {} (pid {})", how, *pid));
}

Outcome EmbeddedPs(const StackFlags& f) {
  std::optional<pid_t> pid = RunningPid(f);
  if (!pid) return Failed("embedded broker: not running");
  std::string admin = JsonField(ReadFile(f.ready_file()), "admin");
  bool ready = !admin.empty() && CheckReady(admin).ok();
  return Ok(fmt::format("embedded broker: running, {}: {}", ready ? "ready" : "not ready", Describe(f, *pid)));
}

Outcome EmbeddedLogs(const StackFlags& f) {
  int fd = ::open(f.log_file().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Failed("no broker log at " + f.log_file() + " (has `evpipe up` run here?)");
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      if (std::fwrite(buf, 1, static_cast<size_t>(n), stdout) != static_cast<size_t>(n)) break;
      continue;
    }
    if (!f.follow) break;
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::close(fd);
  return Ok("");
}

// ---- redpanda ----------------------------------------------------------------------

std::vector<std::string> Compose(const StackFlags& f, std::vector<std::string> rest) {
  std::vector<std::string> args = {"docker", "compose", "-f", f.compose_file};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

Outcome RedpandaUp(const StackFlags& f) {
  if (int rc = RunCommand(Compose(f, {"up", "-d"})); rc != 0) {
    return Failed(fmt::format("`docker compose -f {} up -d` failed (exit {})", f.compose_file, rc));
  }
  std::string admin = f.admin.empty() ? kDefaultAdminListen : f.admin;
  int64_t deadline = MonotonicMicros() + static_cast<int64_t>(f.timeout_s * 1e6);
  Status ready;
  do {
    ready = CheckReady(admin);
    if (ready.ok()) return Ok("redpanda up: kafka 127.0.0.1:9092, admin " + admin);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  } while (MonotonicMicros() < deadline);
  return Failed(fmt::format("redpanda was not ready after {:.0f} s ({}); see `evpipe logs --broker redpanda`",
                            f.timeout_s, ready.message()));
}

Outcome RedpandaRun(const StackFlags& f, std::vector<std::string> rest, const char* what) {
  int rc = RunCommand(Compose(f, std::move(rest)));
  if (rc != 0) return Failed(fmt::format("{}: docker compose failed (exit {})", what, rc));
  return Ok("");
}

// ---- dispatch -----------------------------------------------------------------------

// auto: for up, Redpanda when a Docker engine answers; for the others, the
// embedded broker when its pid file is here, else Redpanda when Docker answers.
std::string Resolve(const StackFlags& f, const std::string& command) {
  if (f.broker != "auto") return f.broker;
  if (command != "up" && command != "restart" && fs::exists(f.pid_file())) return "embedded";
  return DockerAnswers() ? "redpanda" : "embedded";
}

Outcome Health(const StackFlags& f, const std::string& broker) {
  std::string admin = f.admin;
  if (admin.empty() && broker == "embedded" && RunningPid(f)) admin = JsonField(ReadFile(f.ready_file()), "admin");
  if (admin.empty()) admin = kDefaultAdminListen;
  Status s = CheckReady(admin);
  if (!s.ok()) return Failed("not ready: " + s.message());
  return Ok(fmt::format("ready ({} broker, admin {})", broker, admin));
}

Outcome Dispatch(const StackFlags& f, const std::string& command) {
  std::string broker = Resolve(f, command);
  bool embedded = broker == "embedded";
  if (command == "up") return embedded ? EmbeddedUp(f) : RedpandaUp(f);
  if (command == "down") return embedded ? EmbeddedDown(f) : RedpandaRun(f, {"down"}, "down");
  if (command == "restart") {
    Outcome down = embedded ? EmbeddedDown(f) : RedpandaRun(f, {"down"}, "down");
    if (down.exit_code != kExitOk) return down;
    if (!down.message.empty()) std::printf("%s\n", down.message.c_str());
    return embedded ? EmbeddedUp(f) : RedpandaUp(f);
  }
  if (command == "logs") {
    if (embedded) return EmbeddedLogs(f);
    std::vector<std::string> rest = {"logs"};
    if (f.follow) rest.push_back("-f");
    return RedpandaRun(f, rest, "logs");
  }
  if (command == "ps") return embedded ? EmbeddedPs(f) : RedpandaRun(f, {"ps"}, "ps");
  return Health(f, broker);
}

}  // namespace

void RegisterStack(CLI::App& root, Context& ctx) {
  static StackFlags f;
  const std::pair<const char*, const char*> commands[] = {
      {"up", "start the broker (embedded, or Redpanda where a Docker engine answers) and wait until ready"},
      {"down", "stop the broker"},
      {"restart", "stop, then start the broker"},
      {"logs", "print the broker's log"},
      {"ps", "show whether the broker runs (exit 1 when not)"},
      {"health", "exit 0 when the broker answers ready on GET /v1/status/ready"},
  };
  for (const auto& [name, help] : commands) {
    CLI::App* sub = root.add_subcommand(name, help);
    sub->add_option("--broker", f.broker, "auto, embedded or redpanda")
        ->envname("BROKER")
        ->check(CLI::IsMember({"auto", "embedded", "redpanda"}))
        ->capture_default_str();
    sub->add_option("--data-dir", f.data_dir, "Embedded broker: data directory")
        ->envname("BROKER_DATA_DIR")->capture_default_str();
    sub->add_option("--run-dir", f.run_dir, "Embedded broker: pid, log and ready files")
        ->envname("BROKER_RUN_DIR")->capture_default_str();
    sub->add_option("--listen", f.listen, "Embedded broker: Kafka address (port 0: any free port)")
        ->envname("BROKER_LISTEN")->capture_default_str();
    sub->add_option("--admin-listen", f.admin_listen, "Embedded broker: admin HTTP address")
        ->envname("BROKER_ADMIN_LISTEN")->capture_default_str();
    sub->add_option("--admin", f.admin, "Admin address to ask for health (default: the running broker's, else 127.0.0.1:9644)")
        ->envname("EVPIPE_ADMIN");
    sub->add_option("--compose-file", f.compose_file, "Redpanda: the docker compose file")
        ->envname("EVPIPE_COMPOSE_FILE")->capture_default_str();
    sub->add_option("--timeout", f.timeout_s, "Seconds to wait for ready (up) or exit (down)")
        ->check(CLI::PositiveNumber)->capture_default_str();
    if (std::string(name) == "logs") sub->add_flag("-f,--follow", f.follow, "Keep printing new lines");
    std::string command = name;
    sub->callback([&ctx, command] {
      Outcome o = Dispatch(f, command);
      if (!o.message.empty()) {
        if (o.exit_code == kExitOk) {
          std::printf("%s\n", o.message.c_str());
        } else {
          std::fprintf(stderr, "evpipe %s: %s\n", command.c_str(), o.message.c_str());
        }
      }
      ctx.exit_code = o.exit_code;
    });
  }
}

}  // namespace evpipe::cli
