// Client.
#include "evpipe/kafka/client.h"

#include <algorithm>
#include <string_view>
#include <thread>

#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::kafka {
namespace {

// librdkafka threads call these; they must not throw.
void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept {
  auto* state = static_cast<ClientState*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    state->all_brokers_down = true;
    log::Debug("kafka: {}", reason);
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof(buf));
    state->fatal = true;
    std::lock_guard<std::mutex> lock(state->mu);
    state->last_error = std::string("fatal: ") + buf;
    log::Error("kafka: fatal error: {}", buf);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->last_error = reason;
  }
  log::Debug("kafka: {}: {}", rd_kafka_err2name(code), reason);
}

void OnLog(const rd_kafka_t*, int level, const char* fac, const char* buf) noexcept {
  // librdkafka is chatty about connection attempts; our commands report
  // failures themselves in one line, so its log shows only with EVPIPE_LOG_LEVEL=debug.
  if (level <= 2) {
    log::Error("kafka: {}: {}", fac, buf);
  } else {
    log::Debug("kafka: {}: {}", fac, buf);
  }
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) noexcept {
  auto* state = static_cast<ClientState*>(opaque);
  if (msg->_private != nullptr) static_cast<ValueOwner*>(msg->_private)->Release();
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    state->delivered.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (state->failed.fetch_add(1, std::memory_order_relaxed) == 0) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->first_delivery_error = rd_kafka_err2str(msg->err);
  }
}

void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                 void* opaque) noexcept {
  auto* state = static_cast<ClientState*>(opaque);
  if (state->on_rebalance) {
    state->on_rebalance(err, partitions);
    return;
  }
  bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, partitions));
    else rd_kafka_assign(rk, partitions);
  } else {
    if (cooperative) rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, partitions));
    else rd_kafka_assign(rk, nullptr);
  }
}

void OnCommit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
              void* opaque) noexcept {
  auto* state = static_cast<ClientState*>(opaque);
  if (state->on_commit) state->on_commit(err, offsets);
}

std::string HowToReach(const std::string& bootstrap) {
  return "is the broker running at " + bootstrap +
         "? Start one with `make up` (or `evpipe up`), or point --bootstrap / KAFKA_BOOTSTRAP at yours";
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create(Kind kind, Config config) {
  auto state = std::make_unique<ClientState>();
  std::string bootstrap = config.Get("bootstrap.servers");
  rd_kafka_conf_set_opaque(config.raw(), state.get());
  rd_kafka_conf_set_error_cb(config.raw(), OnError);
  rd_kafka_conf_set_log_cb(config.raw(), OnLog);
  if (kind == Kind::kProducer) rd_kafka_conf_set_dr_msg_cb(config.raw(), OnDelivery);
  if (kind == Kind::kConsumer) {
    rd_kafka_conf_set_rebalance_cb(config.raw(), OnRebalance);
    rd_kafka_conf_set_offset_commit_cb(config.raw(), OnCommit);
  }
  char errstr[512];
  rd_kafka_conf_t* conf = config.Release();
  rd_kafka_t* rk = rd_kafka_new(kind == Kind::kProducer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf,
                                errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("bad Kafka settings: ") + errstr);
  }
  return std::unique_ptr<Client>(new Client(rk, std::move(state), std::move(bootstrap)));
}

Client::Client(rd_kafka_t* rk, std::unique_ptr<ClientState> state, std::string bootstrap)
    : rk_(rk), state_(std::move(state)), bootstrap_(std::move(bootstrap)) {}

Client::~Client() { rd_kafka_destroy(rk_); }

std::string Client::LastError() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->last_error;
}

Status Client::WaitForBroker(int timeout_ms) {
  int64_t start = MonotonicMicros();
  int64_t deadline = start + int64_t{timeout_ms} * 1000;
  // "All brokers down" comes after the first refused connection, but a name
  // like localhost may have a second address (::1, then 127.0.0.1) that
  // librdkafka tries next: give it a moment before believing it.
  constexpr int64_t kRefusedGraceUs = 1500 * 1000;
  while (true) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, nullptr, &md, 200);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      return Status::Ok();
    }
    // Serves error_cb for producers and not-yet-subscribed consumers.
    rd_kafka_poll(rk_, 0);
    std::string detail = LastError();
    if (state_->fatal) return Status::Unavailable("Kafka client failed: " + detail);
    int64_t now = MonotonicMicros();
    if ((state_->all_brokers_down && now - start >= kRefusedGraceUs) || now >= deadline) {
      std::string why = detail.empty() ? ErrorText(err) : detail;
      return Status::Unavailable("cannot reach a Kafka broker at " + bootstrap_ + " (" + why + "): " +
                                 HowToReach(bootstrap_));
    }
  }
}

Result<ClusterMetadata> Client::Metadata(int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable("metadata request to " + bootstrap_ + " failed: " + ErrorText(err));
  }
  ClusterMetadata out;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    std::string name = t.topic;
    if (name.rfind("__", 0) == 0) continue;
    TopicMetadata topic{name, {}, t.err};
    for (int p = 0; p < t.partition_cnt; ++p) {
      const rd_kafka_metadata_partition_t& mp = t.partitions[p];
      PartitionMetadata pm;
      pm.id = mp.id;
      pm.leader = mp.leader;
      pm.error = mp.err;
      pm.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
      pm.isrs.assign(mp.isrs, mp.isrs + mp.isr_cnt);
      topic.partitions.push_back(std::move(pm));
    }
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const PartitionMetadata& a, const PartitionMetadata& b) { return a.id < b.id; });
    out.topics.push_back(std::move(topic));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.topics.begin(), out.topics.end(),
            [](const TopicMetadata& a, const TopicMetadata& b) { return a.name < b.name; });
  return out;
}

Result<TopicMetadata> Client::DescribeTopic(const std::string& topic, int timeout_ms) {
  EVPIPE_ASSIGN_OR_RETURN(ClusterMetadata md, Metadata(timeout_ms));
  for (TopicMetadata& t : md.topics) {
    if (t.name != topic) continue;
    if (t.error != RD_KAFKA_RESP_ERR_NO_ERROR && t.error != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
      return Status::Unavailable("topic " + topic + ": " + ErrorText(t.error));
    }
    return std::move(t);
  }
  return Status::NotFound("topic " + topic + " does not exist at " + bootstrap_ +
                          ": create it with `make topic TOPIC=" + topic + "` (or `evpipe topic create --topic " +
                          topic + "`)");
}

Result<Client::Watermarks> Client::QueryWatermarks(const std::string& topic, int32_t partition, int timeout_ms) {
  Watermarks out;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &out.low, &out.high,
                                                             std::max(timeout_ms, 1));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable("topic=" + topic + " partition=" + std::to_string(partition) + ": " + ErrorText(err));
  }
  return out;
}

std::string Client::ClusterId(int timeout_ms) {
  char* id = rd_kafka_clusterid(rk_, std::max(timeout_ms, 1));
  std::string out = id != nullptr ? id : "";
  if (id != nullptr) rd_kafka_mem_free(rk_, id);
  return out;
}

}  // namespace evpipe::kafka
