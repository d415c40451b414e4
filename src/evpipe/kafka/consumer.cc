// Consumer.
#include "evpipe/kafka/consumer.h"

#include <string_view>
#include <thread>

#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::kafka {

Result<Config> ConsumerConfig(const std::string& bootstrap, const ConsumeOptions& options,
                              const std::vector<std::string>& properties) {
  Config config;
  EVPIPE_RETURN_IF_ERROR(config.Set("bootstrap.servers", bootstrap).WithContext("--bootstrap"));
  EVPIPE_RETURN_IF_ERROR(config.Set("client.id", options.client_id));
  EVPIPE_RETURN_IF_ERROR(config.Set("enable.partition.eof", "true"));
  // Our broker verifies CRCs only on its newest segment (security audit, finding 15).
  EVPIPE_RETURN_IF_ERROR(config.Set("check.crcs", "true"));
  EVPIPE_RETURN_IF_ERROR(config.Set("allow.auto.create.topics", "false"));
  // Keep a deep local queue so the next fetch is in flight while we write.
  // (8 MiB per-partition fetches measured slower than the 1 MiB default.)
  EVPIPE_RETURN_IF_ERROR(config.Set("queued.max.messages.kbytes", "262144"));
  EVPIPE_RETURN_IF_ERROR(config.Set("fetch.wait.max.ms", "100"));
  bool beginning = options.start_offset == RD_KAFKA_OFFSET_BEGINNING || options.start_offset >= 0 ||
                   options.start_offset <= RD_KAFKA_OFFSET_TAIL_BASE;
  EVPIPE_RETURN_IF_ERROR(config.Set("auto.offset.reset", beginning ? "earliest" : "latest"));
  if (options.group.empty() || options.manual_commit) {
    EVPIPE_RETURN_IF_ERROR(config.Set("enable.auto.commit", "false"));
    EVPIPE_RETURN_IF_ERROR(config.Set("enable.auto.offset.store", "false"));
  }
  if (!options.group.empty()) {
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
  client_->state().on_commit = [this](rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !hooks_.on_commit || offsets == nullptr) return;
    std::vector<PartitionOffset> done;
    for (int i = 0; i < offsets->cnt; ++i) {
      if (offsets->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && offsets->elems[i].offset >= 0) {
        done.push_back({offsets->elems[i].partition, offsets->elems[i].offset});
      }
    }
    hooks_.on_commit(done);
  };
}

Consumer::~Consumer() {
  Status s = Close();
  if (!s.ok()) log::Warn("closing the consumer: {}", s.ToString());
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
}

Status Consumer::Start(int connect_timeout_ms, int topic_wait_ms) {
  EVPIPE_RETURN_IF_ERROR(client_->WaitForBroker(connect_timeout_ms));
  int64_t topic_deadline = MonotonicMicros() + int64_t{topic_wait_ms} * 1000;
  Result<TopicMetadata> described = client_->DescribeTopic(options_.topic, connect_timeout_ms);
  while (!described.ok() && described.status().code() == StatusCode::kNotFound && MonotonicMicros() < topic_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    described = client_->DescribeTopic(options_.topic, connect_timeout_ms);
  }
  EVPIPE_ASSIGN_OR_RETURN(TopicMetadata topic, std::move(described));
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
    if (hooks_.on_assign) {
      std::vector<PartitionOffset> assigned;
      for (int i = 0; i < partitions->cnt; ++i) assigned.push_back({partitions->elems[i].partition, -1});
      hooks_.on_assign(assigned);
      for (int i = 0; i < partitions->cnt && i < static_cast<int>(assigned.size()); ++i) {
        if (assigned[i].offset >= 0) partitions->elems[i].offset = assigned[i].offset;
      }
    }
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
    if (hooks_.on_revoke && err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      std::vector<int32_t> revoked;
      for (int i = 0; i < partitions->cnt; ++i) revoked.push_back(partitions->elems[i].partition);
      hooks_.on_revoke(revoked);
    }
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

bool Consumer::AtEnd() const { return options_.exit_at_end && CaughtUp(); }

bool Consumer::CaughtUp() const { return !owned_.empty() && at_end_.size() == owned_.size(); }

Status Consumer::Poll(MessageBatch& batch, size_t max, int timeout_ms) {
  batch.Clear();
  std::vector<rd_kafka_message_t*>& raw = batch.raw();
  raw.resize(max);
  // rd_kafka_consume_batch_queue waits until it has `max` records or the
  // timeout passed, so a short tail (the last records of a topic, or a
  // consumer ahead of its fetcher) would wait the whole timeout: take what is
  // queued, and only when nothing is, wait for the first record and take
  // what came with it.
  ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, raw.data(), max);
  if (n == 0 && timeout_ms != 0) {
    rd_kafka_message_t* first = rd_kafka_consume_queue(queue_, timeout_ms);
    if (first != nullptr) {
      raw[0] = first;
      ssize_t more = max > 1 ? rd_kafka_consume_batch_queue(queue_, 0, raw.data() + 1, max - 1) : 0;
      n = more < 0 ? more : 1 + more;
      if (more < 0) rd_kafka_message_destroy(first);
    }
  }
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
      // The last record of a partition in this batch decides whether it is at its end.
      if (i + 1 == n || raw[i + 1]->partition != m->partition || raw[i + 1]->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        MarkRead(m->partition, m->offset);
      }
      raw[kept++] = m;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (owned_.count(m->partition) != 0) at_end_.insert(m->partition);
    } else if (((m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) &&
                !options_.retry_topic_errors) ||
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

void Consumer::MarkRead(int32_t partition, int64_t offset) {
  if (!options_.exit_at_end) return;
  // The fetcher stores a response's high watermark before it queues the
  // response's records, so this is at least the end as that fetch saw it.
  std::optional<int64_t> high = HighWatermark(partition);
  if (high && offset + 1 >= *high && owned_.count(partition) != 0) {
    at_end_.insert(partition);
  } else {
    at_end_.erase(partition);
  }
}

std::optional<int64_t> Consumer::HighWatermark(int32_t partition) {
  int64_t low = -1, high = -1;
  if (rd_kafka_get_watermark_offsets(client_->handle(), options_.topic.c_str(), partition, &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return high;
}

Result<int64_t> Consumer::QueryLowWatermark(int32_t partition, int timeout_ms) {
  int64_t low = -1, high = -1;
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(client_->handle(), options_.topic.c_str(), partition, &low, &high, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || low < 0) {
    return Status::Unavailable("topic=" + options_.topic + " partition=" + std::to_string(partition) +
                               ": earliest offset: " + ErrorText(err));
  }
  return low;
}

namespace {
rd_kafka_topic_partition_list_t* ListOf(const std::string& topic, const std::vector<PartitionOffset>& offsets) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const PartitionOffset& po : offsets) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), po.partition)->offset = po.offset;
  }
  return list;
}
}  // namespace

Status Consumer::Commit(const std::vector<PartitionOffset>& offsets, bool sync) {
  if (offsets.empty()) return Status::Ok();
  rd_kafka_topic_partition_list_t* list = ListOf(options_.topic, offsets);
  rd_kafka_resp_err_t err = rd_kafka_commit(client_->handle(), list, sync ? 0 : 1);
  if (sync && err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = list->elems[i].err;
        break;
      }
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return Status::Unavailable("topic=" + options_.topic + ": commit: " + ErrorText(err));
  }
  return Status::Ok();
}

Result<std::map<int32_t, int64_t>> Consumer::Committed(const std::vector<int32_t>& partitions, int timeout_ms) {
  std::vector<PartitionOffset> asked;
  for (int32_t p : partitions) asked.push_back({p, RD_KAFKA_OFFSET_INVALID});
  rd_kafka_topic_partition_list_t* list = ListOf(options_.topic, asked);
  rd_kafka_resp_err_t err = rd_kafka_committed(client_->handle(), list, timeout_ms);
  std::map<int32_t, int64_t> out;
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = list->elems[i];
    out[tp.partition] = tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0 ? tp.offset : -1;
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable("topic=" + options_.topic + ": committed offsets: " + ErrorText(err));
  }
  return out;
}

Status Consumer::Seek(int32_t partition, int64_t offset, int timeout_ms) {
  rd_kafka_topic_partition_list_t* list = ListOf(options_.topic, {{partition, offset}});
  rd_kafka_error_t* err = rd_kafka_seek_partitions(client_->handle(), list, timeout_ms);
  Status s;
  if (err != nullptr) {
    s = Status::Unavailable("topic=" + options_.topic + " partition=" + std::to_string(partition) + ": seek to " +
                            std::to_string(offset) + ": " + rd_kafka_error_string(err));
    rd_kafka_error_destroy(err);
  } else if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    s = Status::Unavailable("topic=" + options_.topic + " partition=" + std::to_string(partition) + ": seek to " +
                            std::to_string(offset) + ": " + ErrorText(list->elems[0].err));
  }
  rd_kafka_topic_partition_list_destroy(list);
  at_end_.erase(partition);
  return s;
}

Status Consumer::Health() {
  if (client_->state().fatal) return Status::Unavailable("kafka: " + client_->LastError());
  return Status::Ok();
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
