// Internal to `evpipe up|down|restart|logs|ps|health` (cmd_stack.cc, which
// parses flags and dispatches, and one stack_<broker>.cc per broker kind).
//
// A broker we start runs detached, with three files in the run dir:
// <kind>.pid, <kind>.log and <kind>.ready (JSON: its addresses). A pid file
// whose process is gone (a crash) is stale: removed and said so.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::cli::stack {

inline constexpr const char* kDefaultRunDir = "./data/run";
inline constexpr const char* kDefaultListen = "127.0.0.1:9092";
inline constexpr const char* kDefaultAdminListen = "127.0.0.1:9644";
inline constexpr const char* kDefaultControllerListen = "127.0.0.1:9093";
inline constexpr const char* kDefaultKafkaDataDir = "./data/kafka";
inline constexpr const char* kDefaultComposeFile = "docker/compose.yml";

struct StackFlags {
  std::string broker = "auto";
  std::string data_dir;  // "" = the broker kind's default
  std::string run_dir = kDefaultRunDir;
  std::string listen = kDefaultListen;
  std::string admin_listen = kDefaultAdminListen;
  std::string controller_listen = kDefaultControllerListen;  // kafka: the KRaft controller
  std::string admin;       // health: the admin address to ask ("" = the running broker's, else admin_listen)
  std::string kafka_lib;   // kafka: the jars ("" = .evpipe/peers/kafka/lib of the checkout)
  std::string compose_file = kDefaultComposeFile;
  double timeout_s = 0;    // 0 = the broker kind's default
  bool follow = false;
};

// One broker kind's files in the run dir.
struct RunFiles {
  std::string pid;
  std::string log;
  std::string ready;
};
RunFiles FilesOf(const StackFlags& f, std::string_view kind);

// A command's outcome: the exit code plus the line to print (stdout when ok, stderr otherwise).
struct Outcome {
  int exit_code = 0;
  std::string message;
};
Outcome Ok(std::string message);
Outcome Failed(std::string message);

// ---- text and files ----
std::string ReadFile(const std::string& path);
// The string value of "name" in a one-line JSON object like the ready file.
std::string JsonField(const std::string& json, const std::string& name);
// The last n lines of a file, joined by spaces.
std::string LastLines(const std::string& path, int n);
// Prints the log file (and keeps following it with `follow`).
Outcome ShowLog(const std::string& path, bool follow);
int64_t DeadlineAfter(double seconds);

// ---- processes ----
// True when pid runs: not a zombie (or a zombie main thread whose other threads still exit).
bool ProcessExists(pid_t pid);
// True when pid runs and one of its argv elements equals `marker`.
bool IsLiveProcess(pid_t pid, std::string_view marker);
// The pid in files.pid when that process is live (per marker). A stale pid
// file (and ready file) is removed; *stale_pid then names the dead pid.
std::optional<pid_t> RunningPid(const RunFiles& files, std::string_view marker, pid_t* stale_pid = nullptr);
// Runs argv (searching PATH), output inherited or dropped; its exit code (127 when it cannot run).
int RunCommand(const std::vector<std::string>& args, bool quiet = false);
// Starts argv[0] (a path) detached from us (its own session, re-parented to
// init), stdin from /dev/null, stdout and stderr appended to log_path.
Result<pid_t> SpawnDetached(const std::vector<std::string>& args, const std::string& log_path);
// SIGTERM to a pid known to be ours, then SIGKILL after timeout_s; waits until all its threads are gone. Says which ("stopped" or "killed (...)").
std::string StopProcess(pid_t pid, double timeout_s);

// ---- network ----
// A TCP connection to host:port succeeds within timeout_ms.
bool TcpConnects(const std::string& address, int timeout_ms);
// GET http://<admin>/v1/status/ready answers 200.
Status CheckReady(const std::string& admin);
// A Kafka Metadata answer from bootstrap within timeout_ms: the cluster id
// it reports ("" when the broker reports none).
Result<std::string> KafkaClusterId(const std::string& bootstrap, int timeout_ms);
// Who listens on the TCP port of host:port, from /proc/net/tcp{,6} and
// /proc/*/fd: "pid 123 (java -cp … kafka.Kafka …)", or "" when unknown.
std::string PortHolder(const std::string& address);
// Ok when host:port can be bound; else one line naming the holder and `how_to_move`.
Status CheckPortFree(const std::string& address, std::string_view what, std::string_view how_to_move);
// When no broker of ours runs: what answers at the configured addresses
// ("127.0.0.1:9092 answers Kafka (pid 12 (…))"), or "" when nothing does.
std::string ForeignBroker(const std::string& kafka_address, const std::string& admin_address);

// ---- starting and stopping a broker of ours (embedded, kafka) ----
// Creates the data dir and the run dir and removes a left-over ready file.
// The message names the flag: "--data-dir DIR: Permission denied".
Status PrepareStart(const StackFlags& f, const std::string& data_dir, const RunFiles& files);
// `down` of a running pid of ours: stops it (StopProcess), removes the pid
// and ready files; "<name> stopped (pid 12)".
Outcome StopRunning(const RunFiles& files, pid_t pid, double timeout_s, std::string_view name);
// `down` when none of ours runs: "no <name> running (removed a stale pid file); nothing to stop".
Outcome NothingToStop(std::string_view name, pid_t stale);
// A running broker of ours, from its ready file: "kafka 127.0.0.1:9092, admin
// 127.0.0.1:9644 (pid 12, data DIR, log FILE)"; `second` names the other
// address in the ready file (admin, controller); "?" for what it lacks.
std::string DescribeRunning(const RunFiles& files, pid_t pid, const std::string& data_dir, std::string_view second);
// True when the run dir has <kind>.pid (live or not).
bool PidFileExists(const StackFlags& f, std::string_view kind);

// ---- the broker kinds: stack_embedded.cc, stack_kafka.cc, stack_redpanda.cc ----
struct BrokerKind {
  std::string_view files;  // the <kind> of its files in the run dir ("" for redpanda: docker keeps them)
  Outcome (*up)(const StackFlags&);
  Outcome (*down)(const StackFlags&);
  Outcome (*ps)(const StackFlags&);
  Outcome (*logs)(const StackFlags&);
  Outcome (*health)(const StackFlags&);
};
extern const BrokerKind kEmbedded;
extern const BrokerKind kKafka;
extern const BrokerKind kRedpanda;
bool DockerAnswers();

// In a forked child: stdin from /dev/null, stdout and stderr appended to
// log_path, then execv(args); exits 127 when any of that fails.
[[noreturn]] void ExecLogged(const std::vector<std::string>& args, const std::string& log_path);

}  // namespace evpipe::cli::stack
