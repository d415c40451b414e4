// `evpipe gen`: simulate orders into NDJSON files (no broker).
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterGen(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("gen", "simulate orders into NDJSON files (no broker)");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("gen", "2"); });
}

}  // namespace evpipe::cli
