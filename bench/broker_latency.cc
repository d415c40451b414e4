// Produce-to-consume latency through a Kafka broker at a fixed rate: a
// librdkafka producer (acks=all) sends RATE records/s for SECONDS, each value
// carrying the time it was due to be sent; a consumer reading the same topic
// records receive - due. Prints p50/p99/max in ms.
//   broker_latency BOOTSTRAP [RATE=50000] [SECONDS=5] [TOPIC=latency] [VALUE_BYTES=108]
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

rd_kafka_t* Make(rd_kafka_type_t type, const std::vector<std::pair<const char*, std::string>>& props) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s: %s\n", k, err);
      std::exit(1);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    std::exit(1);
  }
  return rk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: broker_latency BOOTSTRAP [RATE] [SECONDS] [TOPIC] [VALUE_BYTES]\n");
    return 2;
  }
  std::string bootstrap = argv[1];
  int rate = argc > 2 ? std::atoi(argv[2]) : 50000;
  int seconds = argc > 3 ? std::atoi(argv[3]) : 5;
  std::string topic = argc > 4 ? argv[4] : "latency";
  const size_t value_bytes = std::max<size_t>(argc > 5 ? static_cast<size_t>(std::atoi(argv[5])) : 108, sizeof(int64_t));
  rd_kafka_t* producer = Make(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}, {"acks", "all"},
                                                  {"linger.ms", "1"}, {"enable.idempotence", "true"}});
  // Create the topic and make sure it has data before the consumer starts at the end.
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(const_cast<char*>("warmup"), 6),
                    RD_KAFKA_V_END);
  rd_kafka_flush(producer, 10000);
  rd_kafka_t* consumer = Make(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap}, {"group.id", "latency"},
                                                  {"enable.auto.commit", "false"}, {"fetch.wait.max.ms", "100"},
                                                  {"auto.offset.reset", "latest"}});
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  // Wait for the assignment.
  for (int i = 0; i < 100; ++i) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (m) rd_kafka_message_destroy(m);
    rd_kafka_topic_partition_list_t* a = nullptr;
    rd_kafka_assignment(consumer, &a);
    bool assigned = a && a->cnt > 0;
    if (a) rd_kafka_topic_partition_list_destroy(a);
    if (assigned) break;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  std::atomic<bool> done{false};
  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(rate) * seconds);
  std::thread reader([&] {
    while (!done || lat.size() < static_cast<size_t>(rate) * seconds) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (m == nullptr) {
        if (done) break;
        continue;
      }
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->len == value_bytes) {
        int64_t sent;
        std::memcpy(&sent, m->payload, sizeof(sent));
        lat.push_back(NowMicros() - sent);
      }
      rd_kafka_message_destroy(m);
    }
  });
  int64_t start = NowMicros();
  int64_t total = static_cast<int64_t>(rate) * seconds;
  std::string value(value_bytes, 'e');
  // Every record due by now goes out, stamped with the time it was due (not
  // sent: a late send counts against the latency); then sleep until the next
  // is due, so that the tool does not spin a core the broker needs.
  for (int64_t i = 0; i < total;) {
    const int64_t now = NowMicros();
    for (int64_t due = start + i * 1000000 / rate; i < total && due <= now; ++i, due = start + i * 1000000 / rate) {
      std::memcpy(value.data(), &due, sizeof(due));
      while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer, 1);
      }
    }
    rd_kafka_poll(producer, 0);
    if (i < total) {  // never spin (also under chrt -f, where a spinning thread starves librdkafka's)
      const int64_t wait = start + i * 1000000 / rate - NowMicros();
      std::this_thread::sleep_for(std::chrono::microseconds(std::clamp<int64_t>(wait, 20, 1000)));
    }
  }
  rd_kafka_flush(producer, 30000);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  done = true;
  reader.join();
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_destroy(producer);
  if (lat.empty()) {
    std::fprintf(stderr, "no records consumed\n");
    return 1;
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return static_cast<double>(lat[static_cast<size_t>(p * (lat.size() - 1))]) / 1000.0; };
  std::printf("rate %d/s of %zu-byte values for %d s: %zu of %lld consumed; latency ms p50 %.2f p99 %.2f max %.2f\n",
              rate, value_bytes, seconds, lat.size(), static_cast<long long>(total), pct(0.5), pct(0.99), pct(1.0));
  return 0;
}
