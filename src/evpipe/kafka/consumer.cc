// Consumer.
#include "evpipe/kafka/consumer.h"

#include <string_view>

#include "evpipe/core/logging.h"

namespace evpipe::kafka {

Result<Config> ConsumerConfig(const std::string& bootstrap, const ConsumeOptions& options,
                              const std::vector<std::string>& properties) {
  Config config;
  EVPIPE_RETURN_IF_ERROR(config.Set("bootstrap.servers", bootstrap).WithContext("--bootstrap"));
  EVPIPE_RETURN_IF_ERROR(config.Set("client.id", "evpipe-consume"));
  EVPIPE_RETURN_IF_ERROR(config.Set("enable.partition.eof", "true"));
  EVPIPE_RETURN_IF_ERROR(config.Set("allow.auto.create.topics", "false"));
  // Keep a deep local queue so the next fetch is in flight while we write.
  // (8 MiB per-partition fetches measured slower than the 1 MiB default.)
  EVPIPE_RETURN_IF_ERROR(config.Set("queued.max.messages.kbytes", "262144"));
  EVPIPE_RETURN_IF_ERROR(config.Set("fetch.wait.max.ms", "100"));
  bool beginning = options.start_offset == RD_KAFKA_OFFSET_BEGINNING || options.start_offset >= 0 ||
                   options.start_offset <= RD_KAFKA_OFFSET_TAIL_BASE;
  EVPIPE_RETURN_IF_ERROR(config.Set("auto.offset.reset", beginning ? "earliest" : "latest"));
  if (options.group.empty()) {
    EVPIPE_RETURN_IF_ERROR(config.Set("enable.auto.commit", "false"));
    EVPIPE_RETURN_IF_ERROR(config.Set("enable.auto.offset.store", "false"));
  } else {
    EVPIPE_RETURN_IF_ERROR(config.Set("group.id", options.group).WithContext("--group"));
  }
  EVPIPE_RETURN_IF_ERROR(config.SetProperties(properties));
  return config;
}

RecordView ViewOf(const rd_kafka_message_t& m) {
  RecordView r;
  r.topic = rd_kafka_topic_name(m.rkt);
  r.partition = m.partition;
  r.offset = m.offset;
  rd_kafka_timestamp_type_t type;
  r.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
  if (m.key != nullptr) r.key = std::string_view(static_cast<const char*>(m.key), m.key_len);
  if (m.payload != nullptr) r.value = std::string_view(static_cast<const char*>(m.payload), m.len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* hv;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &hv, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      std::optional<std::string_view> hvalue;
      if (hv != nullptr) hvalue = std::string_view(static_cast<const char*>(hv), size);
      r.headers.push_back({name, hvalue});
    }
  }
  return r;
}

void MessageBatch::Clear() {
  for (rd_kafka_message_t* m : messages_) rd_kafka_message_destroy(m);
  messages_.clear();
}

Result<std::unique_ptr<Consumer>> Consumer::Create(Config config, ConsumeOptions options) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Create(Client::Kind::kConsumer, std::move(config)));
  return std::unique_ptr<Consumer>(new Consumer(std::move(client), std::move(options)));
}

Consumer::Consumer(std::unique_ptr<Client> client, ConsumeOptions options)
    : client_(std::move(client)), options_(std::move(options)) {
  client_->state().on_rebalance = [this](rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    OnRebalance(err, parts);
  };
}

Consumer::~Consumer() {
  Status s = Close();
  if (!s.ok()) log::Warn("closing the consumer: {}", s.ToString());
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
}

Status Consumer::Start(int connect_timeout_ms) {
  EVPIPE_RETURN_IF_ERROR(client_->WaitForBroker(connect_timeout_ms));
  EVPIPE_ASSIGN_OR_RETURN(TopicMetadata topic, client_->DescribeTopic(options_.topic, connect_timeout_ms));
  rd_kafka_t* rk = client_->handle();
  if (options_.partition >= 0) {
    if (options_.partition >= static_cast<int32_t>(topic.partitions.size())) {
      return Status::InvalidArgument("topic " + options_.topic + " has " + std::to_string(topic.partitions.size()) +
                                     " partitions; there is no partition " + std::to_string(options_.partition));
    }
  }
  if (options_.group.empty()) {
    // No group: fetch each partition from its start offset; nothing is committed.
    queue_ = rd_kafka_queue_new(rk);
    rkt_ = rd_kafka_topic_new(rk, options_.topic.c_str(), nullptr);
    for (const PartitionMetadata& p : topic.partitions) {
      if (options_.partition >= 0 && p.id != options_.partition) continue;
      if (rd_kafka_consume_start_queue(rkt_, p.id, options_.start_offset, queue_) != 0) {
        return Status::Unavailable("topic=" + options_.topic + " partition=" + std::to_string(p.id) +
                                   ": cannot start: " + ErrorText(rd_kafka_last_error()));
      }
      owned_.insert(p.id);
    }
    return Status::Ok();
  }
  rd_kafka_poll_set_consumer(rk);
  queue_ = rd_kafka_queue_get_consumer(rk);
  if (options_.partition < 0) {
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable("subscribe: " + ErrorText(err));
    return Status::Ok();
  }
  // A group and one partition: assigned directly, resuming from the group's
  // committed offset (unless --offset), and committing what is read.
  int64_t start = options_.explicit_offset ? options_.start_offset : RD_KAFKA_OFFSET_STORED;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(static_cast<int>(topic.partitions.size()));
  for (const PartitionMetadata& p : topic.partitions) {
    if (options_.partition >= 0 && p.id != options_.partition) continue;
    rd_kafka_topic_partition_list_add(parts, options_.topic.c_str(), p.id)->offset = start;
    owned_.insert(p.id);
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable("assign: " + ErrorText(err));
  return Status::Ok();
}

void Consumer::OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = client_->handle();
  bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < partitions->cnt; ++i) {
      owned_.insert(partitions->elems[i].partition);
      at_end_.erase(partitions->elems[i].partition);
    }
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions);
      if (e != nullptr) {
        log::Warn("incremental assign: {}", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, partitions);
    }
    log::Debug("consume: assigned {} partitions", partitions->cnt);
  } else {
    for (int i = 0; i < partitions->cnt; ++i) {
      owned_.erase(partitions->elems[i].partition);
      at_end_.erase(partitions->elems[i].partition);
    }
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
      owned_.clear();
      at_end_.clear();
    }
  }
}

bool Consumer::AtEnd() const {
  return options_.exit_at_end && !owned_.empty() && at_end_.size() == owned_.size();
}

Status Consumer::Poll(MessageBatch& batch, size_t max, int timeout_ms) {
  batch.Clear();
  std::vector<rd_kafka_message_t*>& raw = batch.raw();
  raw.resize(max);
  ssize_t n = rd_kafka_consume_batch_queue(queue_, timeout_ms, raw.data(), max);
  if (n < 0) {
    raw.clear();
    return Status::Unavailable("consume: " + ErrorText(rd_kafka_last_error()));
  }
  // Keep the records, handle the events in place.
  size_t kept = 0;
  Status status;
  for (ssize_t i = 0; i < n; ++i) {
    rd_kafka_message_t* m = raw[i];
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      at_end_.erase(m->partition);
      raw[kept++] = m;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (owned_.count(m->partition) != 0) at_end_.insert(m->partition);
    } else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
               m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
               m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED || m->err == RD_KAFKA_RESP_ERR__FATAL) {
      if (status.ok()) {
        status = Status::Unavailable("topic=" + options_.topic + ": " + rd_kafka_message_errstr(m));
      }
    } else {
      log::Warn("consume: {}", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
  raw.resize(kept);
  return status;
}

Status Consumer::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (rkt_ != nullptr) {
    for (int32_t p : owned_) rd_kafka_consume_stop(rkt_, p);
    rd_kafka_topic_destroy(rkt_);
    rkt_ = nullptr;
    return Status::Ok();
  }
  if (queue_ == nullptr) return Status::Ok();  // never started
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(client_->handle());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable("consumer close: " + ErrorText(err));
  return Status::Ok();
}

}  // namespace evpipe::kafka
