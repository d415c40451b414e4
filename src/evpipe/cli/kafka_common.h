// What the Kafka subcommands (topic, group, produce, consume) share: the
// connect timeout flag and turning a Status into one line on stderr plus an
// exit code.
#pragma once

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "evpipe/cli/command.h"
#include "evpipe/core/status.h"
#include "evpipe/kafka/client.h"

namespace evpipe::cli {

inline CLI::Option* AddConnectTimeout(CLI::App* app, int& out_ms) {
  out_ms = kafka::kDefaultConnectTimeoutMs;
  return app
      ->add_option_function<double>(
          "--connect-timeout", [&out_ms](double s) { out_ms = static_cast<int>(s * 1000); },
          "Seconds to wait for a first broker answer before failing (default 5)")
      ->check(CLI::Range(0.1, 3600.0));
}

// Prints "evpipe <command>: <message>" and returns the exit code: 2 for a bad
// argument or setting, 1 for everything else.
inline int Fail(const char* command, const Status& status) {
  std::fprintf(stderr, "evpipe %s: %s\n", command, status.message().c_str());
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

// kExitOk for an ok status, else Fail.
inline int ExitCode(const char* command, const Status& status) {
  return status.ok() ? kExitOk : Fail(command, status);
}

// `sub` runs fn(flags) and sets the exit code from the Status it returns
// (ExitCode). `flags` must outlive the run.
template <typename Flags, typename Fn>
void SetRun(CLI::App* sub, Context& ctx, const char* command, Flags& flags, Fn fn) {
  sub->callback([&ctx, command, &flags, fn] { ctx.exit_code = ExitCode(command, fn(flags)); });
}

}  // namespace evpipe::cli
