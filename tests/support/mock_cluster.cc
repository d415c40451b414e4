// evpipe_mock_cluster: librdkafka's in-memory mock cluster as a process, for
// tests that need its fault injection and as a benchmark baseline.
//
//   evpipe_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]...
//                       [--push-errors API_KEY:ERROR_CODE:COUNT]...
//
// --push-errors makes the next COUNT requests with that Kafka API key (0 =
// Produce, 1 = Fetch, 3 = Metadata) fail with that Kafka error code
// (rd_kafka_mock_push_request_errors), e.g. 0:7:20 times out 20 Produce requests.
// Prints the bootstrap servers as one line on stdout, then runs until SIGTERM
// or SIGINT. The mock keeps only the newest few MiB of each partition in
// memory (DESIGN.md): never use it where records must all be read back.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char** argv) {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  struct PushedErrors {
    int api_key;
    int error;
    int count;
  };
  std::vector<PushedErrors> pushed;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else if (arg == "--topic" && i + 1 < argc) {
      std::string spec = argv[++i];
      size_t colon = spec.rfind(':');
      if (colon == std::string::npos) {
        topics.emplace_back(spec, 1);
      } else {
        topics.emplace_back(spec.substr(0, colon), std::atoi(spec.c_str() + colon + 1));
      }
    } else if (arg == "--push-errors" && i + 1 < argc) {
      PushedErrors p{};
      if (std::sscanf(argv[++i], "%d:%d:%d", &p.api_key, &p.error, &p.count) != 3 || p.count < 1) {
        std::fprintf(stderr, "evpipe_mock_cluster: --push-errors API_KEY:ERROR_CODE:COUNT\n");
        return 2;
      }
      pushed.push_back(p);
    } else {
      std::fprintf(stderr,
                   "usage: evpipe_mock_cluster [--brokers N] [--topic NAME:PARTITIONS]... "
                   "[--push-errors API_KEY:ERROR_CODE:COUNT]...\n");
      return 2;
    }
  }
  // Block the stop signals before librdkafka starts its threads, so only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    std::fprintf(stderr, "evpipe_mock_cluster: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    std::fprintf(stderr, "evpipe_mock_cluster: cannot create the mock cluster\n");
    return 1;
  }
  for (const auto& [name, partitions] : topics) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "evpipe_mock_cluster: topic %s: %s\n", name.c_str(), rd_kafka_err2str(err));
      return 1;
    }
  }
  for (const PushedErrors& p : pushed) {
    std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(p.count), static_cast<rd_kafka_resp_err_t>(p.error));
    rd_kafka_mock_push_request_errors_array(cluster, static_cast<int16_t>(p.api_key), errors.size(), errors.data());
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
