// librdkafka helpers for the broker's kill tests (broker_durability_test and
// the soak): a config whose every setting must be accepted, a delivery log of
// what the broker acknowledged to a producer, and a read of a whole topic from
// its first offset. Header-only; tests only.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace evpipe::testing {

using KafkaSettings = std::vector<std::pair<std::string, std::string>>;

// bootstrap.servers plus `settings`; a setting librdkafka refuses fails the test.
inline rd_kafka_conf_t* KafkaConf(const std::string& bootstrap, KafkaSettings settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  settings.emplace_back("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : settings) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << k << ": " << err;
  }
  return conf;
}

// What the broker acknowledged: each record is produced with its number as
// the message opaque (RD_KAFKA_V_OPAQUE).
struct DeliveryLog {
  std::mutex mu;
  std::map<uint64_t, std::pair<int32_t, int64_t>> acked;  // record number -> (partition, offset)
  uint64_t failed = 0;
  std::string fatal;  // the producer's fatal error ("" when none)

  // Makes `conf` report deliveries and fatal errors here.
  void Watch(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
    rd_kafka_conf_set_error_cb(conf, OnError);
    rd_kafka_conf_set_opaque(conf, this);
  }

 private:
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* log = static_cast<DeliveryLog*>(opaque);
    auto n = reinterpret_cast<uintptr_t>(m->_private);
    std::lock_guard lock(log->mu);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      log->acked[n] = {m->partition, m->offset};
    } else {
      ++log->failed;
    }
  }
  static void OnError(rd_kafka_t* rk, int err, const char*, void* opaque) {
    if (err != RD_KAFKA_RESP_ERR__FATAL) return;
    auto* log = static_cast<DeliveryLog*>(opaque);
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof(buf));
    std::lock_guard lock(log->mu);
    log->fatal = buf;
  }
};

// Produces record number `n` to `topic`: key "k<n % 97>", value "record-<n>",
// and n as the opaque that DeliveryLog files the acknowledgement under.
inline rd_kafka_resp_err_t ProduceNumbered(rd_kafka_t* producer, const char* topic, uint64_t n) {
  std::string key = "k" + std::to_string(n % 97);
  std::string value = "record-" + std::to_string(n);
  return rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key.data(), key.size()),
                           RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                           RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(n))), RD_KAFKA_V_END);
}

// Partition -> its records as (offset, value), in log order.
using StoredRecords = std::map<int32_t, std::vector<std::pair<int64_t, std::string>>>;

// Reads every record of `topic` (partitions 0..n-1) from the beginning with
// an assigned consumer in group `group`, until each partition's end or
// `timeout`. Not reaching every end, or a consume error, fails the test.
inline StoredRecords ReadWholeTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                                    const std::string& group, std::chrono::seconds timeout, KafkaSettings extra = {}) {
  extra.emplace_back("group.id", group);
  extra.emplace_back("enable.auto.commit", "false");
  extra.emplace_back("enable.partition.eof", "true");
  rd_kafka_conf_t* conf = KafkaConf(bootstrap, std::move(extra));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  StoredRecords out;
  if (rk == nullptr) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  int eofs = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
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

}  // namespace evpipe::testing
