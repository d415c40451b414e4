// A small librdkafka C client against `evpipe broker`: binary keys, values
// and headers (NUL and 0xff bytes included) come back byte for byte through
// a consumer group, and the group's commit is read back with rd_kafka_committed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "support/broker_process.h"

namespace {

rd_kafka_t* Make(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << err;
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  return rk;
}

std::string Bin(int i) { return std::string("\0\xff", 2) + "v" + std::to_string(i) + std::string(1, '\0'); }

TEST(BrokerLibrdkafkaTest, BinaryKeysValuesHeadersAndGroupCommit) {
  evpipe::testing::BrokerProcess broker;
  ASSERT_TRUE(broker.running()) << broker.ReadLog();
  const std::string topic = "rdkafka-binary";
  const int n = 100;
  rd_kafka_t* p = Make(RD_KAFKA_PRODUCER, {{"bootstrap.servers", broker.bootstrap()}, {"enable.idempotence", "true"}});
  for (int i = 0; i < n; ++i) {
    std::string key = std::string("key\0", 4) + std::to_string(i), value = Bin(i), h = Bin(i * 7);
    ASSERT_EQ(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
                                RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_HEADER("bin", h.data(), static_cast<ssize_t>(h.size())),
                                RD_KAFKA_V_HEADER("text", "x", 1), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(p);

  rd_kafka_t* c = Make(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker.bootstrap()},
                                           {"group.id", "rdkafka-group"},
                                           {"auto.offset.reset", "earliest"},
                                           {"enable.auto.commit", "false"}});
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(c, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(sub);
  std::map<std::string, std::pair<std::string, std::string>> got;  // key -> value, bin header
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (got.size() < static_cast<size_t>(n) && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_t* hdrs = nullptr;
      const void* hv = nullptr;
      size_t hs = 0;
      std::string bin;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(hdrs, "bin", &hv, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        bin.assign(static_cast<const char*>(hv), hs);
      }
      got[std::string(static_cast<const char*>(m->key), m->key_len)] = {
          std::string(static_cast<const char*>(m->payload), m->len), bin};
    }
    rd_kafka_message_destroy(m);
  }
  ASSERT_EQ(got.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string key = std::string("key\0", 4) + std::to_string(i);
    ASSERT_TRUE(got.count(key)) << i;
    EXPECT_EQ(got[key].first, Bin(i));
    EXPECT_EQ(got[key].second, Bin(i * 7));
  }
  ASSERT_EQ(rd_kafka_commit(c, nullptr, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  ASSERT_EQ(rd_kafka_assignment(c, &assigned), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_committed(c, assigned, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  int64_t total = 0;
  for (int i = 0; i < assigned->cnt; ++i) total += std::max<int64_t>(assigned->elems[i].offset, 0);
  EXPECT_EQ(total, n) << "committed offsets should cover every record";
  rd_kafka_topic_partition_list_destroy(assigned);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
}

// Fetch responses carry partitions of several MB each (their record batches
// are spliced into the frame, not copied: broker/connection.h ResponseFrame),
// several responses in flight on one connection: every value comes back
// byte for byte and in order per partition.
TEST(BrokerLibrdkafkaTest, LargeMultiPartitionFetchesComeBackWhole) {
  evpipe::testing::BrokerProcess broker(evpipe::testing::BrokerProcess::Options{.extra_args = {"--default-partitions", "4"}});
  ASSERT_TRUE(broker.running()) << broker.ReadLog();
  const std::string topic = "rdkafka-large";
  const int n = 4000;  // 2 KiB each: ~8 MB, ~2 MB per partition
  auto value_of = [](int i) {
    std::string v(2048, '\0');
    for (size_t j = 0; j < v.size(); ++j) v[j] = static_cast<char>((i * 131 + static_cast<int>(j) * 7) & 0xff);
    return v;
  };
  rd_kafka_t* p = Make(RD_KAFKA_PRODUCER, {{"bootstrap.servers", broker.bootstrap()},
                                           {"linger.ms", "5"},
                                           {"sticky.partitioning.linger.ms", "0"}});
  for (int i = 0; i < n; ++i) {
    std::string key = std::to_string(i), value = value_of(i);
    ASSERT_EQ(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(i % 4),
                                RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(p);

  rd_kafka_t* c = Make(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker.bootstrap()},
                                           {"group.id", "rdkafka-large"},
                                           {"auto.offset.reset", "earliest"},
                                           {"enable.auto.commit", "false"},
                                           {"fetch.message.max.bytes", "4194304"}});
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(c, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(sub);
  std::vector<int> last(4, -1);  // the last key seen per partition
  int got = 0, bad = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (got < n && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->partition >= 0 && m->partition < 4) {
      int i = std::stoi(std::string(static_cast<const char*>(m->key), m->key_len));
      std::string value(static_cast<const char*>(m->payload), m->len);
      if (value != value_of(i) || i % 4 != m->partition || i <= last[static_cast<size_t>(m->partition)]) ++bad;
      last[static_cast<size_t>(m->partition)] = i;
      ++got;
    } else {
      ++bad;
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_EQ(got, n);
  EXPECT_EQ(bad, 0);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
}

}  // namespace
