// `evpipe broker`: run the embedded durable Kafka-protocol broker.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterBroker(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("broker", "run the embedded durable Kafka-protocol broker");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("broker", "3"); });
}

}  // namespace evpipe::cli
