// Producer.
#include "evpipe/kafka/producer.h"

#include <algorithm>
#include <thread>

namespace evpipe::kafka {

BatchSizing SizeBatches(int partitions) {
  const int64_t slots = std::max(partitions, 1) + 1;  // a batch per partition, and one more
  const int64_t window = std::clamp(slots * kBatchBytes, kMinWindowBytes, kMaxWindowBytes);
  BatchSizing out;
  out.batch_bytes = std::min(kBatchBytes, window / slots);
  out.window_kbytes = (window + 1023) / 1024;
  return out;
}

Result<Config> ProducerConfig(const std::string& bootstrap, const std::string& compression,
                              const std::vector<std::string>& properties, int partitions) {
  const BatchSizing sizing = SizeBatches(partitions);
  Config config;
  EVPIPE_RETURN_IF_ERROR(config.Set("bootstrap.servers", bootstrap).WithContext("--bootstrap"));
  EVPIPE_RETURN_IF_ERROR(config.Set("client.id", "evpipe-produce"));
  EVPIPE_RETURN_IF_ERROR(config.Set("enable.idempotence", "true"));
  EVPIPE_RETURN_IF_ERROR(config.Set("acks", "all"));
  EVPIPE_RETURN_IF_ERROR(config.Set("compression.type", compression).WithContext("--compression"));
  EVPIPE_RETURN_IF_ERROR(config.Set("linger.ms", kDefaultLingerMs));
  EVPIPE_RETURN_IF_ERROR(config.Set("batch.size", std::to_string(sizing.batch_bytes)));
  EVPIPE_RETURN_IF_ERROR(config.Set("batch.num.messages", kDefaultBatchRecords));
  EVPIPE_RETURN_IF_ERROR(config.Set("queue.buffering.max.messages", kDefaultQueueRecords));
  EVPIPE_RETURN_IF_ERROR(config.Set("queue.buffering.max.kbytes", std::to_string(sizing.window_kbytes)));
  EVPIPE_RETURN_IF_ERROR(config.Set("partitioner", kDefaultPartitioner));
  EVPIPE_RETURN_IF_ERROR(config.Set("allow.auto.create.topics", "false"));
  EVPIPE_RETURN_IF_ERROR(config.SetProperties(properties));
  return config;
}

Result<std::unique_ptr<Producer>> Producer::Create(Config config, std::string topic) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Create(Client::Kind::kProducer, std::move(config)));
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(client->handle(), topic.c_str(), nullptr);
  if (rkt == nullptr) {
    return Status::InvalidArgument("topic " + topic + ": " + ErrorText(rd_kafka_last_error()));
  }
  return std::unique_ptr<Producer>(new Producer(std::move(client), rkt, std::move(topic)));
}

Producer::Producer(std::unique_ptr<Client> client, rd_kafka_topic_t* rkt, std::string topic)
    : client_(std::move(client)), rkt_(rkt), topic_(std::move(topic)) {}

Producer::~Producer() {
  // Records still queued are purged by rd_kafka_destroy; callers Flush first.
  rd_kafka_topic_destroy(rkt_);
}

std::string Producer::first_delivery_error() {
  std::lock_guard<std::mutex> lock(client_->state().mu);
  return client_->state().first_delivery_error;
}

Status Producer::Produce(const OutRecord& record) {
  rd_kafka_t* rk = client_->handle();
  while (true) {
    rd_kafka_headers_t* headers = nullptr;
    if (record.headers != nullptr && !record.headers->empty()) {
      headers = rd_kafka_headers_new(record.headers->size());
      for (const Header& h : *record.headers) {
        rd_kafka_header_add(headers, h.key.data(), static_cast<ssize_t>(h.key.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    void* key = record.key ? const_cast<char*>(record.key->data()) : nullptr;
    size_t key_size = record.key ? record.key->size() : 0;
    void* value = record.value ? const_cast<char*>(record.value->data()) : nullptr;
    size_t value_size = record.value ? record.value->size() : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt_), RD_KAFKA_V_PARTITION(record.partition),
        RD_KAFKA_V_MSGFLAGS(record.copy ? RD_KAFKA_MSG_F_COPY : 0),
        RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(value, value_size),
        RD_KAFKA_V_TIMESTAMP(record.timestamp_ms), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(record.copy ? nullptr : record.owner), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++enqueued_;
      return Status::Ok();
    }
    if (headers != nullptr) rd_kafka_headers_destroy(headers);  // not taken on failure
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 10);  // delivery reports free queue space
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      return Status::Unavailable("producer stopped: " + client_->LastError());
    }
    std::string where = "topic=" + topic_;
    if (record.partition != RD_KAFKA_PARTITION_UA) where += " partition=" + std::to_string(record.partition);
    return Status::InvalidArgument(where + ": cannot produce: " + ErrorText(err));
  }
}

Status Producer::FlushStep(int timeout_ms, bool* done) {
  rd_kafka_resp_err_t err = rd_kafka_flush(client_->handle(), timeout_ms);
  if (client_->state().fatal) return Status::Unavailable("producer stopped: " + client_->LastError());
  *done = err == RD_KAFKA_RESP_ERR_NO_ERROR;
  return Status::Ok();
}

}  // namespace evpipe::kafka
