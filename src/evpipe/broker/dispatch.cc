// The Server's side of each request: decode, call the pure handler
// (handle_data.h, handle_groups.h, handle_admin.h), then answer now, after
// the group commit (acks=all), or park (long-poll fetch, group join).
#include <algorithm>

#include "evpipe/broker/handle_admin.h"
#include "evpipe/broker/handle_data.h"
#include "evpipe/broker/handle_groups.h"
#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/server.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;
using kp::ApiKey;

}  // namespace

template <typename Request, typename Handler>
void Server::Answer(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r, Handler handler) {
  Request req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  auto resp = handler(req);
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
}

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
    case ApiKey::kListOffsets:
      return Answer<kp::ListOffsetsRequest>(c, s, h, r, [&](const auto& q) { return broker::HandleListOffsets(ctx_, q); });
    case ApiKey::kMetadata:
      return Answer<kp::MetadataRequest>(c, s, h, r, [&](const auto& q) { return broker::HandleMetadata(ctx_, q); });
    case ApiKey::kOffsetCommit:
      return Answer<kp::OffsetCommitRequest>(c, s, h, r,
                                             [&](const auto& q) { return broker::HandleOffsetCommit(ctx_, groups_, q); });
    case ApiKey::kOffsetFetch:
      return Answer<kp::OffsetFetchRequest>(c, s, h, r, [&](const auto& q) { return broker::HandleOffsetFetch(ctx_, q); });
    case ApiKey::kFindCoordinator:
      return Answer<kp::FindCoordinatorRequest>(c, s, h, r,
                                                [&](const auto& q) { return broker::HandleFindCoordinator(ctx_, q); });
    case ApiKey::kJoinGroup: return HandleJoinGroup(c, s, h, r);
    case ApiKey::kHeartbeat: return HandleHeartbeat(c, s, h, r);
    case ApiKey::kLeaveGroup:
      return Answer<kp::LeaveGroupRequest>(c, s, h, r, [&](const auto& q) {
        kp::LeaveGroupResponse resp = groups_.Leave(q, NowMs());
        // v3+ (batched leaves) report per member; the top-level error is for the request as a whole.
        if (h.api_version >= 3) resp.error_code = 0;
        if (resp.error_code != 0) metrics_->CountError(h.api_key);
        return resp;
      });
    case ApiKey::kSyncGroup: return HandleSyncGroup(c, s, h, r);
    case ApiKey::kDescribeGroups:
      return Answer<kp::DescribeGroupsRequest>(c, s, h, r,
                                               [&](const auto& q) { return broker::HandleDescribeGroups(ctx_, groups_, q); });
    case ApiKey::kListGroups: {
      if (kp::IsFlexible(h.api_key, h.api_version)) r.SkipTaggedFields();
      if (!r.ok()) return Malformed(c, s, h, "bad body");
      kp::ListGroupsResponse resp = broker::HandleListGroups(ctx_, groups_);
      return c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, h.api_version); }));
    }
    case ApiKey::kApiVersions: return HandleApiVersions(c, s, h, r);
    case ApiKey::kCreateTopics:
      return Answer<kp::CreateTopicsRequest>(c, s, h, r, [&](const auto& q) { return broker::HandleCreateTopics(ctx_, q); });
    case ApiKey::kDeleteTopics:
      return Answer<kp::DeleteTopicsRequest>(c, s, h, r, [&](const auto& q) {
        return broker::HandleDeleteTopics(ctx_, q, [this](const std::string& topic) {
          // Parked fetches answer first (their partitions vanish); a running
          // fsync may hold one of the topic's logs.
          WakeFetches(false);
          std::erase_if(dirty_partitions_, [&](const auto& tp) { return tp.first == topic; });
          sync_waiters_.ForgetTopic(topic);
          sync_pool_.Wait();
          data_arrived_ = true;
        });
      });
    case ApiKey::kInitProducerId:
      return Answer<kp::InitProducerIdRequest>(c, s, h, r,
                                               [&](const auto& q) { return broker::HandleInitProducerId(ctx_, q); });
    case ApiKey::kDescribeConfigs:
      return Answer<kp::DescribeConfigsRequest>(c, s, h, r,
                                                [&](const auto& q) { return broker::HandleDescribeConfigs(ctx_, q); });
    case ApiKey::kDeleteGroups:
      return Answer<kp::DeleteGroupsRequest>(c, s, h, r,
                                             [&](const auto& q) { return broker::HandleDeleteGroups(ctx_, groups_, q); });
  }
  c->CompleteClose(s);
}

void Server::HandleApiVersions(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  int16_t v = h.api_version;
  bool known = v >= 0 && v <= 3;
  kp::ApiVersionsRequest req;
  bool decoded = !known || req.Decode(r, v);
  kp::ApiVersionsResponse resp = broker::HandleApiVersions(ctx_, v, decoded);
  if (!known) {
    // KIP-511: a version we do not know gets a v0 response carrying
    // UNSUPPORTED_VERSION and our ranges; the client retries with one of them.
    Header h0 = h;
    h0.api_version = 0;
    return c->Complete(s, Respond(h0, [&](kp::Writer& w) { resp.Encode(w, 0); }));
  }
  c->Complete(s, Respond(h, [&](kp::Writer& w) { resp.Encode(w, v); }));
}

void Server::HandleProduce(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::ProduceRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  auto result = std::make_shared<ProduceResult>(broker::HandleProduce(ctx_, req, c->peer_host()));
  for (const auto& tp : result->touched) dirty_partitions_.insert(tp);
  if (!result->touched.empty()) data_arrived_ = true;
  if (req.acks == 0) return c->CompleteNoResponse(s);
  if (req.acks == 1 || result->bad_acks) {
    return c->Complete(s, Respond(h, [&](kp::Writer& w) { result->response.Encode(w, h.api_version); }));
  }
  // acks=all: answer once what it wrote is durable (the group commit).
  AnswerWhenDurable(result->response, [this, c, s, h, result, since = MonotonicMicros(), rounds = sync_rounds_done_](const Status& st) {
    metrics_->RecordProduceSyncWait(static_cast<uint64_t>(MonotonicMicros() - since), sync_rounds_done_ - rounds);
    FailUnsynced(ctx_, result->response, st);
    c->Complete(s, Respond(h, [&](kp::Writer& w) { result->response.Encode(w, h.api_version); }));
  });
}

void Server::FinishFetch(const std::shared_ptr<PendingFetch>& pf) {
  if (pf->done) return;
  pf->done = true;
  if (pf->timer) pf->timer->cancel();
  // The record batches are not copied into the frame: it points into resp,
  // which it keeps alive until written.
  auto resp = std::make_shared<const kp::FetchResponse>(broker::HandleFetch(ctx_, pf->request));
  ResponseFrame frame = RespondSpliced(pf->header, [&](kp::Writer& w) { resp->Encode(w, pf->header.api_version); });
  frame.owner = resp;
  pf->conn->Complete(pf->slot, std::move(frame));
}

void Server::HandleFetch(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  auto pf = std::make_shared<PendingFetch>();
  if (!pf->request.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  MergeDuplicatePartitions(pf->request);
  pf->conn = c;
  pf->slot = s;
  pf->header = h;
  // Counted from offsets, not read: the data is read once, by FinishFetch.
  size_t bytes = AvailableFetchBytes(ctx_, pf->request);
  if (bytes >= static_cast<size_t>(std::max(pf->request.min_bytes, 1)) || pf->request.max_wait_ms <= 0 || stopping_) {
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
      ready = AvailableFetchBytes(ctx_, pf->request) >= static_cast<size_t>(std::max(pf->request.min_bytes, 1));
    }
    if (ready) {
      FinishFetch(pf);
      it = pending_fetches_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::HandleJoinGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kp::Reader& r) {
  kp::JoinGroupRequest req;
  if (!req.Decode(r, h.api_version)) return Malformed(c, s, h, "bad body");
  c->BlockOn(s);
  groups_.Join(req, h.api_version >= 4, h.client_id.value_or(""), c->peer_host(), c->id(), NowMs(),
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

}  // namespace evpipe::broker
