// evpipe: one binary for the whole pipeline. Subcommands are named like the make targets.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "evpipe/cli/command.h"
#include "evpipe/core/version.h"

namespace evpipe::cli {

int NotBuiltYet(const char* command, const char* issue) {
  std::fprintf(stderr, "evpipe %s: not built yet (see issue %s)\n", command, issue);
  return kExitNotBuilt;
}

namespace {

// One line for any parse error, naming the --help to read.
std::string OneLineFailure(const CLI::App* app, const CLI::Error& e) {
  std::string where = app->get_name();
  const CLI::App* parent = app->get_parent();
  while (parent != nullptr) {
    where = parent->get_name() + " " + where;
    parent = parent->get_parent();
  }
  return "evpipe: " + std::string(e.what()) + " (see '" + where + " --help')\n";
}

int Main(int argc, char** argv) {
  CLI::App app("evpipe: simulate, stream, land and compact order events", "evpipe");
  app.set_version_flag("-V,--version", std::string("evpipe ") + kVersion);
  app.require_subcommand(1);
  app.failure_message(OneLineFailure);
  Context ctx;
  RegisterBroker(app, ctx);
  RegisterStack(app, ctx);
  RegisterTopic(app, ctx);
  RegisterGroup(app, ctx);
  RegisterGen(app, ctx);
  RegisterProduce(app, ctx);
  RegisterConsume(app, ctx);
  RegisterSinkRaw(app, ctx);
  RegisterRawToParquet(app, ctx);
  RegisterReconcile(app, ctx);
  RegisterConsole(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  return ctx.exit_code;
}

}  // namespace
}  // namespace evpipe::cli

int main(int argc, char** argv) {
  try {
    return evpipe::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evpipe: error: %s\n", e.what());
    return evpipe::cli::kExitFailure;
  }
}
