// Shared flags.
#include "evpipe/cli/options.h"

namespace evpipe::cli {

CLI::Option* AddBootstrap(CLI::App* app, std::string& out) {
  out = kDefaultBootstrap;
  return app->add_option("-b,--bootstrap", out, "Kafka bootstrap servers")
      ->envname("KAFKA_BOOTSTRAP")->capture_default_str();
}
CLI::Option* AddTopic(CLI::App* app, std::string& out) {
  out = kDefaultTopic;
  return app->add_option("-t,--topic", out, "Topic name")->envname("TOPIC")->capture_default_str();
}
CLI::Option* AddPartitions(CLI::App* app, int& out) {
  out = kDefaultPartitions;
  return app->add_option("-p,--partitions", out, "Partition count")
      ->envname("PARTITIONS")->check(CLI::Range(1, 10000))->capture_default_str();
}
CLI::Option* AddReplication(CLI::App* app, int& out) {
  out = kDefaultReplication;
  return app->add_option("-r,--replication", out, "Replication factor")
      ->envname("REPLICATION")->check(CLI::Range(1, 100))->capture_default_str();
}
CLI::Option* AddOrders(CLI::App* app, int64_t& out) {
  out = kDefaultOrders;
  return app->add_option("-n,--orders", out, "Orders to simulate")
      ->envname("N_ORDERS")->check(CLI::Range(int64_t{0}, int64_t{1} << 40))->capture_default_str();
}
CLI::Option* AddKeyField(CLI::App* app, std::string& out) {
  out = kDefaultKeyField;
  return app->add_option("--key-field", out, "Event field used as the Kafka key (top level, then payload)")
      ->envname("KAFKA_KEY_FIELD")->capture_default_str();
}
CLI::Option* AddRawDir(CLI::App* app, std::string& out) {
  out = kDefaultRawDir;
  return app->add_option("--raw-dir", out, "Raw NDJSON root")->envname("RAW_DIR")->capture_default_str();
}
CLI::Option* AddParquetDir(CLI::App* app, std::string& out) {
  out = kDefaultParquetDir;
  return app->add_option("--parquet-dir", out, "Parquet root")->envname("PARQUET_DIR")->capture_default_str();
}
CLI::Option* AddQuarantineDir(CLI::App* app, std::string& out) {
  out = kDefaultQuarantineDir;
  return app->add_option("--quarantine-dir", out, "Where rejected records go")
      ->envname("QUARANTINE_DIR")->capture_default_str();
}
CLI::Option* AddGroup(CLI::App* app, std::string& out) {
  out = kDefaultGroup;
  return app->add_option("-g,--group", out, "Consumer group")->envname("CONSUMER_GROUP")->capture_default_str();
}
CLI::Option* AddRollMaxMb(CLI::App* app, int& out) {
  out = kDefaultRollMaxMb;
  return app->add_option("--roll-max-mb", out, "Roll a raw file at this size (MiB)")
      ->envname("ROLL_MAX_MB")->check(CLI::Range(1, 1 << 20))->capture_default_str();
}
CLI::Option* AddRollMaxSeconds(CLI::App* app, int& out) {
  out = kDefaultRollMaxSeconds;
  return app->add_option("--roll-max-seconds", out, "Roll a raw file at this age (s)")
      ->envname("ROLL_MAX_SECONDS")->check(CLI::Range(1, 86400 * 7))->capture_default_str();
}
CLI::Option* AddRowsPerFile(CLI::App* app, int64_t& out) {
  out = kDefaultRowsPerFile;
  return app->add_option("--rows-per-file", out, "Max rows per Parquet file")
      ->envname("ROWS_PER_FILE")->check(CLI::Range(int64_t{1}, int64_t{1} << 40))->capture_default_str();
}
CLI::Option* AddDate(CLI::App* app, std::string& out) {
  return app->add_option("-d,--date", out, "An ingest_date, YYYY-MM-DD")->envname("DATE");
}
CLI::Option* AddSeed(CLI::App* app, uint64_t& out) {
  out = kDefaultSeed;
  return app->add_option("--seed", out, "Simulator seed (same seed, same events)")
      ->envname("SEED")->capture_default_str();
}
CLI::Option* AddGenDir(CLI::App* app, std::string& out) {
  out = kDefaultGenDir;
  return app->add_option("--gen-dir", out, "Root for generated NDJSON")->envname("GEN_DIR")->capture_default_str();
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
