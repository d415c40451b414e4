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

namespace {

using evpipe::testing::BrokerProcess;

struct Acked {
  int32_t partition;
  int64_t offset;
};

struct DeliveryState {
  std::mutex mu;
  std::map<uint64_t, Acked> acked;  // record number -> where the broker put it
  uint64_t failed = 0;
  std::string fatal;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<DeliveryState*>(opaque);
  auto n = reinterpret_cast<uintptr_t>(m->_private);
  std::lock_guard lock(st->mu);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    st->acked[n] = {m->partition, m->offset};
  } else {
    ++st->failed;
  }
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* st = static_cast<DeliveryState*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof(buf));
    std::lock_guard lock(st->mu);
    st->fatal = buf;
  }
  (void)reason;
}

rd_kafka_conf_t* Conf(const std::string& bootstrap, std::vector<std::pair<std::string, std::string>> extra) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  extra.emplace_back("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : extra) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << k << ": " << err;
  }
  return conf;
}

// Reads every record of `topic` (partitions 0..n-1) from the beginning.
std::map<int32_t, std::vector<std::pair<int64_t, std::string>>> ReadAll(const std::string& bootstrap,
                                                                       const std::string& topic, int partitions) {
  rd_kafka_conf_t* conf = Conf(bootstrap, {{"group.id", "durability-reader"}, {"enable.auto.commit", "false"},
                                           {"enable.partition.eof", "true"}});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::map<int32_t, std::vector<std::pair<int64_t, std::string>>> out;
  int eofs = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (eofs < partitions && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[m->partition].emplace_back(m->offset, std::string(static_cast<const char*>(m->payload), m->len));
    } else {
      ADD_FAILURE() << "consume: " << rd_kafka_message_errstr(m);
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_EQ(eofs, partitions) << "did not reach the end of every partition";
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

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

  DeliveryState state;
  rd_kafka_conf_t* conf = Conf(broker.bootstrap(), {{"enable.idempotence", "true"},
                                                    {"acks", "all"},
                                                    {"linger.ms", "2"},
                                                    {"message.timeout.ms", "60000"},
                                                    {"reconnect.backoff.ms", "20"},
                                                    {"reconnect.backoff.max.ms", "200"},
                                                    {"retry.backoff.ms", "20"}});
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_opaque(conf, &state);
  char err[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(producer, nullptr) << err;

  uint64_t produced = 0;
  auto produce_for = [&](std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      for (int i = 0; i < 50; ++i) {
        std::string key = "k" + std::to_string(produced % 97);
        std::string value = "record-" + std::to_string(produced);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
            RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(produced))), RD_KAFKA_V_END);
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

  auto stored = ReadAll(broker.bootstrap(), topic, kPartitions);
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
    EXPECT_EQ(it->second.first, a.partition) << value;
    EXPECT_EQ(it->second.second, a.offset) << value;
  }
  std::printf("%zu acknowledged records verified after %d kills\n", state.acked.size(), kKills + 1);
}

}  // namespace
