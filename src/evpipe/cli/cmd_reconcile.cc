// `evpipe reconcile`: reconcile simulator, topic, raw, quarantine and Parquet counts per date.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterReconcile(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("reconcile", "reconcile simulator, topic, raw, quarantine and Parquet counts per date");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("reconcile", "7"); });
}

}  // namespace evpipe::cli
