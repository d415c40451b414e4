// Helpers for the sink-raw tests.
#include "integration/sink/sink_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "evpipe/event/event.h"
#include "evpipe/sink/layout.h"

namespace evpipe::sink::testing {
namespace fs = std::filesystem;

MockCluster::MockCluster(int brokers) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk_ == nullptr) throw std::runtime_error(err);
  mc_ = rd_kafka_mock_cluster_new(rk_, brokers);
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(mc_);
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(mc_);
  rd_kafka_destroy(rk_);
}

void MockCluster::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc_, topic.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(rd_kafka_err2str(e));
}

void Produce(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::pair<int32_t, std::string>>& records) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  for (const auto& [p, v] : records) {
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
                                                RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
      break;
    }
  }
  ASSERT_EQ(rd_kafka_flush(rk, 60'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

std::string GoodLine(int64_t i, int64_t ingest_us) {
  event::Event e;
  e.event_id = fmt::format("00000000-0000-4000-8000-{:012}", i);
  e.event_type = "order_created";
  e.event_time_us = ingest_us - 1000;
  e.ingest_time_us = ingest_us;
  e.tenant_id = "t1";
  e.payload = fmt::format("{{\"order_id\":\"o-{}\",\"amount\":{}}}", i / 3, i % 1000);
  event::SetChecksum(&e);
  std::string out;
  event::EncodeLine(e, &out);
  return out;
}

std::map<int32_t, int64_t> Committed(const std::string& bootstrap, const std::string& group,
                                     const std::string& topic, int partitions) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::map<int32_t, int64_t> out;
  if (rd_kafka_committed(rk, list, 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

namespace {
std::vector<std::string> ReadLines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      out.push_back(text.substr(pos) + "<no newline>");
      break;
    }
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}
}  // namespace

Landed ReadLanded(const std::string& raw_dir, const std::string& topic) {
  Landed l;
  fs::path root = fs::path(raw_dir) / topic;
  if (!fs::exists(root)) return l;
  for (const auto& d : fs::directory_iterator(root)) {
    std::string dname = d.path().filename().string();
    if (!d.is_directory() || !dname.starts_with("ingest_date=")) continue;
    std::string date = dname.substr(12);
    for (const auto& f : fs::directory_iterator(d.path())) {
      std::string name = f.path().filename().string();
      std::string rel = dname + "/" + name;
      if (name.starts_with(".")) {
        l.hidden_files.push_back(rel);
        continue;
      }
      auto id = ParseFinalFileName(name);
      if (!id) {
        l.bad_names.push_back(rel);
        continue;
      }
      l.visible_files.push_back(rel);
      std::vector<std::string> lines = ReadLines(f.path());
      if (lines.empty() || static_cast<int64_t>(lines.size()) > id->last - id->first + 1) l.bad_names.push_back(rel);
      for (auto& line : lines) l.lines.push_back(std::move(line));
      l.dates[date] += static_cast<int>(lines.size());
    }
  }
  return l;
}

std::vector<std::string> ReadQuarantine(const std::string& quarantine_dir, const std::string& topic,
                                        const std::string& stage) {
  std::vector<std::string> out;
  fs::path root = fs::path(quarantine_dir) / topic / stage;
  if (!fs::exists(root)) return out;
  for (const auto& f : fs::recursive_directory_iterator(root)) {
    if (!f.is_regular_file() || f.path().filename().string().starts_with(".")) continue;
    for (auto& line : ReadLines(f.path())) out.push_back(std::move(line));
  }
  return out;
}

std::vector<BadRecord> BadRecords(int64_t ingest_us) {
  std::string good = GoodLine(999999, ingest_us);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    return s.replace(at, from.size(), to);
  };
  return {
      {"", "empty_line"},
      {"\xff\xfe not utf8", "invalid_utf8"},
      {"{\"event_id\":", "invalid_json"},
      {"[1,2,3]", "not_an_object"},
      {replace("\"event_id\"", "\"event_idx\""), "missing_field:event_id"},
      {replace("\"ingest_time\"", "\"ingest_timex\""), "missing_field:ingest_time"},
      {replace("\"event_type\":\"order_created\"", "\"event_type\":7"), "bad_type:event_type"},
      {replace("\"ingest_time\":\"2026-02-05", "\"ingest_time\":\"2026-02-35"), "bad_time:ingest_time"},
      {replace("\"event_time\":\"", "\"event_time\":\"yesterday"), "bad_time:event_time"},
      {replace("\"event_id\":\"", "\"event_id\":\"\",\"x\":\""), "empty_field:event_id"},
      {replace("\"event_type\":", "\"event_id\":\"dup\",\"event_type\":"), "duplicate_field:event_id"},
      {replace("\"amount\":", "\"amount\":1"), "checksum_mismatch"},
      {"{\"event_id\":\n\"x\"}", "line_break_in_record"},
  };
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

uint64_t TestSeed(uint64_t fallback) {
  const char* env = std::getenv("EVPIPE_TEST_SEED");
  uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
  std::printf("seed=%llu (set EVPIPE_TEST_SEED to repeat)\n", static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace evpipe::sink::testing
