// The flags shared by several subcommands. Each mirrors a make variable, takes
// that variable from the environment as a fallback, and has its default here.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace evpipe::cli {

inline constexpr const char* kDefaultBootstrap = "localhost:9092";  // KAFKA_BOOTSTRAP
inline constexpr const char* kDefaultTopic = "events";              // TOPIC
inline constexpr int kDefaultPartitions = 3;                        // PARTITIONS
inline constexpr int kDefaultReplication = 1;                       // REPLICATION
inline constexpr int64_t kDefaultOrders = 5000;                     // N_ORDERS
inline constexpr const char* kDefaultKeyField = "order_id";         // KAFKA_KEY_FIELD
inline constexpr const char* kDefaultRawDir = "./data/raw";         // RAW_DIR
inline constexpr const char* kDefaultParquetDir = "./data/parquet"; // PARQUET_DIR
inline constexpr const char* kDefaultQuarantineDir = "./data/quarantine";  // QUARANTINE_DIR
inline constexpr const char* kDefaultGroup = "raw-sink";            // CONSUMER_GROUP
inline constexpr int kDefaultRollMaxMb = 64;                        // ROLL_MAX_MB
inline constexpr int kDefaultRollMaxSeconds = 60;                   // ROLL_MAX_SECONDS
inline constexpr int64_t kDefaultRowsPerFile = 250000;              // ROWS_PER_FILE
inline constexpr uint64_t kDefaultSeed = 42;                        // SEED
inline constexpr const char* kDefaultGenDir = "./data/gen";         // GEN_DIR
inline constexpr const char* kDefaultBrokerDataDir = "./data/broker";

CLI::Option* AddBootstrap(CLI::App* app, std::string& out);
CLI::Option* AddTopic(CLI::App* app, std::string& out);
CLI::Option* AddPartitions(CLI::App* app, int& out);
CLI::Option* AddReplication(CLI::App* app, int& out);
CLI::Option* AddOrders(CLI::App* app, int64_t& out);
CLI::Option* AddKeyField(CLI::App* app, std::string& out);
CLI::Option* AddRawDir(CLI::App* app, std::string& out);
CLI::Option* AddParquetDir(CLI::App* app, std::string& out);
CLI::Option* AddQuarantineDir(CLI::App* app, std::string& out);
CLI::Option* AddGroup(CLI::App* app, std::string& out);
CLI::Option* AddRollMaxMb(CLI::App* app, int& out);
CLI::Option* AddRollMaxSeconds(CLI::App* app, int& out);
CLI::Option* AddRowsPerFile(CLI::App* app, int64_t& out);
CLI::Option* AddDate(CLI::App* app, std::string& out);
CLI::Option* AddSeed(CLI::App* app, uint64_t& out);
CLI::Option* AddGenDir(CLI::App* app, std::string& out);
CLI::Option* AddExitAtEnd(CLI::App* app, bool& out);
// -X key=value, repeatable: any librdkafka property, passed through (like kcat).
CLI::Option* AddKafkaProperties(CLI::App* app, std::vector<std::string>& out);

}  // namespace evpipe::cli
