// `evpipe topic`: create, list and describe topics.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterTopic(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("topic", "create, list and describe topics");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("topic", "4"); });
}

}  // namespace evpipe::cli
