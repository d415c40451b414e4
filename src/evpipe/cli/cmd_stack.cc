// `evpipe up|down|restart|logs|ps|health`: the broker's life (embedded, or Redpanda in Docker).
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterStack(CLI::App& root, Context& ctx) {
  for (const char* name : {"up", "down", "restart", "logs", "ps", "health"}) {
    CLI::App* sub = root.add_subcommand(name, std::string("broker lifecycle: ") + name);
    sub->callback([&ctx, name] { ctx.exit_code = NotBuiltYet(name, "4"); });
  }
}

}  // namespace evpipe::cli
