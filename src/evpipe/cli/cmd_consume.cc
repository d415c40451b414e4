// `evpipe consume`: print records of a topic.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterConsume(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("consume", "print records of a topic");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("consume", "4"); });
}

}  // namespace evpipe::cli
