// BrokerProcess: runs `$EVPIPE_BIN broker` as a child process for a test, on
// free ports (port 0) with its own temporary data directory, and waits until
// it has written its ready file. Not thread-safe; one test thread owns it.
//
//   evpipe::testing::BrokerProcess broker;        // starts it (or ADD_FAILURE)
//   rdkafka conf: bootstrap.servers = broker.bootstrap()
//   broker.Kill(SIGKILL); broker.Restart();        // same data dir
//
// The destructor stops the broker (SIGTERM, then SIGKILL after 10 s) and
// removes the data directory (kept when EVPIPE_KEEP_TMP is set).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace evpipe::testing {

class BrokerProcess {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // e.g. {"--default-partitions", "1"}
    std::string data_dir;                 // empty = a fresh temporary directory
    bool start = true;                    // false: call Start() yourself
  };
  BrokerProcess() : BrokerProcess(Options{}) {}
  explicit BrokerProcess(Options options);
  ~BrokerProcess();
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // Starts the broker (free ports the first time, the same ports after) and
  // waits (up to 30 s) for its ready file. False on failure
  // (the broker's stderr is in log_path()).
  bool Start();
  // Sends `signal` and waits for the process to exit. Returns its exit status
  // as from waitpid (use WIFEXITED etc.), or -1 when not running.
  int Kill(int signal);
  // SIGTERM and wait: a clean shutdown. True when it exited with code 0.
  bool Stop();
  // Stops it if running (SIGKILL if `hard`, else SIGTERM) and starts it again
  // on the same data directory and the same ports.
  bool Restart(bool hard = false);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // "127.0.0.1:PORT" of the Kafka listener, valid after Start().
  const std::string& bootstrap() const { return bootstrap_; }
  // "127.0.0.1:PORT" of the admin HTTP listener.
  const std::string& admin() const { return admin_; }
  const std::string& data_dir() const { return data_dir_; }
  // Where the broker's stderr goes (appended across restarts).
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

 private:
  Options options_;
  std::string root_;  // temp dir holding data/, ready.json and broker.log
  bool own_root_ = false;
  std::string data_dir_;
  std::string ready_path_;
  std::string log_path_;
  std::string bootstrap_;
  std::string admin_;
  pid_t pid_ = -1;
};

}  // namespace evpipe::testing
