// evpipe: one binary for the whole pipeline. Subcommands are named like the make targets.
#include <algorithm>
#include <cstdio>
#include <vector>
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

// The subcommand the user reached: root, then each parsed subcommand in turn.
const CLI::App* Deepest(const CLI::App* app) {
  for (;;) {
    std::vector<CLI::App*> subs = app->get_subcommands();
    if (subs.empty()) return app;
    app = subs.front();
  }
}

std::string PathOf(const CLI::App* app) {
  std::string where = app->get_name();
  for (const CLI::App* p = app->get_parent(); p != nullptr; p = p->get_parent()) where = p->get_name() + " " + where;
  return where;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest of `names` to `typed`, when it is close enough to be a typo; "" otherwise.
std::string Closest(const std::string& typed, const std::vector<std::string>& names) {
  std::string best;
  size_t best_d = std::max<size_t>(2, typed.size() / 3) + 1;
  for (const std::string& n : names) {
    size_t d = EditDistance(typed, n);
    if (n.rfind(typed, 0) == 0 && typed.size() >= 3) d = std::min<size_t>(d, 1);  // a prefix
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  return best;
}

std::vector<std::string> FlagNames(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* o : a->get_options()) {
      for (const std::string& l : o->get_lnames()) out.push_back("--" + l);
      for (const std::string& sn : o->get_snames()) out.push_back("-" + sn);
    }
  }
  return out;
}

std::vector<std::string> CommandNames(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    out.push_back(sub->get_name());
  }
  return out;
}

// One line for any parse error, naming the --help to read. Unknown flags and
// commands get a "did you mean" when one is close.
std::string OneLineFailure(const CLI::App* app, const CLI::Error& e) {
  const CLI::App* where = Deepest(app);
  std::string path = PathOf(where);
  std::string help = " (see '" + path + " --help')\n";
  std::vector<std::string> left = app->remaining(true);
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr || dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    for (const std::string& arg : left) {
      if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')) {
        std::string flag = arg.substr(0, arg.find('='));
        std::string guess = Closest(flag, FlagNames(where));
        return "evpipe: unknown flag " + flag + " for `" + path + "`" +
               (guess.empty() ? "" : "; did you mean " + guess + "?") + help;
      }
    }
    std::vector<std::string> commands = CommandNames(where);
    if (!left.empty() && !commands.empty()) {
      // remaining() lists in reverse order of appearance: the first typed word is last.
      const std::string& word = left.back();
      std::string guess = Closest(word, commands);
      return "evpipe: unknown command '" + word + "' for `" + path + "`" +
             (guess.empty() ? "" : "; did you mean '" + guess + "'?") + help;
    }
    if (left.empty() && !commands.empty() && where->get_require_subcommand_min() > 0) {
      std::string list;
      for (const std::string& c : commands) list += (list.empty() ? "" : ", ") + c;
      return "evpipe: `" + path + "` needs a command: " + list + help;
    }
  }
  return "evpipe: " + std::string(e.what()) + help;
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
