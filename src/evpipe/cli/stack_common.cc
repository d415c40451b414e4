// What every broker kind of `evpipe up|down|...` shares: run files, detached
// processes, readiness probes and who holds a port.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <httplib.h>

#include "evpipe/cli/stack_internal.h"
#include "evpipe/core/clock.h"
#include "evpipe/kafka/admin.h"

namespace evpipe::cli::stack {

namespace fs = std::filesystem;

RunFiles FilesOf(const StackFlags& f, std::string_view kind) {
  std::string base = f.run_dir + "/" + std::string(kind);
  return {base + ".pid", base + ".log", base + ".ready"};
}

Outcome Ok(std::string message) { return {0, std::move(message)}; }
Outcome Failed(std::string message) { return {1, std::move(message)}; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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

std::string LastLines(const std::string& path, int n) {
  std::string text = ReadFile(path);
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < n && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  std::string tail = pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
  for (char& c : tail) {
    if (c == '\n') c = ' ';
  }
  return tail;
}

Outcome ShowLog(const std::string& path, bool follow) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Failed("no broker log at " + path + " (has `evpipe up` run here?)");
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      if (std::fwrite(buf, 1, static_cast<size_t>(n), stdout) != static_cast<size_t>(n)) break;
      continue;
    }
    if (!follow) break;
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::close(fd);
  return Ok("");
}

int64_t DeadlineAfter(double seconds) { return MonotonicMicros() + static_cast<int64_t>(seconds * 1e6); }

// ---- processes --------------------------------------------------------------------

namespace {

std::vector<std::string> Argv(pid_t pid) {
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  size_t start = 0;
  while (start < cmdline.size()) {
    size_t end = cmdline.find('\0', start);
    if (end == std::string::npos) end = cmdline.size();
    args.push_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

// "java -Xmx512m -cp … kafka.Kafka /x/server.properties": long arguments (a class path) elided.
std::string DescribeProcess(pid_t pid) {
  std::vector<std::string> args = Argv(pid);
  if (args.empty()) return fmt::format("pid {}", pid);
  std::string text = fs::path(args[0]).filename().string();
  bool elided = false;
  for (size_t i = 1; i < args.size() && text.size() < 160; ++i) {
    const std::string& a = args[i];
    bool noise = a.size() > 60 || a.rfind("-D", 0) == 0 || a.rfind("-X", 0) == 0;
    if (noise && elided) continue;
    text += " " + (noise ? std::string("…") : a);
    elided = noise;
  }
  return fmt::format("pid {} ({})", pid, text);
}

}  // namespace

bool ProcessExists(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') {
    // A zombie, unless only its main thread has exited: a JVM's other threads
    // still hold its sockets until they are gone too.
    std::error_code ec;
    auto tasks = fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
    if (ec || std::distance(tasks, fs::directory_iterator()) <= 1) return false;
    return true;
  }
  return true;
}

bool IsLiveProcess(pid_t pid, std::string_view marker) {
  if (!ProcessExists(pid)) return false;
  for (const std::string& arg : Argv(pid)) {
    if (arg == marker) return true;
  }
  return false;
}

std::optional<pid_t> RunningPid(const RunFiles& files, std::string_view marker, pid_t* stale_pid) {
  std::string text = ReadFile(files.pid);
  if (text.empty()) return std::nullopt;
  pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));
  if (IsLiveProcess(pid, marker)) return pid;
  std::error_code ec;
  fs::remove(files.pid, ec);
  fs::remove(files.ready, ec);
  if (stale_pid != nullptr) *stale_pid = pid;
  return std::nullopt;
}

int RunCommand(const std::vector<std::string>& args, bool quiet) {
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

// In a forked child: stdin from /dev/null, stdout and stderr appended to
// log_path, then execv(args); exits 127 when any of that fails.
[[noreturn]] void ExecLogged(const std::vector<std::string>& args, const std::string& log_path) {
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

Result<pid_t> SpawnDetached(const std::vector<std::string>& args, const std::string& log_path) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
  pid_t child = ::fork();
  if (child < 0) return Status::FromErrno("fork", errno);
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ExecLogged(args, log_path);
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
  if (n != sizeof(pid) || pid <= 0) return Status::IoError("could not start " + args[0]);
  return pid;
}

std::string StopProcess(pid_t pid, double timeout_s) {
  ::kill(pid, SIGTERM);
  int64_t deadline = DeadlineAfter(timeout_s);
  while (ProcessExists(pid)) {
    if (MonotonicMicros() >= deadline) {
      ::kill(pid, SIGKILL);
      int64_t hard = DeadlineAfter(10);
      while (ProcessExists(pid) && MonotonicMicros() < hard) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return fmt::format("killed (still running {:.0f} s after SIGTERM)", timeout_s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "stopped";
}

// ---- starting and stopping a broker of ours ---------------------------------------

Status PrepareStart(const StackFlags& f, const std::string& data_dir, const RunFiles& files) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return Status::IoError("--data-dir " + data_dir + ": " + ec.message());
  fs::create_directories(f.run_dir, ec);
  if (ec) return Status::IoError("--run-dir " + f.run_dir + ": " + ec.message());
  fs::remove(files.ready, ec);
  return Status::Ok();
}

Outcome StopRunning(const RunFiles& files, pid_t pid, double timeout_s, std::string_view name) {
  std::string how = StopProcess(pid, timeout_s);
  std::error_code ec;
  fs::remove(files.pid, ec);
  fs::remove(files.ready, ec);
  return Ok(fmt::format("{} {} (pid {})", name, how, pid));
}

Outcome NothingToStop(std::string_view name, pid_t stale) {
  return Ok(fmt::format("no {} running{}; nothing to stop", name, stale > 0 ? " (removed a stale pid file)" : ""));
}

std::string DescribeRunning(const RunFiles& files, pid_t pid, const std::string& data_dir, std::string_view second) {
  std::string ready = ReadFile(files.ready);
  std::string kafka = JsonField(ready, "kafka");
  std::string other = JsonField(ready, std::string(second));
  return fmt::format("kafka {}, {} {} (pid {}, data {}, log {})", kafka.empty() ? "?" : kafka, second,
                     other.empty() ? "?" : other, pid, data_dir, files.log);
}

bool PidFileExists(const StackFlags& f, std::string_view kind) { return fs::exists(FilesOf(f, kind).pid); }

// ---- network ----------------------------------------------------------------------

namespace {

bool SplitAddress(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  *port = std::atoi(address.c_str() + colon + 1);
  return *port >= 0 && *port < 65536 && colon + 1 < address.size();
}

}  // namespace

bool TcpConnects(const std::string& address, int timeout_ms) {
  std::string host;
  int port = 0;
  if (!SplitAddress(address, &host, &port) || port == 0) return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
  bool connected = false;
  for (addrinfo* ai = res; ai != nullptr && !connected; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = -1;
      socklen_t len = sizeof(err);
      if (::poll(&p, 1, timeout_ms) == 1) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
    }
    connected = rc == 0;
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return connected;
}

Status CheckReady(const std::string& admin) {
  constexpr const char* kReadyPath = "/v1/status/ready";
  std::string host;
  int port = 0;
  if (!SplitAddress(admin, &host, &port)) return Status::InvalidArgument("admin address " + admin + ": expected host:port");
  httplib::Client client(host, port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(2, 0);
  httplib::Result res = client.Get(kReadyPath);
  if (!res) return Status::Unavailable(fmt::format("{}: {}", admin, httplib::to_string(res.error())));
  if (res->status != 200) {
    return Status::Unavailable(fmt::format("GET http://{}{} answered {}", admin, kReadyPath, res->status));
  }
  return Status::Ok();
}

Result<std::string> KafkaClusterId(const std::string& bootstrap, int timeout_ms) {
  if (!TcpConnects(bootstrap, std::min(timeout_ms, 1000))) {
    return Status::Unavailable("nothing listens on " + bootstrap);
  }
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::AdminConfig(bootstrap, {}));
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, kafka::Admin::Create(std::move(config)));
  EVPIPE_RETURN_IF_ERROR(admin->client().WaitForBroker(timeout_ms));
  return admin->client().ClusterId(timeout_ms);
}

namespace {

// Inodes of sockets listening on `port` (any address), from /proc/net/tcp and tcp6.
std::vector<std::string> ListeningInodes(int port) {
  std::vector<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in(ReadFile(table));
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      size_t colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
      if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) inodes.push_back(inode);
    }
  }
  return inodes;
}

}  // namespace

std::string PortHolder(const std::string& address) {
  std::string host;
  int port = 0;
  if (!SplitAddress(address, &host, &port) || port == 0) return "";
  std::vector<std::string> inodes = ListeningInodes(port);
  if (inodes.empty()) return "";
  std::error_code ec;
  for (const fs::directory_entry& proc : fs::directory_iterator("/proc", ec)) {
    std::string name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fd_ec;
    for (const fs::directory_entry& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      std::string target = fs::read_symlink(fd.path(), link_ec).string();
      if (link_ec || target.rfind("socket:[", 0) != 0) continue;
      std::string inode = target.substr(8, target.size() - 9);
      for (const std::string& want : inodes) {
        if (inode == want) return DescribeProcess(static_cast<pid_t>(std::atol(name.c_str())));
      }
    }
  }
  return "";
}

Status CheckPortFree(const std::string& address, std::string_view what, std::string_view how_to_move) {
  std::string host;
  int port = 0;
  if (!SplitAddress(address, &host, &port)) return Status::InvalidArgument(fmt::format("{} {}: expected host:port", what, address));
  if (port == 0) return Status::Ok();  // any free port
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    return Status::InvalidArgument(fmt::format("{} {}: {}", what, address, gai_strerror(rc)));
  }
  int err = 0;
  if (res != nullptr) {
    int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd >= 0) {
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0) err = errno;
      ::close(fd);
    }
  }
  ::freeaddrinfo(res);
  if (err == 0) return Status::Ok();
  if (err != EADDRINUSE) return Status::FromErrno(fmt::format("{} {}", what, address), err);
  std::string holder = PortHolder(address);
  return Status::Unavailable(fmt::format("{} {} is taken by {}; stop it, or {}", what, address,
                                         holder.empty() ? "another process" : holder, how_to_move));
}

std::string ForeignBroker(const std::string& kafka_address, const std::string& admin_address) {
  std::vector<std::string> found;
  if (!kafka_address.empty() && TcpConnects(kafka_address, 500)) {
    bool kafka = KafkaClusterId(kafka_address, 2000).ok();
    std::string holder = PortHolder(kafka_address);
    found.push_back(fmt::format("{} {}{}", kafka_address, kafka ? "answers Kafka" : "accepts connections",
                                holder.empty() ? "" : " (" + holder + ")"));
  }
  if (!admin_address.empty() && TcpConnects(admin_address, 500)) {
    bool ready = CheckReady(admin_address).ok();
    std::string holder = PortHolder(admin_address);
    found.push_back(fmt::format("{} {}{}", admin_address, ready ? "answers ready" : "accepts connections",
                                holder.empty() ? "" : " (" + holder + ")"));
  }
  std::string out;
  for (const std::string& s : found) out += (out.empty() ? "" : "; ") + s;
  return out;
}

}  // namespace evpipe::cli::stack
