// `evpipe produce`: simulate orders (or read NDJSON) and produce them to Kafka.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterProduce(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("produce", "simulate orders (or read NDJSON) and produce them to Kafka");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("produce", "4"); });
}

}  // namespace evpipe::cli
