// `evpipe raw-to-parquet`: compact a date of raw NDJSON into deduplicated Parquet.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterRawToParquet(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("raw-to-parquet", "compact a date of raw NDJSON into deduplicated Parquet");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("raw-to-parquet", "6"); });
}

}  // namespace evpipe::cli
