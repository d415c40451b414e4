// `evpipe sink-raw`: land records as raw NDJSON partitioned by ingest_date.
#include "evpipe/cli/command.h"

namespace evpipe::cli {

void RegisterSinkRaw(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("sink-raw", "land records as raw NDJSON partitioned by ingest_date");
  sub->callback([&ctx] { ctx.exit_code = NotBuiltYet("sink-raw", "5"); });
}

}  // namespace evpipe::cli
