// The data-path handlers (see handle_data.h).
#include "evpipe/broker/handle_data.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/names.h"

namespace evpipe::broker {
namespace {

// The record bytes a fetch may return: the client's max_bytes, capped by the broker's.
size_t FetchBudget(const kp::FetchRequest& req, int32_t broker_max) {
  return static_cast<size_t>(std::clamp(req.max_bytes, 0, broker_max));
}

}  // namespace

void MergeDuplicatePartitions(kp::FetchRequest& req) {
  std::set<std::pair<std::string_view, int32_t>> seen;
  std::map<std::string_view, size_t> topic_at;
  std::vector<kp::FetchRequest::Topic> merged;
  merged.reserve(req.topics.size());
  for (auto& topic : req.topics) {
    auto [it, fresh] = topic_at.emplace(topic.topic, merged.size());
    if (fresh) {
      merged.emplace_back();
      merged.back().topic = topic.topic;
    }
    for (auto& part : topic.partitions) {
      if (seen.emplace(topic.topic, part.partition).second) merged[it->second].partitions.push_back(part);
    }
  }
  req.topics = std::move(merged);
}

bool ValidTopicName(const std::string& t) { return ValidateTopicName(t).ok(); }

int32_t EnsureTopic(HandlerContext& ctx, const std::string& topic, bool allow_create, int* created) {
  int32_t n = ctx.store->PartitionCount(topic);
  if (n >= 0 || !allow_create || !ctx.options.auto_create_topics || !ValidTopicName(topic)) return n;
  if (*created >= kMaxAutoCreatedTopicsPerRequest) return -1;
  ++*created;
  Status st = ctx.store->CreateTopic(topic, ctx.options.default_partitions, {}, /*validate_only=*/false);
  if (!st.ok() && st.code() != StatusCode::kAlreadyExists) {
    log::Error("auto-create topic={}: {}", topic, st.ToString());
    return -1;
  }
  log::Info("topic={} created with {} partitions (auto-create)", topic, ctx.options.default_partitions);
  n = ctx.store->PartitionCount(topic);
  for (int32_t p = 0; p < n; ++p) ctx.metrics->SetHighWatermark(topic, p, 0);
  return n;
}

kp::MetadataResponse HandleMetadata(HandlerContext& ctx, const kp::MetadataRequest& req) {
  kp::MetadataResponse resp;
  resp.brokers.push_back({kNodeId, ctx.host, ctx.port, std::nullopt});
  resp.cluster_id = kClusterId;
  resp.controller_id = kNodeId;
  std::vector<std::string> all;
  if (!req.topics) all = ctx.store->ListTopics();
  const std::vector<std::string>& names = req.topics ? *req.topics : all;
  std::set<std::string_view> seen;  // a name asked twice is answered once
  int created = 0;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) continue;
    kp::MetadataResponse::Topic t;
    t.name = name;
    int32_t n = ValidTopicName(name)
                    ? EnsureTopic(ctx, name, req.topics.has_value() && req.allow_auto_topic_creation, &created)
                    : -1;
    if (!ValidTopicName(name)) {
      t.error_code = Code(ErrorCode::kInvalidTopicException);
    } else if (n < 0) {
      t.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
    }
    for (int32_t p = 0; p < n; ++p) {
      kp::MetadataResponse::Partition part;
      part.partition_index = p;
      part.leader_id = kNodeId;
      part.leader_epoch = 0;
      part.replica_nodes = {kNodeId};
      part.isr_nodes = {kNodeId};
      t.partitions.push_back(std::move(part));
    }
    if (t.error_code != 0) ctx.CountError(ApiKey::kMetadata);
    resp.topics.push_back(std::move(t));
  }
  return resp;
}

ProduceResult HandleProduce(HandlerContext& ctx, const kp::ProduceRequest& req, const std::string& peer) {
  ProduceResult out;
  bool bad_acks = req.acks != 0 && req.acks != 1 && req.acks != -1;
  out.bad_acks = bad_acks;
  std::set<std::pair<std::string, int32_t>>& touched = out.touched;
  out.response.topics = AnswerEachPartition<kp::ProduceResponse::Partition>(
      req.topics, [&](const kp::ProduceRequest::Topic& topic, const kp::ProduceRequest::Partition& part) {
        kp::ProduceResponse::Partition rp;
        rp.index = part.index;
        // Like Kafka, Produce never creates a topic (clients create it through Metadata).
        PartitionLog* log = bad_acks ? nullptr : ctx.store->Partition(topic.name, part.index);
        if (bad_acks) {
          rp.error_code = Code(ErrorCode::kInvalidRequiredAcks);
        } else if (!ValidTopicName(topic.name)) {
          rp.error_code = Code(ErrorCode::kInvalidTopicException);
        } else if (log == nullptr) {
          rp.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        } else if (!part.records || part.records->empty()) {
          rp.error_code = Code(ErrorCode::kInvalidRecord);
        } else {
          // The log validates every batch (one CRC pass) and answers in Kafka codes.
          AppendResult ar = log->Append(*part.records);
          if (ar.error != AppendError::kNone) {
            rp.error_code = static_cast<int16_t>(ar.error);
            rp.error_message = ar.error_message;
            log::Warn("produce topic={} partition={} from {}: error {}: {}", topic.name, part.index, peer,
                      rp.error_code, ar.error_message);
          } else {
            rp.base_offset = ar.base_offset;
            if (ar.batches_appended > 0) {
              ctx.metrics->bytes_in.fetch_add(static_cast<uint64_t>(ar.bytes_appended), std::memory_order_relaxed);
              ctx.metrics->records_in.fetch_add(static_cast<uint64_t>(ar.records_appended),
                                                std::memory_order_relaxed);
              touched.insert({topic.name, part.index});
            }
            rp.log_start_offset = log->log_start_offset();
            rp.log_append_time_ms = -1;
          }
        }
        if (rp.error_code != 0) ctx.CountError(ApiKey::kProduce);
        return rp;
      });
  for (const auto& tp : touched) {
    ctx.metrics->SetHighWatermark(tp.first, tp.second, ctx.store->Partition(tp.first, tp.second)->high_watermark());
  }
  return out;
}

void FailUnsynced(HandlerContext& ctx, kp::ProduceResponse& resp, const Status& sync_status) {
  if (sync_status.ok()) return;
  for (auto& t : resp.topics) {
    for (auto& p : t.partitions) {
      if (p.error_code == 0) {
        p.error_code = kKafkaStorageError;
        p.error_message = sync_status.message();
        ctx.CountError(ApiKey::kProduce);
      }
    }
  }
}

kp::FetchResponse HandleFetch(HandlerContext& ctx, const kp::FetchRequest& req) {
  kp::FetchResponse resp;
  size_t total = 0;
  size_t budget = FetchBudget(req, ctx.options.fetch_max_bytes);
  for (const auto& topic : req.topics) {
    kp::FetchResponse::Topic rt;
    rt.topic = topic.topic;
    for (const auto& part : topic.partitions) {
      kp::FetchResponse::Partition rp;
      rp.partition = part.partition;
      PartitionLog* log = ctx.store->Partition(topic.topic, part.partition);
      if (log == nullptr) {
        rp.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else {
        int64_t hw = log->high_watermark();
        int64_t start = log->log_start_offset();
        rp.high_watermark = hw;
        rp.last_stable_offset = hw;
        rp.log_start_offset = start;
        if (part.fetch_offset < start || part.fetch_offset > hw) {
          rp.error_code = Code(ErrorCode::kOffsetOutOfRange);
        } else if (part.fetch_offset < hw && part.partition_max_bytes > 0) {
          size_t limit = std::min(static_cast<size_t>(part.partition_max_bytes), budget > total ? budget - total : 0);
          // KIP-74: the first partition with data returns at least one batch.
          bool first = total == 0;
          if (limit > 0 || first) {
            auto data = log->Read(part.fetch_offset, static_cast<int32_t>(std::clamp<size_t>(limit, 1, INT32_MAX)));
            if (!data.ok()) {
              rp.error_code = kKafkaStorageError;
              log::Error("fetch topic={} partition={} offset={}: {}", topic.topic, part.partition, part.fetch_offset,
                         data.status().ToString());
            } else if (first || data->size() <= limit) {
              rp.records = std::move(*data);
              total += rp.records.size();
            }
          }
        }
      }
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  uint64_t records = 0;
  for (const auto& t : resp.topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) ctx.CountError(ApiKey::kFetch);
      for (std::string_view b : batch::SplitBatches(p.records)) {
        records += static_cast<uint64_t>(batch::DecodeBatchHeader(b.data()).record_count);
      }
    }
  }
  ctx.metrics->bytes_out.fetch_add(total, std::memory_order_relaxed);
  ctx.metrics->records_out.fetch_add(records, std::memory_order_relaxed);
  return resp;
}

size_t AvailableFetchBytes(HandlerContext& ctx, const kp::FetchRequest& req) {
  size_t budget = FetchBudget(req, ctx.options.fetch_max_bytes);
  size_t total = 0;
  for (const auto& topic : req.topics) {
    for (const auto& part : topic.partitions) {
      PartitionLog* log = ctx.store->Partition(topic.topic, part.partition);
      // An error is an answer: the fetch returns at once.
      if (log == nullptr || part.fetch_offset < log->log_start_offset() || part.fetch_offset > log->high_watermark()) {
        return SIZE_MAX;
      }
      if (part.partition_max_bytes <= 0) continue;
      int64_t n = std::min<int64_t>(log->BytesAfter(part.fetch_offset), part.partition_max_bytes);
      total += static_cast<size_t>(std::max<int64_t>(n, 0));
      if (total >= budget) return total;
    }
  }
  return total;
}

kp::ListOffsetsResponse HandleListOffsets(HandlerContext& ctx, const kp::ListOffsetsRequest& req) {
  kp::ListOffsetsResponse resp;
  std::map<std::tuple<std::string_view, int32_t, int64_t>, Result<OffsetAtTime>> by_time;  // lookups of this request
  resp.topics = AnswerEachPartition<kp::ListOffsetsResponse::Partition>(
      req.topics, [&](const kp::ListOffsetsRequest::Topic& topic, const kp::ListOffsetsRequest::Partition& part) {
        kp::ListOffsetsResponse::Partition rp;
        rp.partition_index = part.partition_index;
        PartitionLog* log = ctx.store->Partition(topic.name, part.partition_index);
        if (log == nullptr) {
          rp.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        } else if (part.timestamp == -1) {
          rp.offset = log->high_watermark();
        } else if (part.timestamp == -2) {
          rp.offset = log->log_start_offset();
        } else {
          auto key = std::make_tuple(std::string_view(topic.name), part.partition_index, part.timestamp);
          auto it = by_time.find(key);
          if (it == by_time.end() && by_time.size() >= kMaxTimestampLookupsPerRequest) {
            it = by_time.emplace(key, Status::InvalidArgument("too many timestamp lookups in one request")).first;
          } else if (it == by_time.end()) {
            it = by_time.emplace(key, log->OffsetForTimestamp(part.timestamp)).first;
          }
          const Result<OffsetAtTime>& off = it->second;
          if (!off.ok() && off.status().code() == StatusCode::kInvalidArgument) {
            rp.error_code = Code(ErrorCode::kInvalidRequest);
          } else if (off.ok()) {
            rp.offset = off->offset;
            rp.timestamp = off->timestamp;
          } else {
            rp.error_code = kKafkaStorageError;
          }
        }
        if (log != nullptr) rp.leader_epoch = 0;
        if (rp.error_code != 0) ctx.CountError(ApiKey::kListOffsets);
        return rp;
      });
  return resp;
}

}  // namespace evpipe::broker
