// BrokerProcess: an `evpipe broker` child process for tests (see broker_process.h).
#include "support/broker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace evpipe::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Extracts "key":"value" from the one-line ready JSON.
std::string JsonField(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\":\"";
  auto pos = json.find(needle);
  if (pos == std::string::npos) return "";
  pos += needle.size();
  auto end = json.find('"', pos);
  return end == std::string::npos ? "" : json.substr(pos, end - pos);
}

}  // namespace

BrokerProcess::BrokerProcess(Options options) : options_(std::move(options)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/evpipe-broker-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) != nullptr) {
    root_ = buf.data();
    own_root_ = true;
  }
  data_dir_ = options_.data_dir.empty() ? root_ + "/data" : options_.data_dir;
  ready_path_ = root_ + "/ready.json";
  log_path_ = root_ + "/broker.log";
  if (options_.start && !Start()) {
    std::fprintf(stderr, "BrokerProcess: broker did not become ready; its log:\n%s\n", ReadLog().c_str());
  }
}

BrokerProcess::~BrokerProcess() {
  if (running() && !Stop()) Kill(SIGKILL);
  if (own_root_ && std::getenv("EVPIPE_KEEP_TMP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
}

bool BrokerProcess::Start() {
  if (running()) return true;
  const char* bin = std::getenv("EVPIPE_BIN");
  if (bin == nullptr || root_.empty()) return false;
  std::error_code ec;
  std::filesystem::remove(ready_path_, ec);
  // A restart keeps the ports, so clients reconnect to the same bootstrap.
  std::vector<std::string> args = {bin,
                                   "broker",
                                   "--data-dir",
                                   data_dir_,
                                   "--listen",
                                   bootstrap_.empty() ? "127.0.0.1:0" : bootstrap_,
                                   "--admin-listen",
                                   admin_.empty() ? "127.0.0.1:0" : admin_,
                                   "--ready-file",
                                   ready_path_};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // A test that crashes or is killed takes its broker with it (the kernel
    // sends SIGKILL when the forking thread dies); brokers are started from
    // the test's own thread.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDERR_FILENO);
      ::dup2(fd, STDOUT_FILENO);
      ::close(fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string json = ReadAll(ready_path_);
    if (!json.empty() && json.back() == '\n') {
      bootstrap_ = JsonField(json, "kafka");
      admin_ = JsonField(json, "admin");
      return !bootstrap_.empty();
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill(SIGKILL);
  return false;
}

int BrokerProcess::Kill(int signal) {
  if (!running()) return -1;
  ::kill(pid_, signal);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return status;
}

bool BrokerProcess::Stop() {
  int status = Kill(SIGTERM);
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool BrokerProcess::Restart(bool hard) {
  if (running()) {
    if (hard) {
      Kill(SIGKILL);
    } else {
      Stop();
    }
  }
  return Start();
}

std::string BrokerProcess::ReadLog() const { return ReadAll(log_path_); }

}  // namespace evpipe::testing
