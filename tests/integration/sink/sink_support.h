// Helpers for the sink-raw tests: an in-process librdkafka mock cluster, a
// producer, simulated event lines and a reader of what landed in RAW_DIR.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace evpipe::sink::testing {

// librdkafka's mock cluster, owned by a producer handle. Used for its fault
// injection; it keeps only the newest few MiB per partition, enough here.
class MockCluster {
 public:
  explicit MockCluster(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;
  const std::string& bootstrap() const { return bootstrap_; }
  void CreateTopic(const std::string& topic, int partitions);
  rd_kafka_mock_cluster_t* get() { return mc_; }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  std::string bootstrap_;
};

// Produces (partition, value) records and waits until all are acknowledged.
void Produce(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::pair<int32_t, std::string>>& records);

// A valid event line: unique event_id from `i`, ingest_time `ingest_us`.
std::string GoodLine(int64_t i, int64_t ingest_us);

// A record value that is not a valid event, and the reason --validate full gives it.
struct BadRecord {
  std::string value;
  std::string reason;
};
// One record per reason of the event model, plus the sink's own
// (line_break_in_record); those with an ingest_time have `ingest_us`.
std::vector<BadRecord> BadRecords(int64_t ingest_us);

// The group's committed offset per partition (-1: none).
std::map<int32_t, int64_t> Committed(const std::string& bootstrap, const std::string& group,
                                     const std::string& topic, int partitions);

// What RAW_DIR holds for `topic`.
struct Landed {
  std::vector<std::string> lines;            // every raw line, in no particular order
  std::vector<std::string> visible_files;    // relative paths of part-*.ndjson files
  std::vector<std::string> hidden_files;     // in-progress or other dot files in date folders
  std::vector<std::string> bad_names;        // files whose name or offsets do not check out
  std::map<std::string, int> dates;          // date -> lines
};
Landed ReadLanded(const std::string& raw_dir, const std::string& topic);

// Every quarantine line under QUARANTINE_DIR/<topic>/<stage>.
std::vector<std::string> ReadQuarantine(const std::string& quarantine_dir, const std::string& topic,
                                        const std::string& stage = "sink-raw");

// Sorted copy.
std::vector<std::string> Sorted(std::vector<std::string> v);

// A fixed seed or EVPIPE_TEST_SEED, printed.
uint64_t TestSeed(uint64_t fallback);

}  // namespace evpipe::sink::testing
