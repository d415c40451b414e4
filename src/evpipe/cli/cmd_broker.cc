// `evpipe broker`: run the embedded durable Kafka-protocol broker.

#include <cstdio>

#include "evpipe/broker/broker.h"
#include "evpipe/broker/storage_log_store.h"
#include "evpipe/cli/command.h"
#include "evpipe/cli/heap_internal.h"
#include "evpipe/cli/options.h"

namespace evpipe::cli {

void RegisterBroker(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand("broker", "run the embedded durable Kafka-protocol broker");
  auto opts = std::make_shared<broker::BrokerOptions>();
  opts->data_dir = kDefaultBrokerDataDir;
  sub->add_option("--data-dir", opts->data_dir, "where topics, segments and group offsets live")
      ->capture_default_str();
  sub->add_option("--listen", opts->listen, "Kafka listener HOST:PORT (port 0 = any free port)")
      ->capture_default_str();
  sub->add_option("--admin-listen", opts->admin_listen,
                  "admin HTTP HOST:PORT: /v1/status/ready and /metrics (port 0 = any free port)")
      ->capture_default_str();
  sub->add_option("--default-partitions", opts->default_partitions, "partitions of auto-created topics")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  sub->add_flag("--auto-create-topics,!--no-auto-create-topics", opts->auto_create_topics,
                "create unknown topics on Metadata and Produce")
      ->capture_default_str();
  sub->add_option("--retention-bytes", opts->retention_bytes, "per-partition size limit (-1 = none)")
      ->capture_default_str();
  sub->add_option("--retention-ms", opts->retention_ms, "age limit of closed segments (-1 = none)")
      ->capture_default_str();
  sub->add_option("--segment-bytes", opts->segment_bytes, "roll segments at this size")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 30))
      ->capture_default_str();
  sub->add_option("--max-connections", opts->max_connections,
                  "Kafka connections open at once; more are accepted and closed at once")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  sub->add_option("--connections-max-idle-ms", opts->connections_max_idle_ms,
                  "close a connection that sent nothing and waits for nothing this long")
      ->check(CLI::Range(int64_t{100}, int64_t{1} << 40))
      ->capture_default_str();
  sub->add_option("--request-deadline-ms", opts->request_deadline_ms,
                  "close a connection whose started request frame is not complete this long after it began")
      ->check(CLI::Range(int64_t{100}, int64_t{1} << 40))
      ->capture_default_str();
  sub->add_option("--max-request-entries", opts->max_request_entries,
                  "array elements one request may hold in total (topics, partitions, groups...); more closes it")
      ->check(CLI::Range(100, 100'000'000))
      ->capture_default_str();
  sub->add_option("--fetch-max-bytes", opts->fetch_max_bytes,
                  "record bytes one Fetch response may hold, whatever the client asks (at least one batch)")
      ->check(CLI::Range(1024, broker::kMaxFetchMaxBytes))
      ->capture_default_str();
  auto max_segments = std::make_shared<int64_t>(broker::storage::kDefaultMaxSegmentsPerPartition);
  sub->add_option("--max-segments-per-partition", *max_segments,
                  "segments one partition may hold; an append that would roll past it is refused")
      ->check(CLI::Range(int64_t{2}, int64_t{1000000}))
      ->capture_default_str();
  sub->add_option("--ready-file", opts->ready_file,
                  "when both listeners are up, write {\"kafka\":..,\"admin\":..,\"pid\":..} here atomically");
  sub->callback([&ctx, opts, max_segments] {
    // Every fetch builds multi-MiB buffers (the records read, the encoded
    // response): fresh pages for each were over half of the broker's CPU when
    // serving a consumer (190 ms instead of 360-550 ms for 265 MB to kcat -C -e).
    KeepLargeBuffersOnTheHeap(size_t{128} << 20);
    broker::StorageOptions so;
    so.default_partitions = opts->default_partitions;
    so.retention_bytes = opts->retention_bytes;
    so.retention_ms = opts->retention_ms;
    so.segment_bytes = opts->segment_bytes;
    so.max_segments_per_partition = *max_segments;
    auto store = broker::OpenStorageLogStore(io::FileSystem::Default(), opts->data_dir, so);
    Status st = store.ok() ? broker::RunBroker(*opts, std::move(store).value()) : store.status();
    if (!st.ok()) {
      std::fprintf(stderr, "evpipe broker: %s\n", st.ToString().c_str());
      ctx.exit_code = kExitFailure;
    }
  });
}

}  // namespace evpipe::cli
