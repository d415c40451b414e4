// BROKER=kafka: Apache Kafka 4 (the jars `make deps` copies from
// peers/kafka/pom.xml) as one combined KRaft broker+controller on loopback,
// detached, with kafka.pid, kafka.log and kafka.ready in the run dir and its
// config, cluster id and log dirs in the data dir (./data/kafka). Ready when a
// Metadata answer on --listen carries our cluster id.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include <fmt/core.h>

#include "evpipe/cli/stack_internal.h"
#include "evpipe/core/clock.h"
#include "evpipe/io/file_system.h"

namespace evpipe::cli::stack {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKind = "kafka";
constexpr std::string_view kMarker = "kafka.Kafka";  // the JVM's main class: an argv element
constexpr double kUpTimeoutSeconds = 120;   // a JVM broker takes seconds to start on two busy cores
constexpr double kDownTimeoutSeconds = 30;
constexpr double kFormatTimeoutSeconds = 120;
constexpr const char* kLibUnderCheckout = ".evpipe/peers/kafka/lib";
constexpr const char* kLog4jUnderCheckout = "peers/kafka/log4j2.properties";
constexpr const char* kDefaultHeap = "-Xms256m -Xmx512m";

std::string DataDir(const StackFlags& f) { return f.data_dir.empty() ? kDefaultKafkaDataDir : f.data_dir; }
std::string KraftDir(const StackFlags& f) { return DataDir(f) + "/kraft"; }

// The checkouts to look in: the current directory (make runs there), then the
// one the binary was built in (build/<preset>/evpipe).
std::vector<fs::path> CheckoutRoots() {
  std::vector<fs::path> roots = {fs::current_path()};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path().parent_path().parent_path());
  return roots;
}

bool HasKafkaJars(const fs::path& dir) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("kafka_2.13-", 0) == 0 && e.path().extension() == ".jar") return true;
  }
  return false;
}

Result<fs::path> FindJars(const StackFlags& f) {
  std::vector<fs::path> tried;
  if (!f.kafka_lib.empty()) {
    tried.push_back(f.kafka_lib);
  } else {
    for (const fs::path& root : CheckoutRoots()) tried.push_back(root / kLibUnderCheckout);
  }
  std::string looked;
  for (const fs::path& dir : tried) {
    if (HasKafkaJars(dir)) return fs::absolute(dir);
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  return Status::NotFound("Apache Kafka jars not found (looked in " + looked +
                          "): run `make deps` (it fetches them with Maven)");
}

Result<std::string> FindJava() {
  if (const char* home = std::getenv("JAVA_HOME"); home != nullptr && *home != '\0') {
    std::string java = std::string(home) + "/bin/java";
    if (::access(java.c_str(), X_OK) == 0) return java;
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string java = (dir.empty() ? "." : dir) + "/java";
    if (::access(java.c_str(), X_OK) == 0) return java;
  }
  return Status::NotFound("java not found (Apache Kafka needs a JDK 17+): run `make deps`, or set JAVA_HOME");
}

std::string FindLog4jConfig() {
  for (const fs::path& root : CheckoutRoots()) {
    if (fs::exists(root / kLog4jUnderCheckout)) return fs::absolute(root / kLog4jUnderCheckout).string();
  }
  return "";
}

// A random Kafka Uuid in URL-safe base64 without padding, not starting with
// '-' (the tools would read it as a flag).
Result<std::string> NewClusterId() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  while (true) {
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    unsigned char raw[16];
    bool ok = fd >= 0 && ::read(fd, raw, sizeof(raw)) == static_cast<ssize_t>(sizeof(raw));
    if (fd >= 0) ::close(fd);
    if (!ok) return Status::IoError("reading /dev/urandom for a cluster id");
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char b : raw) {
      acc = (acc << 8) | b;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += kAlphabet[(acc >> bits) & 63];
      }
    }
    if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
    if (out.front() != '-') return out;
  }
}

// The cluster id of this data dir: cluster.id, else the formatted log dir's
// meta.properties, else a new one (written to cluster.id).
Result<std::string> ClusterId(const StackFlags& f) {
  std::string path = DataDir(f) + "/cluster.id";
  std::string id = ReadFile(path);
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (!id.empty()) return id;
  std::istringstream meta(ReadFile(KraftDir(f) + "/meta.properties"));
  std::string line;
  while (std::getline(meta, line)) {
    if (line.rfind("cluster.id=", 0) == 0) id = line.substr(11);
  }
  if (id.empty()) {
    EVPIPE_ASSIGN_OR_RETURN(id, NewClusterId());
  }
  EVPIPE_RETURN_IF_ERROR(io::WriteFileAtomically(io::FileSystem::Default(), path, id + "\n"));
  return id;
}

std::string ServerProperties(const StackFlags& f) {
  std::string controller = f.controller_listen;
  return fmt::format(
      "# Written by `evpipe up --broker kafka` on every start; edit the flags, not this file.\n"
      "process.roles=broker,controller\n"
      "node.id=1\n"
      "controller.quorum.voters=1@{controller}\n"
      "listeners=PLAINTEXT://{kafka},CONTROLLER://{controller}\n"
      "advertised.listeners=PLAINTEXT://{kafka}\n"
      "controller.listener.names=CONTROLLER\n"
      "inter.broker.listener.name=PLAINTEXT\n"
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
      "log.dirs={logs}\n"
      "num.partitions=1\n"
      "default.replication.factor=1\n"
      "offsets.topic.replication.factor=1\n"
      "offsets.topic.num.partitions=3\n"
      "transaction.state.log.replication.factor=1\n"
      "transaction.state.log.min.isr=1\n"
      "share.coordinator.state.topic.replication.factor=1\n"
      "share.coordinator.state.topic.min.isr=1\n"
      "group.initial.rebalance.delay.ms=0\n"
      "# Retention by record time would delete the simulator's records (their\n"
      "# timestamps are its past event times) at the first check, 5 min in.\n"
      "log.retention.ms=-1\n",
      fmt::arg("kafka", f.listen), fmt::arg("controller", controller),
      fmt::arg("logs", fs::absolute(KraftDir(f)).string()));
}

std::vector<std::string> JavaArgs(const std::string& java, const fs::path& jars, const StackFlags& f,
                                  std::vector<std::string> main_and_args) {
  std::vector<std::string> args = {java};
  const char* heap = std::getenv("KAFKA_HEAP_OPTS");
  std::istringstream words(heap != nullptr && *heap != '\0' ? heap : kDefaultHeap);
  for (std::string w; words >> w;) args.push_back(w);
  args.push_back("-Djava.awt.headless=true");
  if (std::string log4j = FindLog4jConfig(); !log4j.empty()) args.push_back("-Dlog4j2.configurationFile=" + log4j);
  args.push_back("-Dkafka.logs.dir=" + fs::absolute(DataDir(f) + "/logs").string());
  args.push_back("-cp");
  args.push_back((jars / "*").string());
  args.insert(args.end(), main_and_args.begin(), main_and_args.end());
  return args;
}

// Runs argv to completion with its output appended to log_path; kills it after timeout_s.
Result<int> RunLogged(const std::vector<std::string>& args, const std::string& log_path, double timeout_s) {
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    ExecLogged(args, log_path);
  }
  int64_t deadline = DeadlineAfter(timeout_s);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (MonotonicMicros() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Status::Timeout(fmt::format("{} did not finish in {:.0f} s", args.back(), timeout_s));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The first line that says why Kafka failed, in the log from `from` on, or "".
std::string WhyFailed(const std::string& log_path, size_t from) {
  std::string text = ReadFile(log_path);
  std::istringstream lines(text.size() > from ? text.substr(from) : "");
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" ERROR ") != std::string::npos || line.find("FATAL") != std::string::npos ||
        line.rfind("Error:", 0) == 0 || line.rfind("Exception", 0) == 0) {
      return line.size() > 300 ? line.substr(0, 300) + "…" : line;
    }
  }
  return "";
}

std::string Describe(const StackFlags& f, pid_t pid) {
  return DescribeRunning(FilesOf(f, kKind), pid, DataDir(f), "controller");
}

bool AnswersAs(const std::string& bootstrap, const std::string& cluster_id) {
  Result<std::string> id = KafkaClusterId(bootstrap, 2000);
  return id.ok() && *id == cluster_id;
}

Status Format(const StackFlags& f, const std::string& java, const fs::path& jars, const std::string& cluster_id,
              const std::string& config, const std::string& log) {
  if (fs::exists(KraftDir(f) + "/meta.properties")) return Status::Ok();
  EVPIPE_ASSIGN_OR_RETURN(int rc, RunLogged(JavaArgs(java, jars, f, {"kafka.tools.StorageTool", "format", "-t",
                                                                       cluster_id, "-c", config, "-g"}),
                                            log, kFormatTimeoutSeconds));
  if (rc != 0) return Status::IoError(fmt::format("kafka StorageTool format exited {}; see {}: {}", rc, log,
                                                  LastLines(log, 2)));
  return Status::Ok();
}

// When no kafka broker of ours runs but one answers at --listen:
// "(no live pid file in DIR), but 127.0.0.1:9092 answers Kafka (...)"; else "".
std::string ForeignHere(const StackFlags& f) {
  std::string foreign = ForeignBroker(f.listen, "");
  return foreign.empty() ? "" : "(no live pid file in " + f.run_dir + "), but " + foreign;
}

Outcome KafkaUp(const StackFlags& f) {
  RunFiles files = FilesOf(f, kKind);
  if (std::optional<pid_t> pid = RunningPid(files, kMarker)) {
    return Ok("kafka broker already running: " + Describe(f, *pid));
  }
  Result<fs::path> jars = FindJars(f);
  if (!jars.ok()) return Failed(jars.status().message());
  Result<std::string> java = FindJava();
  if (!java.ok()) return Failed(java.status().message());
  if (Status s = CheckPortFree(f.listen, "--listen", "pick another port with BROKER_LISTEN=127.0.0.1:PORT (and KAFKA_BOOTSTRAP)");
      !s.ok()) {
    return Failed(s.message());
  }
  if (Status s = CheckPortFree(f.controller_listen, "--controller-listen",
                               "pick another with KAFKA_CONTROLLER_LISTEN=127.0.0.1:PORT");
      !s.ok()) {
    return Failed(s.message());
  }
  if (Status s = PrepareStart(f, DataDir(f), files); !s.ok()) return Failed(s.message());
  Result<std::string> cluster_id = ClusterId(f);
  if (!cluster_id.ok()) return Failed(cluster_id.status().message());
  std::string config = fs::absolute(DataDir(f) + "/server.properties").string();
  if (Status s = io::WriteFileAtomically(io::FileSystem::Default(), config, ServerProperties(f)); !s.ok()) {
    return Failed(s.message());
  }
  std::string log = fs::absolute(files.log).string();
  size_t log_start = ReadFile(log).size();
  if (Status s = Format(f, *java, *jars, *cluster_id, config, log); !s.ok()) return Failed(s.message());

  Result<pid_t> spawned = SpawnDetached(JavaArgs(*java, *jars, f, {"kafka.Kafka", config}), log);
  if (!spawned.ok()) return Failed(spawned.status().message());
  pid_t pid = *spawned;
  if (Status s = io::WriteFileAtomically(io::FileSystem::Default(), files.pid, std::to_string(pid) + "\n"); !s.ok()) {
    ::kill(pid, SIGKILL);
    return Failed("writing the pid file: " + s.message());
  }
  double timeout = f.timeout_s > 0 ? f.timeout_s : kUpTimeoutSeconds;
  int64_t deadline = DeadlineAfter(timeout);
  std::error_code ec;
  while (MonotonicMicros() < deadline) {
    if (!ProcessExists(pid)) {  // no marker check: until exec its argv is ours
      fs::remove(files.pid, ec);
      std::string why = WhyFailed(log, log_start);
      return Failed("Apache Kafka exited during start-up; see " + files.log + ": " +
                    (why.empty() ? LastLines(log, 3) : why));
    }
    if (AnswersAs(f.listen, *cluster_id)) {
      std::string ready = fmt::format("{{\"kafka\":\"{}\",\"controller\":\"{}\",\"cluster_id\":\"{}\",\"pid\":{}}}\n",
                                      f.listen, f.controller_listen, *cluster_id, pid);
      if (Status s = io::WriteFileAtomically(io::FileSystem::Default(), files.ready, ready); !s.ok()) {
        return Failed("writing the ready file: " + s.message());
      }
      return Ok("kafka broker up: " + Describe(f, pid));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  StopProcess(pid, 10);
  fs::remove(files.pid, ec);
  return Failed(fmt::format("Apache Kafka was not ready after {:.0f} s (no Metadata answer on {}); stopped it; see {}",
                            timeout, f.listen, files.log));
}

Outcome KafkaDown(const StackFlags& f) {
  RunFiles files = FilesOf(f, kKind);
  pid_t stale = 0;
  std::optional<pid_t> pid = RunningPid(files, kMarker, &stale);
  if (!pid) {
    if (std::string foreign = ForeignHere(f); !foreign.empty()) {
      return Failed("no kafka broker started here " + foreign + "; not ours to stop: stop it yourself");
    }
    return NothingToStop("kafka broker", stale);
  }
  return StopRunning(files, *pid, f.timeout_s > 0 ? f.timeout_s : kDownTimeoutSeconds, "kafka broker");
}

Outcome KafkaPs(const StackFlags& f) {
  RunFiles files = FilesOf(f, kKind);
  pid_t stale = 0;
  std::optional<pid_t> pid = RunningPid(files, kMarker, &stale);
  if (!pid) {
    if (std::string foreign = ForeignHere(f); !foreign.empty()) return Ok("kafka broker: not started here " + foreign);
    if (stale > 0) {
      return Failed(fmt::format("kafka broker: not running (pid {} of the pid file has exited, crashed or killed; "
                                "removed the stale file; its log: {})", stale, files.log));
    }
    return Failed("kafka broker: not running");
  }
  std::string cluster_id = JsonField(ReadFile(files.ready), "cluster_id");
  bool ready = !cluster_id.empty() && AnswersAs(f.listen, cluster_id);
  return Ok(fmt::format("kafka broker: running, {}: {}", ready ? "ready" : "not ready", Describe(f, *pid)));
}

Outcome KafkaLogs(const StackFlags& f) { return ShowLog(FilesOf(f, kKind).log, f.follow); }

Outcome KafkaHealth(const StackFlags& f) {
  std::string address = JsonField(ReadFile(FilesOf(f, kKind).ready), "kafka");
  if (address.empty() || !RunningPid(FilesOf(f, kKind), kMarker)) address = f.listen;
  Result<std::string> id = KafkaClusterId(address, 3000);
  if (!id.ok()) return Failed("not ready: no Metadata answer on " + address + ": " + id.status().message());
  return Ok(fmt::format("ready (kafka broker at {}, cluster {})", address, id->empty() ? "?" : *id));
}

}  // namespace

const BrokerKind kKafka = {kKind, KafkaUp, KafkaDown, KafkaPs, KafkaLogs, KafkaHealth};

}  // namespace evpipe::cli::stack
