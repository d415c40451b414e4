// The consumer-group handlers (see handle_groups.h).
#include "evpipe/broker/handle_groups.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
kp::FindCoordinatorResponse HandleFindCoordinator(HandlerContext& ctx, const kp::FindCoordinatorRequest& req) {
  kp::FindCoordinatorResponse resp;
  if (req.key_type != 0) {
    resp.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    resp.error_message = "transactions are not supported";
    resp.node_id = -1;
    resp.port = -1;
    ctx.CountError(ApiKey::kFindCoordinator);
  } else {
    resp.node_id = kNodeId;
    resp.host = ctx.host;
    resp.port = ctx.port;
  }
  return resp;
}

kp::OffsetCommitResponse HandleOffsetCommit(HandlerContext& ctx, const GroupCoordinator& groups,
                                            const kp::OffsetCommitRequest& req) {
  int16_t group_error = req.group_id.empty() ? Code(ErrorCode::kInvalidGroupId)
                                             : groups.ValidateCommit(req.group_id, req.generation_id, req.member_id);
  kp::OffsetCommitResponse resp;
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> commits;
  resp.topics = AnswerEachPartition<kp::OffsetCommitResponse::Partition>(
      req.topics, [&](const kp::OffsetCommitRequest::Topic& topic, const kp::OffsetCommitRequest::Partition& part) {
        int16_t error = group_error;
        if (error == 0 && ctx.store->Partition(topic.name, part.partition_index) == nullptr) {
          error = Code(ErrorCode::kUnknownTopicOrPartition);
        }
        if (error == 0) {
          commits.emplace_back(topic.name, part.partition_index,
                               CommittedOffset{part.committed_offset, part.committed_metadata.value_or("")});
        }
        return kp::OffsetCommitResponse::Partition{part.partition_index, error};
      });
  if (!commits.empty()) {
    Status st = ctx.store->CommitOffsets(req.group_id, commits);
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
      if (p.error_code != 0) ctx.CountError(ApiKey::kOffsetCommit);
    }
  }
  return resp;
}

kp::OffsetFetchResponse HandleOffsetFetch(HandlerContext& ctx, const kp::OffsetFetchRequest& req) {
  kp::OffsetFetchResponse resp;
  if (req.topics) {
    for (const auto& topic : *req.topics) {
      kp::OffsetFetchResponse::Topic rt;
      rt.name = topic.name;
      for (int32_t p : topic.partition_indexes) {
        kp::OffsetFetchResponse::Partition rp;
        rp.partition_index = p;
        rp.metadata = "";
        if (auto o = ctx.store->FetchOffset(req.group_id, topic.name, p)) {
          rp.committed_offset = o->offset;
          rp.metadata = o->metadata;
        }
        rt.partitions.push_back(std::move(rp));
      }
      resp.topics.push_back(std::move(rt));
    }
  } else {
    std::map<std::string, kp::OffsetFetchResponse::Topic> by_topic;
    for (const auto& [topic, p, o] : ctx.store->GroupOffsets(req.group_id)) {
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
  return resp;
}

kp::ListGroupsResponse HandleListGroups(HandlerContext& ctx, const GroupCoordinator& groups) {
  kp::ListGroupsResponse resp;
  std::set<std::string> seen;
  for (const auto& [id, type, state] : groups.List()) {
    resp.groups.push_back({id, type});
    seen.insert(id);
  }
  for (const std::string& g : ctx.store->GroupsWithOffsets()) {
    if (seen.insert(g).second) resp.groups.push_back({g, ""});
  }
  return resp;
}

kp::DescribeGroupsResponse HandleDescribeGroups(HandlerContext& ctx, const GroupCoordinator& groups,
                                                const kp::DescribeGroupsRequest& req) {
  kp::DescribeGroupsResponse resp;
  for (const std::string& g : req.groups) {
    auto d = groups.Describe(g);
    if (d.group_state == "Dead" && !ctx.store->GroupOffsets(g).empty()) {
      d.group_state = "Empty";
      d.protocol_type = "";
    }
    resp.groups.push_back(std::move(d));
  }
  return resp;
}

kp::DeleteGroupsResponse HandleDeleteGroups(HandlerContext& ctx, GroupCoordinator& groups,
                                            const kp::DeleteGroupsRequest& req) {
  kp::DeleteGroupsResponse resp;
  std::vector<std::string> with_offsets = ctx.store->GroupsWithOffsets();
  for (const std::string& g : req.groups_names) {
    kp::DeleteGroupsResponse::Result out;
    out.group_id = g;
    bool has_offsets = std::find(with_offsets.begin(), with_offsets.end(), g) != with_offsets.end();
    out.error_code = g.empty() ? Code(ErrorCode::kInvalidGroupId) : groups.Delete(g);
    if (out.error_code == Code(ErrorCode::kGroupIdNotFound) && has_offsets) out.error_code = 0;
    if (out.error_code == 0 && has_offsets) {
      Status st = ctx.store->DeleteGroupOffsets(g);
      if (!st.ok()) {
        log::Error("group={}: delete offsets: {}", g, st.ToString());
        out.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
      }
    }
    if (out.error_code == 0) {
      ctx.metrics->RemoveGroup(g);
      log::Info("group={} deleted", g);
    } else {
      ctx.CountError(ApiKey::kDeleteGroups);
    }
    resp.results.push_back(std::move(out));
  }
  return resp;
}

}  // namespace evpipe::broker
