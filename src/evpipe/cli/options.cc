// Shared flags.
#include "evpipe/cli/options.h"

namespace evpipe::cli {
namespace {

// A shared flag: its default set here, its make variable `env` as the
// environment fallback, the default shown in --help.
template <typename T, typename Default>
CLI::Option* AddShared(CLI::App* app, const char* names, T& out, Default value, const char* help, const char* env) {
  out = value;
  return app->add_option(names, out, help)->envname(env)->capture_default_str();
}

}  // namespace

CLI::Option* AddBootstrap(CLI::App* app, std::string& out) {
  return AddShared(app, "-b,--bootstrap", out, kDefaultBootstrap, "Kafka bootstrap servers", "KAFKA_BOOTSTRAP");
}
CLI::Option* AddTopic(CLI::App* app, std::string& out) {
  return AddShared(app, "-t,--topic", out, kDefaultTopic, "Topic name", "TOPIC");
}
CLI::Option* AddPartitions(CLI::App* app, int& out) {
  return AddShared(app, "-p,--partitions", out, kDefaultPartitions, "Partition count", "PARTITIONS")
      ->check(CLI::Range(1, 10000));
}
CLI::Option* AddReplication(CLI::App* app, int& out) {
  return AddShared(app, "-r,--replication", out, kDefaultReplication, "Replication factor", "REPLICATION")
      ->check(CLI::Range(1, 100));
}
CLI::Option* AddOrders(CLI::App* app, int64_t& out) {
  return AddShared(app, "-n,--orders", out, kDefaultOrders, "Orders to simulate", "N_ORDERS")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
}
CLI::Option* AddKeyField(CLI::App* app, std::string& out) {
  return AddShared(app, "--key-field", out, kDefaultKeyField,
                   "Event field used as the Kafka key (top level, then payload)", "KAFKA_KEY_FIELD");
}
CLI::Option* AddRawDir(CLI::App* app, std::string& out) {
  return AddShared(app, "--raw-dir", out, kDefaultRawDir, "Raw NDJSON root", "RAW_DIR");
}
CLI::Option* AddParquetDir(CLI::App* app, std::string& out) {
  return AddShared(app, "--parquet-dir", out, kDefaultParquetDir, "Parquet root", "PARQUET_DIR");
}
CLI::Option* AddQuarantineDir(CLI::App* app, std::string& out) {
  return AddShared(app, "--quarantine-dir", out, kDefaultQuarantineDir, "Where rejected records go", "QUARANTINE_DIR");
}
CLI::Option* AddGroup(CLI::App* app, std::string& out) {
  return AddShared(app, "-g,--group", out, kDefaultGroup, "Consumer group", "CONSUMER_GROUP");
}
CLI::Option* AddRollMaxMb(CLI::App* app, int& out) {
  return AddShared(app, "--roll-max-mb", out, kDefaultRollMaxMb, "Roll a raw file at this size (MiB)", "ROLL_MAX_MB")
      ->check(CLI::Range(1, 1 << 20));
}
CLI::Option* AddRollMaxSeconds(CLI::App* app, int& out) {
  return AddShared(app, "--roll-max-seconds", out, kDefaultRollMaxSeconds, "Roll a raw file at this age (s)",
                   "ROLL_MAX_SECONDS")
      ->check(CLI::Range(1, 86400 * 7));
}
CLI::Option* AddRowsPerFile(CLI::App* app, int64_t& out) {
  return AddShared(app, "--rows-per-file", out, kDefaultRowsPerFile, "Max rows per Parquet file", "ROWS_PER_FILE")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
}
CLI::Option* AddDate(CLI::App* app, std::string& out) {
  return app->add_option("-d,--date", out, "An ingest_date, YYYY-MM-DD")->envname("DATE");
}
CLI::Option* AddSeed(CLI::App* app, uint64_t& out) {
  return AddShared(app, "--seed", out, kDefaultSeed, "Simulator seed (same seed, same events)", "SEED");
}
CLI::Option* AddGenDir(CLI::App* app, std::string& out) {
  return AddShared(app, "--gen-dir", out, kDefaultGenDir, "Root for generated NDJSON", "GEN_DIR");
}
CLI::Option* AddExitAtEnd(CLI::App* app, bool& out) {
  out = false;
  return app->add_flag("-e,--exit-at-end", out, "Stop once caught up with the end of every partition")
      ->envname("EXIT_AT_END");
}
CLI::Option* AddKafkaProperties(CLI::App* app, std::vector<std::string>& out) {
  return app->add_option("-X", out, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false)->take_all();
}

}  // namespace evpipe::cli
