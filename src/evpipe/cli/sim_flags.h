// The simulator's command-line flags, shared by `evpipe gen` and `evpipe produce`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "evpipe/sim/simulator.h"

namespace evpipe::cli {

// Add() registers --tenants, --start, --span-days, --duplicate-rate,
// --late-rate, --max-lateness, --poison-rate and --environment (not --orders
// and --seed: those are cli/options.h's AddOrders/AddSeed, which the caller
// binds to options.orders and options.seed). After parsing, Resolve() turns
// the text flags into options and validates everything.
struct SimulatorFlags {
  sim::Options options;
  std::string start = sim::kDefaultStart;
  std::string max_lateness = "36h";

  void Add(CLI::App* app);
  // Empty when usable, else a one-line error naming the flag.
  std::string Resolve();
};


}  // namespace evpipe::cli
