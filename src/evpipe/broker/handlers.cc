// Request handlers of the broker, one per API (see server.h).
#include <fmt/core.h>

#include <algorithm>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/server.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;
using kp::ApiKey;
using kp::Code;
using kp::ErrorCode;

constexpr int32_t kNodeId = 1;
constexpr const char* kClusterId = "evpipe-broker";
constexpr int32_t kMaxPartitionsPerTopic = 10000;
constexpr int16_t kKafkaStorageError = 56;

bool ValidTopicName(const std::string& t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace

void Server::Dispatch(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  const kp::ApiSupport* api = kp::FindApi(h.api_key);
  if (h.api_key == static_cast<int16_t>(ApiKey::kApiVersions)) return HandleApiVersions(c, s, h, r);
  if (api == nullptr) {
    metrics_->CountError(h.api_key);
    log::Warn("connection from {}: unsupported API key {} (correlation id {}), closing", c->peer_host(), h.api_key,
              h.correlation_id);
    return c->CompleteClose(s);
  }
  if (h.api_version < api->min_version || h.api_version > api->max_version) {
    metrics_->CountError(h.api_key);
    log::Warn("connection from {}: {} v{} is not supported (v{}-v{}), closing", c->peer_host(), api->name,
              h.api_version, api->min_version, api->max_version);
    return c->CompleteClose(s);
  }
  switch (api->key) {
    case ApiKey::kProduce: return HandleProduce(c, s, h, r);
    case ApiKey::kFetch: return HandleFetch(c, s, h, r);
    case ApiKey::kListOffsets: return HandleListOffsets(c, s, h, r);
    case ApiKey::kMetadata: return HandleMetadata(c, s, h, r);
    case ApiKey::kOffsetCommit: return HandleOffsetCommit(c, s, h, r);
    case ApiKey::kOffsetFetch: return HandleOffsetFetch(c, s, h, r);
    case ApiKey::kFindCoordinator: return HandleFindCoordinator(c, s, h, r);
    case ApiKey::kJoinGroup: return HandleJoinGroup(c, s, h, r);
    case ApiKey::kHeartbeat: return HandleHeartbeat(c, s, h, r);
    case ApiKey::kLeaveGroup: return HandleLeaveGroup(c, s, h, r);
    case ApiKey::kSyncGroup: return HandleSyncGroup(c, s, h, r);
    case ApiKey::kDescribeGroups: return HandleDescribeGroups(c, s, h, r);
    case ApiKey::kListGroups: return HandleListGroups(c, s, h, r);
    case ApiKey::kApiVersions: return HandleApiVersions(c, s, h, r);
    case ApiKey::kCreateTopics: return HandleCreateTopics(c, s, h, r);
    case ApiKey::kDeleteTopics: return HandleDeleteTopics(c, s, h, r);
    case ApiKey::kInitProducerId: return HandleInitProducerId(c, s, h, r);
    case ApiKey::kDescribeConfigs: return HandleDescribeConfigs(c, s, h, r);
    case ApiKey::kDeleteGroups: return HandleDeleteGroups(c, s, h, r);
  }
  c->CompleteClose(s);
}

void Server::HandleApiVersions(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::ApiVersionsResponse resp;
  for (const kp::ApiSupport& a : kp::SupportedApis()) {
    resp.api_keys.push_back({static_cast<int16_t>(a.key), a.min_version, a.max_version});
  }
  int16_t v = h.api_version;
  if (v > 3 || v < 0) {
    // KIP-511: answer a version we do not know with a v0 response carrying
    // UNSUPPORTED_VERSION and our ranges; the client retries with one of them.
    resp.error_code = Code(ErrorCode::kUnsupportedVersion);
    metrics_->CountError(h.api_key);
    Header h0 = h;
    h0.api_version = 0;
    c->Complete(s, Respond(h0, [&](kp::Writer& w) { resp.Encode(w, 0); }));
    return;
  }
  kp::ApiVersionsRequest req;
  if (!req.Decode(r, v)) {
    resp.error_code = Code(ErrorCode::kInvalidRequest);
    metrics_->CountError(h.api_key);
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, v); }));
}

int32_t Server::EnsureTopic(const std::string& topic, bool allow_create) {
  int32_t n = store_->PartitionCount(topic);
  if (n >= 0 || !allow_create || !options_.auto_create_topics || !ValidTopicName(topic)) return n;
  Status st = store_->CreateTopic(topic, options_.default_partitions, {}, /*validate_only=*/false);
  if (!st.ok() && st.code() != StatusCode::kAlreadyExists) {
    log::Error("auto-create topic={}: {}", topic, st.ToString());
    return -1;
  }
  log::Info("topic={} created with {} partitions (auto-create)", topic, options_.default_partitions);
  n = store_->PartitionCount(topic);
  for (int32_t p = 0; p < n; ++p) metrics_->SetHighWatermark(topic, p, 0);
  return n;
}

void Server::HandleMetadata(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::MetadataRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::MetadataResponse resp;
  resp.brokers.push_back({kNodeId, host_, port_, std::nullopt});
  resp.cluster_id = kClusterId;
  resp.controller_id = kNodeId;
  std::vector<std::string> names = req.topics ? *req.topics : store_->ListTopics();
  for (const std::string& name : names) {
    kp::MetadataResponse::Topic t;
    t.name = name;
    int32_t n = ValidTopicName(name) ? EnsureTopic(name, req.topics.has_value() && req.allow_auto_topic_creation) : -1;
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
    if (t.error_code != 0) metrics_->CountError(h.api_key);
    resp.topics.push_back(std::move(t));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleProduce(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::ProduceRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  auto resp = std::make_shared<kp::ProduceResponse>();
  bool bad_acks = req.acks != 0 && req.acks != 1 && req.acks != -1;
  std::set<std::pair<std::string, int32_t>> touched;
  int64_t now_ms = NowMicros() / 1000;
  for (const auto& topic : req.topics) {
    kp::ProduceResponse::Topic rt;
    rt.name = topic.name;
    // Like Kafka, Produce never creates a topic (clients create it through Metadata).
    int32_t nparts = bad_acks ? -1 : store_->PartitionCount(topic.name);
    for (const auto& part : topic.partitions) {
      kp::ProduceResponse::Partition rp;
      rp.index = part.index;
      PartitionLog* log = nparts >= 0 ? store_->Partition(topic.name, part.index) : nullptr;
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
          log::Warn("produce topic={} partition={} from {}: error {}: {}", topic.name, part.index, c->peer_host(),
                    rp.error_code, ar.error_message);
        } else {
          rp.base_offset = ar.base_offset;
          if (ar.batches_appended > 0) {
            metrics_->bytes_in.fetch_add(static_cast<uint64_t>(ar.bytes_appended), std::memory_order_relaxed);
            metrics_->records_in.fetch_add(static_cast<uint64_t>(ar.records_appended), std::memory_order_relaxed);
            touched.insert({topic.name, part.index});
          }
          rp.log_start_offset = log->log_start_offset();
          rp.log_append_time_ms = -1;
          (void)now_ms;
        }
      }
      if (rp.error_code != 0) metrics_->CountError(h.api_key);
      rt.partitions.push_back(std::move(rp));
    }
    resp->topics.push_back(std::move(rt));
  }
  for (const auto& tp : touched) {
    PartitionLog* log = store_->Partition(tp.first, tp.second);
    metrics_->SetHighWatermark(tp.first, tp.second, log->high_watermark());
    dirty_partitions_.insert(tp);
    data_arrived_ = true;
  }
  if (req.acks == 0) return c->CompleteNoResponse(s);
  int16_t v = h.api_version;
  if (req.acks == 1 || bad_acks) {
    return c->Complete(s, Respond(h, [&](kp::Writer& w) { resp->Encode(w, v); }));
  }
  // acks=all: answer after the next group commit has synced the partitions.
  pending_syncs_.push_back([this, c, s, h, resp](const Status& st) {
    if (!st.ok()) {
      for (auto& t : resp->topics) {
        for (auto& p : t.partitions) {
          if (p.error_code == 0) {
            p.error_code = kKafkaStorageError;
            p.error_message = st.message();
            metrics_->CountError(h.api_key);
          }
        }
      }
    }
    c->Complete(s, Respond(h, [&](kp::Writer& w) { resp->Encode(w, h.api_version); }));
  });
}

size_t Server::BuildFetch(const kp::FetchRequest& req, kp::FetchResponse& resp) {
  resp = kp::FetchResponse();
  size_t total = 0;
  size_t budget = req.max_bytes > 0 ? static_cast<size_t>(req.max_bytes) : 0;
  for (const auto& topic : req.topics) {
    kp::FetchResponse::Topic rt;
    rt.topic = topic.topic;
    for (const auto& part : topic.partitions) {
      kp::FetchResponse::Partition rp;
      rp.partition = part.partition;
      PartitionLog* log = store_->Partition(topic.topic, part.partition);
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
            auto data = log->Read(part.fetch_offset, static_cast<int32_t>(std::max<size_t>(limit, 1)));
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
  return total;
}

void Server::FinishFetch(const std::shared_ptr<PendingFetch>& pf) {
  if (pf->done) return;
  pf->done = true;
  if (pf->timer) pf->timer->cancel();
  kp::FetchResponse resp;
  BuildFetch(pf->request, resp);
  uint64_t records = 0;
  size_t bytes = 0;
  for (const auto& t : resp.topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) metrics_->CountError(pf->header.api_key);
      bytes += p.records.size();
      // Count records by walking batch headers.
      for (std::string_view b : batch::SplitBatches(p.records)) {
        records += static_cast<uint64_t>(batch::DecodeBatchHeader(b.data()).record_count);
      }
    }
  }
  metrics_->bytes_out.fetch_add(bytes, std::memory_order_relaxed);
  metrics_->records_out.fetch_add(records, std::memory_order_relaxed);
  pf->conn->Complete(pf->slot, Respond(pf->header, [&](kp::Writer& w) { resp.Encode(w, pf->header.api_version); }));
}

void Server::HandleFetch(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  auto pf = std::make_shared<PendingFetch>();
  if (!pf->request.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  pf->conn = c;
  pf->slot = s;
  pf->header = h;
  kp::FetchResponse probe;
  size_t bytes = BuildFetch(pf->request, probe);
  bool any_error = false;
  for (const auto& t : probe.topics) {
    for (const auto& p : t.partitions) any_error = any_error || p.error_code != 0;
  }
  if (bytes >= static_cast<size_t>(std::max(pf->request.min_bytes, 1)) || pf->request.max_wait_ms <= 0 ||
      any_error || stopping_) {
    return FinishFetch(pf);
  }
  // Long poll: park until data arrives (WakeFetches) or max_wait passes.
  c->BlockOn(s);
  pf->timer = std::make_unique<asio::steady_timer>(io_, std::chrono::milliseconds(pf->request.max_wait_ms));
  std::weak_ptr<PendingFetch> weak = pf;
  pf->timer->async_wait([this, weak](const asio::error_code& ec) {
    if (ec) return;
    if (auto p = weak.lock()) {
      FinishFetch(p);
      pending_fetches_.remove(p);
    }
  });
  pending_fetches_.push_back(std::move(pf));
}

void Server::WakeFetches(bool all) {
  for (auto it = pending_fetches_.begin(); it != pending_fetches_.end();) {
    const auto& pf = *it;
    bool ready = all || pf->done || pf->conn->closed();
    if (!ready) {
      size_t available = 0;
      for (const auto& t : pf->request.topics) {
        for (const auto& p : t.partitions) {
          PartitionLog* log = store_->Partition(t.topic, p.partition);
          if (log == nullptr || log->high_watermark() > p.fetch_offset) available += 1;
        }
      }
      if (available > 0) {
        kp::FetchResponse probe;
        ready = BuildFetch(pf->request, probe) >= static_cast<size_t>(std::max(pf->request.min_bytes, 1));
      }
    }
    if (ready) {
      FinishFetch(pf);
      it = pending_fetches_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::HandleListOffsets(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::ListOffsetsRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::ListOffsetsResponse resp;
  for (const auto& topic : req.topics) {
    kp::ListOffsetsResponse::Topic rt;
    rt.name = topic.name;
    for (const auto& part : topic.partitions) {
      kp::ListOffsetsResponse::Partition rp;
      rp.partition_index = part.partition_index;
      PartitionLog* log = store_->Partition(topic.name, part.partition_index);
      if (log == nullptr) {
        rp.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
      } else if (part.timestamp == -1) {
        rp.offset = log->high_watermark();
      } else if (part.timestamp == -2) {
        rp.offset = log->log_start_offset();
      } else {
        auto off = log->OffsetForTimestamp(part.timestamp);
        if (off.ok()) {
          rp.offset = off->offset;
          rp.timestamp = off->timestamp;
        } else {
          rp.error_code = kKafkaStorageError;
        }
      }
      if (log != nullptr) rp.leader_epoch = 0;
      if (rp.error_code != 0) metrics_->CountError(h.api_key);
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleFindCoordinator(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::FindCoordinatorRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::FindCoordinatorResponse resp;
  if (req.key_type != 0) {
    resp.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    resp.error_message = "transactions are not supported";
    resp.node_id = -1;
    resp.port = -1;
    metrics_->CountError(h.api_key);
  } else {
    resp.node_id = kNodeId;
    resp.host = host_;
    resp.port = port_;
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleJoinGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::JoinGroupRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  c->BlockOn(s);
  groups_.Join(req, h.api_version >= 4, h.client_id.value_or(""), c->peer_host(), NowMs(),
               [this, c, s, h](const kp::JoinGroupResponse& resp) {
                 if (resp.error_code != 0) metrics_->CountError(h.api_key);
                 c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
               });
}

void Server::HandleSyncGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::SyncGroupRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  c->BlockOn(s);
  groups_.Sync(req, NowMs(), [this, c, s, h](int16_t error, const std::string& assignment) {
    kp::SyncGroupResponse resp;
    resp.error_code = error;
    resp.assignment = assignment;
    if (error != 0) metrics_->CountError(h.api_key);
    c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
  });
}

void Server::HandleHeartbeat(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::HeartbeatRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::SimpleErrorResponse resp;
  resp.error_code = groups_.Heartbeat(req, NowMs());
  if (resp.error_code != 0) metrics_->CountError(h.api_key);
  c->Complete(s, Respond(h, [&](kp::Writer& w) {
                resp.Encode(w, h.api_version, 1);
                if (kp::IsFlexible(h.api_key, h.api_version)) w.EmptyTaggedFields();
              }));
}

void Server::HandleLeaveGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::LeaveGroupRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::LeaveGroupResponse resp = groups_.Leave(req, NowMs());
  // v3+ (batched leaves) report per member; the top-level error is for the request as a whole.
  if (h.api_version >= 3) resp.error_code = 0;
  if (resp.error_code != 0) metrics_->CountError(h.api_key);
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleOffsetCommit(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::OffsetCommitRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  int16_t group_error = req.group_id.empty() ? Code(ErrorCode::kInvalidGroupId)
                                             : groups_.ValidateCommit(req.group_id, req.generation_id, req.member_id);
  kp::OffsetCommitResponse resp;
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> commits;
  for (const auto& topic : req.topics) {
    kp::OffsetCommitResponse::Topic rt;
    rt.name = topic.name;
    for (const auto& part : topic.partitions) {
      int16_t error = group_error;
      if (error == 0 && store_->Partition(topic.name, part.partition_index) == nullptr) {
        error = Code(ErrorCode::kUnknownTopicOrPartition);
      }
      if (error == 0) {
        commits.emplace_back(topic.name, part.partition_index,
                             CommittedOffset{part.committed_offset, part.committed_metadata.value_or("")});
      }
      rt.partitions.push_back({part.partition_index, error});
    }
    resp.topics.push_back(std::move(rt));
  }
  if (!commits.empty()) {
    Status st = store_->CommitOffsets(req.group_id, commits);
    if (!st.ok()) {
      log::Error("group={}: commit offsets: {}", req.group_id, st.ToString());
      for (auto& t : resp.topics) {
        for (auto& p : t.partitions) {
          if (p.error_code == 0) p.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
        }
      }
    }
  }
  for (auto& t : resp.topics) {
    for (auto& p : t.partitions) {
      if (p.error_code != 0) metrics_->CountError(h.api_key);
    }
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleOffsetFetch(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::OffsetFetchRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::OffsetFetchResponse resp;
  if (req.topics) {
    for (const auto& topic : *req.topics) {
      kp::OffsetFetchResponse::Topic rt;
      rt.name = topic.name;
      for (int32_t p : topic.partition_indexes) {
        kp::OffsetFetchResponse::Partition rp;
        rp.partition_index = p;
        rp.metadata = "";
        if (auto o = store_->FetchOffset(req.group_id, topic.name, p)) {
          rp.committed_offset = o->offset;
          rp.metadata = o->metadata;
        }
        rt.partitions.push_back(std::move(rp));
      }
      resp.topics.push_back(std::move(rt));
    }
  } else {
    std::map<std::string, kp::OffsetFetchResponse::Topic> by_topic;
    for (const auto& [topic, p, o] : store_->GroupOffsets(req.group_id)) {
      auto& rt = by_topic[topic];
      rt.name = topic;
      kp::OffsetFetchResponse::Partition rp;
      rp.partition_index = p;
      rp.committed_offset = o.offset;
      rp.metadata = o.metadata;
      rt.partitions.push_back(std::move(rp));
    }
    for (auto& [_, t] : by_topic) resp.topics.push_back(std::move(t));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleListGroups(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  bool fx = kp::IsFlexible(h.api_key, h.api_version);
  if (fx) r.SkipTaggedFields();
  if (!r.ok()) return Malformed(c, s, h, "bad body");
  kp::ListGroupsResponse resp;
  std::set<std::string> seen;
  for (const auto& [id, type, state] : groups_.List()) {
    resp.groups.push_back({id, type});
    seen.insert(id);
  }
  for (const std::string& g : store_->GroupsWithOffsets()) {
    if (seen.insert(g).second) resp.groups.push_back({g, ""});
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleDescribeGroups(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::DescribeGroupsRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::DescribeGroupsResponse resp;
  for (const std::string& g : req.groups) {
    auto d = groups_.Describe(g);
    if (d.group_state == "Dead" && !store_->GroupOffsets(g).empty()) {
      d.group_state = "Empty";
      d.protocol_type = "";
    }
    resp.groups.push_back(std::move(d));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

// A group with members is refused; an unknown one (no members, no offsets) is GROUP_ID_NOT_FOUND.
void Server::HandleDeleteGroups(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::DeleteGroupsRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::DeleteGroupsResponse resp;
  for (const std::string& g : req.groups_names) {
    kp::DeleteGroupsResponse::Result res;
    res.group_id = g;
    if (g.empty()) {
      res.error_code = Code(ErrorCode::kInvalidGroupId);
    } else if (!groups_.Has(g) && store_->GroupOffsets(g).empty()) {
      res.error_code = Code(ErrorCode::kGroupIdNotFound);
    } else {
      res.error_code = groups_.Delete(g);
      if (res.error_code == 0) {
        Status st = store_->DeleteGroupOffsets(g);
        if (!st.ok()) {
          log::Error("delete group {}: {}", g, st.ToString());
          res.error_code = Code(ErrorCode::kUnknownServerError);
        }
      }
    }
    if (res.error_code != 0) metrics_->CountError(h.api_key);
    resp.results.push_back(std::move(res));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleCreateTopics(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::CreateTopicsRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::CreateTopicsResponse resp;
  for (const auto& t : req.topics) {
    kp::CreateTopicsResponse::Topic rt;
    rt.name = t.name;
    int32_t partitions = t.num_partitions == -1 ? options_.default_partitions : t.num_partitions;
    if (!t.assignments.empty()) partitions = static_cast<int32_t>(t.assignments.size());
    if (!ValidTopicName(t.name)) {
      rt.error_code = Code(ErrorCode::kInvalidTopicException);
      rt.error_message = "topic names use [a-zA-Z0-9._-], 1 to 249 characters";
    } else if (partitions <= 0 || partitions > kMaxPartitionsPerTopic) {
      rt.error_code = Code(ErrorCode::kInvalidPartitions);
      rt.error_message = fmt::format("partitions must be 1..{}", kMaxPartitionsPerTopic);
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      rt.error_code = Code(ErrorCode::kInvalidReplicationFactor);
      rt.error_message = "this single-node broker supports replication factor 1 only";
    } else if (store_->PartitionCount(t.name) >= 0) {
      rt.error_code = Code(ErrorCode::kTopicAlreadyExists);
      rt.error_message = "topic " + t.name + " already exists";
    } else {
      TopicConfigs configs;
      for (const auto& cfg : t.configs) {
        if (cfg.value) configs[cfg.name] = *cfg.value;  // null: the default
      }
      Status st = store_->CreateTopic(t.name, partitions, configs, req.validate_only);
      if (!st.ok()) {
        rt.error_code = st.code() == StatusCode::kInvalidArgument ? Code(ErrorCode::kInvalidConfig)
                                                                  : Code(ErrorCode::kUnknownServerError);
        rt.error_message = st.ToString();
      } else if (!req.validate_only) {
        log::Info("topic={} created with {} partitions", t.name, partitions);
        for (int32_t p = 0; p < partitions; ++p) metrics_->SetHighWatermark(t.name, p, 0);
      }
    }
    if (rt.error_code != 0) metrics_->CountError(h.api_key);
    resp.topics.push_back(std::move(rt));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleDeleteTopics(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::DeleteTopicsRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::DeleteTopicsResponse resp;
  for (const std::string& t : req.topic_names) {
    kp::DeleteTopicsResponse::Topic rt;
    rt.name = t;
    if (store_->PartitionCount(t) < 0) {
      rt.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
    } else {
      // Parked fetches on the topic answer first (their partitions vanish).
      WakeFetches(false);
      for (auto it = dirty_partitions_.begin(); it != dirty_partitions_.end();) {
        it = it->first == t ? dirty_partitions_.erase(it) : std::next(it);
      }
      Status st = store_->DeleteTopic(t);
      if (!st.ok()) {
        rt.error_code = Code(ErrorCode::kUnknownServerError);
      } else {
        log::Info("topic={} deleted", t);
        metrics_->RemoveTopic(t);
        data_arrived_ = true;
      }
    }
    if (rt.error_code != 0) metrics_->CountError(h.api_key);
    resp.responses.push_back(std::move(rt));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleInitProducerId(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::InitProducerIdRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::InitProducerIdResponse resp;
  if (req.transactional_id) {
    resp.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
  } else {
    auto id = store_->AllocateProducerId();
    if (id.ok()) {
      resp.producer_id = *id;
      resp.producer_epoch = 0;
    } else {
      log::Error("allocate producer id: {}", id.status().ToString());
      resp.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    }
  }
  if (resp.error_code != 0) metrics_->CountError(h.api_key);
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

void Server::HandleDescribeConfigs(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::DescribeConfigsRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  kp::DescribeConfigsResponse resp;
  for (const auto& res : req.resources) {
    kp::DescribeConfigsResponse::Result out;
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    std::vector<std::pair<std::string, std::string>> configs;
    std::set<std::string> topic_set;  // set on the topic (TOPIC_CONFIG), not defaults
    if (res.resource_type == 2) {  // TOPIC
      auto entries = store_->DescribeTopicConfigs(res.resource_name);
      if (!entries.ok()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        out.error_message = "unknown topic " + res.resource_name;
      } else {
        for (const ConfigEntry& e : *entries) {
          configs.emplace_back(e.name, e.value);
          if (!e.is_default) topic_set.insert(e.name);
        }
      }
    } else if (res.resource_type == 4) {  // BROKER
      configs = {{"num.partitions", std::to_string(options_.default_partitions)},
                 {"auto.create.topics.enable", options_.auto_create_topics ? "true" : "false"},
                 {"log.retention.ms", std::to_string(options_.retention_ms)},
                 {"log.retention.bytes", std::to_string(options_.retention_bytes)},
                 {"log.segment.bytes", std::to_string(options_.segment_bytes)},
                 {"message.max.bytes", std::to_string(kMaxRequestBytes)},
                 {"default.replication.factor", "1"}};
    } else {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = "only topic and broker resources are described";
    }
    for (auto& [name, value] : configs) {
      if (res.configuration_keys &&
          std::find(res.configuration_keys->begin(), res.configuration_keys->end(), name) ==
              res.configuration_keys->end()) {
        continue;
      }
      kp::DescribeConfigsResponse::Config cfg;
      cfg.name = name;
      cfg.value = value;
      cfg.read_only = true;
      // TOPIC_CONFIG (1) / DEFAULT_CONFIG (5) / STATIC_BROKER_CONFIG (4)
      cfg.config_source = res.resource_type == 2 ? (topic_set.contains(name) ? 1 : 5) : 4;
      out.configs.push_back(std::move(cfg));
    }
    if (out.error_code != 0) metrics_->CountError(h.api_key);
    resp.results.push_back(std::move(out));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

}  // namespace evpipe::broker
