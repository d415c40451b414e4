// Starts librdkafka's in-memory mock cluster (rdkafka_mock.h) with one broker,
// creates TOPIC with PARTITIONS partitions, prints its bootstrap address on
// stdout and runs until SIGTERM/SIGINT. The baseline of bench/broker_bench.sh.
//   broker_mock_cluster [TOPIC [PARTITIONS]]
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {
volatile sig_atomic_t stop = 0;
void OnSignal(int) { stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  const char* topic = argc > 1 ? argv[1] : "bench";
  int partitions = argc > 2 ? std::atoi(argv[2]) : 3;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::fprintf(stderr, "broker_mock_cluster: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, 1);
  if (cluster == nullptr) {
    std::fprintf(stderr, "broker_mock_cluster: cannot create the mock cluster\n");
    return 1;
  }
  rd_kafka_mock_topic_create(cluster, topic, partitions, 1);
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  while (!stop) pause();
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
