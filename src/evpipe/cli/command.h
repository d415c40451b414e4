// How subcommands plug into `evpipe`: each cmd_<name>.cc defines one Register
// function that adds its subcommand, its flags and what it runs.
#pragma once

#include <CLI/CLI.hpp>

namespace evpipe::cli {

// Exit codes of every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the run failed (I/O, broker, lost records)
inline constexpr int kExitUsage = 2;     // a bad argument
inline constexpr int kExitNotBuilt = 3;  // the subsystem is not built yet

// Shared by main and the subcommands; the chosen subcommand's callback sets exit_code.
struct Context {
  int exit_code = kExitOk;
};

// Each adds one subcommand (named like its make target) to `root`.
void RegisterBroker(CLI::App& root, Context& ctx);
void RegisterStack(CLI::App& root, Context& ctx);  // up, down, restart, logs, ps, health
void RegisterTopic(CLI::App& root, Context& ctx);
void RegisterGroup(CLI::App& root, Context& ctx);
void RegisterGen(CLI::App& root, Context& ctx);
void RegisterProduce(CLI::App& root, Context& ctx);
void RegisterConsume(CLI::App& root, Context& ctx);
void RegisterSinkRaw(CLI::App& root, Context& ctx);
void RegisterRawToParquet(CLI::App& root, Context& ctx);
void RegisterReconcile(CLI::App& root, Context& ctx);
void RegisterConsole(CLI::App& root, Context& ctx);

// For subcommands whose subsystem is not built yet: says so, exit kExitNotBuilt.
int NotBuiltYet(const char* command, const char* issue);

}  // namespace evpipe::cli
