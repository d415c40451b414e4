// Durability of `evpipe broker` under SIGKILL: an idempotent librdkafka
// producer (acks=all) keeps producing while the broker is killed at seeded
// random moments and restarted on the same data dir and port. Afterwards every
// acknowledged record is present exactly once, at the offset the broker
// acknowledged, in production order per partition, with contiguous offsets.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/broker_process.h"
#include "support/delivery_log.h"

namespace {

using evpipe::testing::BrokerProcess;
using evpipe::testing::DeliveryLog;
using evpipe::testing::KafkaConf;

TEST(BrokerDurabilityTest, AckedRecordsSurviveSigkillExactlyOnceInOrder) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("EVPIPE_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("seed=%llu (rerun with EVPIPE_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);

  BrokerProcess broker(BrokerProcess::Options{{"--default-partitions", "3", "--segment-bytes", "65536"}});
  ASSERT_TRUE(broker.running()) << broker.ReadLog();
  const std::string topic = "durability";
  const int kPartitions = 3;

  DeliveryLog state;
  rd_kafka_conf_t* conf = KafkaConf(broker.bootstrap(), {{"enable.idempotence", "true"},
                                                    {"acks", "all"},
                                                    {"linger.ms", "2"},
                                                    {"message.timeout.ms", "60000"},
                                                    {"reconnect.backoff.ms", "20"},
                                                    {"reconnect.backoff.max.ms", "200"},
                                                    {"retry.backoff.ms", "20"}});
  state.Watch(conf);
  char err[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(producer, nullptr) << err;

  uint64_t produced = 0;
  auto produce_for = [&](std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      for (int i = 0; i < 50; ++i) {
        rd_kafka_resp_err_t e = evpipe::testing::ProduceNumbered(producer, topic.c_str(), produced);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
        ++produced;
      }
      rd_kafka_poll(producer, 1);
    }
  };

  const int kKills = 4;
  for (int round = 0; round < kKills; ++round) {
    auto ms = std::chrono::milliseconds(100 + rng() % 500);
    produce_for(ms);
    std::printf("round %d: kill after %lld ms, %llu produced, %zu acked\n", round,
                static_cast<long long>(ms.count()), static_cast<unsigned long long>(produced), state.acked.size());
    broker.Kill(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    ASSERT_TRUE(broker.Start()) << broker.ReadLog();
  }
  produce_for(std::chrono::milliseconds(200));
  ASSERT_EQ(rd_kafka_flush(producer, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
  {
    std::lock_guard lock(state.mu);
    EXPECT_EQ(state.fatal, "") << "the idempotent producer hit a fatal error";
    EXPECT_EQ(state.failed, 0u);
  }
  rd_kafka_destroy(producer);
  // One more hard restart right after the last acknowledgement.
  ASSERT_TRUE(broker.Restart(/*hard=*/true)) << broker.ReadLog();

  auto stored = evpipe::testing::ReadWholeTopic(broker.bootstrap(), topic, kPartitions, "durability-reader",
                                                std::chrono::seconds(30));
  std::map<std::string, std::pair<int32_t, int64_t>> where;
  for (const auto& [p, records] : stored) {
    int64_t expect = 0;
    uint64_t last_number = 0;
    bool first = true;
    for (const auto& [offset, value] : records) {
      EXPECT_EQ(offset, expect) << "partition " << p << ": offsets not contiguous";
      expect = offset + 1;
      EXPECT_TRUE(where.emplace(value, std::make_pair(p, offset)).second) << value << " stored twice";
      uint64_t n = std::stoull(value.substr(7));
      EXPECT_TRUE(first || n > last_number) << "partition " << p << ": " << value << " after record-" << last_number;
      first = false;
      last_number = n;
    }
  }
  std::lock_guard lock(state.mu);
  EXPECT_EQ(state.acked.size(), produced);
  for (const auto& [n, a] : state.acked) {
    std::string value = "record-" + std::to_string(n);
    auto it = where.find(value);
    ASSERT_NE(it, where.end()) << value << " was acknowledged but is missing";
    EXPECT_EQ(it->second.first, a.first) << value;    // partition
    EXPECT_EQ(it->second.second, a.second) << value;  // offset
  }
  std::printf("%zu acknowledged records verified after %d kills\n", state.acked.size(), kKills + 1);
}

}  // namespace
