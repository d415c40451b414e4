// The broker soak (`make soak`, issue 12 item 4; not in `make test`, it takes
// minutes): an idempotent librdkafka producer (acks=all) and a group consumer
// (manual commits) run while `evpipe broker` is SIGKILLed BROKER_KILLS times
// (default 200) at seeded random moments and restarted on the same data dir
// and port. Afterwards:
//   - the log holds every acknowledged record exactly once, at its
//     acknowledged offset, offsets contiguous per partition;
//   - the group consumer saw every acknowledged record (at least once: a
//     kill between a read and its commit replays the records after the
//     commit), and a fresh member of the group resumes at the committed
//     offsets and reads the rest, so that committed prefix + rest covers each
//     record exactly once.
// Prints its seed (EVPIPE_SEED= reruns it) and the counts.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/broker_process.h"
#include "support/delivery_log.h"

namespace {

using evpipe::testing::BrokerProcess;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 3;
const char* const kTopic = "soak";
const char* const kGroup = "soak-group";

// Every client reconnects fast while the broker restarts, and keeps quiet.
rd_kafka_conf_t* Conf(const std::string& bootstrap, evpipe::testing::KafkaSettings extra) {
  extra.emplace_back("reconnect.backoff.ms", "20");
  extra.emplace_back("reconnect.backoff.max.ms", "200");
  extra.emplace_back("log_level", "0");
  return evpipe::testing::KafkaConf(bootstrap, std::move(extra));
}

rd_kafka_t* GroupConsumer(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = Conf(bootstrap, {{"group.id", kGroup},
                                           {"enable.auto.commit", "false"},
                                           {"auto.offset.reset", "earliest"},
                                           {"session.timeout.ms", "6000"},
                                           {"heartbeat.interval.ms", "500"},
                                           {"fetch.wait.max.ms", "100"}});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, kTopic, RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  return rk;
}

// Polls `rk` until `stop` or, when `idle` > 0, until `idle` passes without a
// record. Commits synchronously every 200 records and at the end. Returns
// every value read, repeats included.
std::vector<std::string> Consume(rd_kafka_t* rk, const std::atomic<bool>& stop, std::chrono::seconds idle) {
  std::vector<std::string> seen;
  auto last = Clock::now();
  size_t since_commit = 0;
  while (!stop) {
    if (idle.count() > 0 && Clock::now() - last > idle) break;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string v(static_cast<const char*>(m->payload), m->len);
      seen.push_back(std::move(v));
      last = Clock::now();
      if (++since_commit >= 200 && rd_kafka_commit(rk, nullptr, 0) == RD_KAFKA_RESP_ERR_NO_ERROR) since_commit = 0;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_commit(rk, nullptr, 0);
  return seen;
}

TEST(BrokerSoak, AckedRecordsExactlyOnceUnderManySigkills) {
  const int kills = std::getenv("BROKER_KILLS") ? std::atoi(std::getenv("BROKER_KILLS")) : 200;
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("EVPIPE_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("broker soak: %d kills, seed=%llu (rerun with EVPIPE_SEED=%llu)\n", kills,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  auto started = Clock::now();

  BrokerProcess broker(BrokerProcess::Options{{"--default-partitions", std::to_string(kPartitions),
                                               "--segment-bytes", "65536"}});
  ASSERT_TRUE(broker.running()) << broker.ReadLog();

  evpipe::testing::DeliveryLog delivery;
  rd_kafka_conf_t* pconf = Conf(broker.bootstrap(), {{"enable.idempotence", "true"},
                                                     {"acks", "all"},
                                                     {"linger.ms", "2"},
                                                     {"message.timeout.ms", "120000"},
                                                     {"retry.backoff.ms", "20"}});
  delivery.Watch(pconf);
  char err[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err));
  ASSERT_NE(producer, nullptr) << err;

  // The group consumer runs through every kill.
  std::atomic<bool> stop_consumer{false};
  std::vector<std::string> consumed;
  std::thread consumer_thread([&] {
    rd_kafka_t* rk = GroupConsumer(broker.bootstrap());
    consumed = Consume(rk, stop_consumer, std::chrono::seconds(0));
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  });

  uint64_t produced = 0;
  auto produce_for = [&](std::chrono::milliseconds d) {
    auto end = Clock::now() + d;
    while (Clock::now() < end) {
      for (int i = 0; i < 20; ++i) {
        rd_kafka_resp_err_t e = evpipe::testing::ProduceNumbered(producer, kTopic, produced);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
        ++produced;
      }
      rd_kafka_poll(producer, 1);
    }
  };

  for (int round = 0; round < kills; ++round) {
    produce_for(std::chrono::milliseconds(50 + rng() % 400));
    broker.Kill(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 100));
    ASSERT_TRUE(broker.Start()) << "restart " << round << " failed:\n" << broker.ReadLog();
    if (round % 20 == 19) {
      std::lock_guard lock(delivery.mu);
      std::printf("  %d kills: %llu produced, %zu acked, %.0f s\n", round + 1,
                  static_cast<unsigned long long>(produced), delivery.acked.size(),
                  std::chrono::duration<double>(Clock::now() - started).count());
    }
  }
  produce_for(std::chrono::milliseconds(300));
  ASSERT_EQ(rd_kafka_flush(producer, 120000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  {
    std::lock_guard lock(delivery.mu);
    EXPECT_EQ(delivery.fatal, "") << "the idempotent producer hit a fatal error";
    EXPECT_EQ(delivery.failed, 0u);
    EXPECT_EQ(delivery.acked.size(), produced);
  }
  const size_t acked = delivery.acked.size();

  // Let the running consumer read on a little, then stop it (it commits what it read).
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop_consumer = true;
  consumer_thread.join();

  // A fresh member resumes at the group's committed offsets after one more kill.
  ASSERT_TRUE(broker.Restart(/*hard=*/true)) << broker.ReadLog();
  std::vector<std::string> rest;
  {
    rd_kafka_t* rk = GroupConsumer(broker.bootstrap());
    std::atomic<bool> never{false};
    rest = Consume(rk, never, std::chrono::seconds(10));
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }

  // Every acknowledged record: read by the group at least once, and the log
  // (read whole from the beginning) holds it once at its acknowledged offset.
  std::set<std::string> group_seen(consumed.begin(), consumed.end());
  group_seen.insert(rest.begin(), rest.end());
  size_t missing_in_group = 0;
  for (const auto& [n, where] : delivery.acked) {
    if (group_seen.count("record-" + std::to_string(n)) == 0) ++missing_in_group;
  }
  EXPECT_EQ(missing_in_group, 0u) << "acknowledged records the group never read";
  size_t replayed = consumed.size() + rest.size() - group_seen.size();

  const evpipe::testing::StoredRecords log = evpipe::testing::ReadWholeTopic(
      broker.bootstrap(), kTopic, kPartitions, "soak-reader", std::chrono::seconds(60),
      {{"reconnect.backoff.ms", "20"}, {"reconnect.backoff.max.ms", "200"}, {"log_level", "0"}});
  std::map<std::string, std::pair<int32_t, int64_t>> stored;
  size_t duplicates = 0, gaps = 0;
  for (const auto& [partition, records] : log) {
    int64_t next_offset = 0;
    for (const auto& [offset, value] : records) {
      if (offset != next_offset) ++gaps;
      next_offset = offset + 1;
      if (!stored.emplace(value, std::make_pair(partition, offset)).second) ++duplicates;
    }
  }
  EXPECT_EQ(duplicates, 0u) << "records stored twice";
  EXPECT_EQ(gaps, 0u) << "offsets not contiguous";
  size_t wrong_place = 0, lost = 0;
  for (const auto& [n, where] : delivery.acked) {
    auto it = stored.find("record-" + std::to_string(n));
    if (it == stored.end()) {
      ++lost;
    } else if (it->second != where) {
      ++wrong_place;
    }
  }
  EXPECT_EQ(lost, 0u) << "acknowledged records missing from the log";
  EXPECT_EQ(wrong_place, 0u) << "records not at their acknowledged offset";
  std::printf("broker soak: %d kills in %.0f s; %zu acknowledged, %zu in the log (lost %zu, duplicates %zu, gaps %zu); "
              "group read %zu during the kills + %zu after, replays after uncommitted kills %zu, never read %zu\n",
              kills, std::chrono::duration<double>(Clock::now() - started).count(), acked, stored.size(), lost,
              duplicates, gaps, consumed.size(), rest.size(), replayed, missing_in_group);
}

}  // namespace
