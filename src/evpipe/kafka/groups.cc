// Consumer groups (see groups.h).
#include "evpipe/kafka/groups.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include <librdkafka/rdkafka.h>

#include "evpipe/kafka/admin_internal.h"

namespace evpipe::kafka {
namespace {

using internal::Call;
using internal::EventPtr;
using internal::Owned;
using internal::PartitionListPtr;

using TopicPartition = std::pair<std::string, int32_t>;

std::string Str(const char* s) { return s != nullptr ? s : ""; }

std::string ErrorMessage(const rd_kafka_error_t* error) {
  std::string msg = Str(rd_kafka_error_string(error));
  return msg.empty() ? ErrorText(rd_kafka_error_code(error)) : msg;
}

std::string NoGroup(Admin& admin, const std::string& group) {
  return "no consumer group " + group + " at " + admin.client().bootstrap() + " (evpipe group list shows the groups there)";
}

// The descriptions of `groups`, in their order; a per-group error is left in `errors`.
struct Described {
  std::vector<GroupDescription> groups;
  std::vector<std::pair<rd_kafka_resp_err_t, std::string>> errors;  // one per group; NO_ERROR when fine
};

Result<Described> Describe(Admin& admin, const std::vector<std::string>& groups, int timeout_ms) {
  rd_kafka_t* rk = admin.client().handle();
  Described out;
  if (groups.empty()) return out;
  std::vector<const char*> names;
  for (const std::string& g : groups) names.push_back(g.c_str());
  auto send = [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_DescribeConsumerGroups(rk, names.data(), names.size(), options, queue);
  };
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event, Call(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms, send));
  const rd_kafka_DescribeConsumerGroups_result_t* result = rd_kafka_event_DescribeConsumerGroups_result(event.get());
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** descs = rd_kafka_DescribeConsumerGroups_result_groups(result, &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_ConsumerGroupDescription_t* d = descs[i];
    GroupDescription g;
    g.group = Str(rd_kafka_ConsumerGroupDescription_group_id(d));
    const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(d);
    if (error != nullptr) {
      out.errors.emplace_back(rd_kafka_error_code(error), ErrorMessage(error));
    } else {
      out.errors.emplace_back(RD_KAFKA_RESP_ERR_NO_ERROR, "");
    }
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
    g.assignor = Str(rd_kafka_ConsumerGroupDescription_partition_assignor(d));
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
      g.coordinator_id = rd_kafka_Node_id(node);
      g.coordinator_host = Str(rd_kafka_Node_host(node));
      g.coordinator_port = rd_kafka_Node_port(node);
    }
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(d);
    for (size_t m = 0; m < members; ++m) {
      const rd_kafka_MemberDescription_t* md = rd_kafka_ConsumerGroupDescription_member(d, m);
      GroupMember member;
      member.member_id = Str(rd_kafka_MemberDescription_consumer_id(md));
      member.client_id = Str(rd_kafka_MemberDescription_client_id(md));
      member.host = Str(rd_kafka_MemberDescription_host(md));
      if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(md)) {
        if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a)) {
          for (int p = 0; p < parts->cnt; ++p) member.assignment.emplace_back(parts->elems[p].topic,
                                                                               parts->elems[p].partition);
        }
      }
      std::sort(member.assignment.begin(), member.assignment.end());
      g.members.push_back(std::move(member));
    }
    std::sort(g.members.begin(), g.members.end(),
              [](const GroupMember& a, const GroupMember& b) { return a.member_id < b.member_id; });
    out.groups.push_back(std::move(g));
  }
  return out;
}

// The committed offsets of `group` (all of them when `partitions` is empty);
// partitions without a commit map to kNoOffset.
Result<std::map<TopicPartition, int64_t>> CommittedOffsets(Admin& admin, const std::string& group,
                                                          const std::vector<TopicPartition>& partitions,
                                                          int timeout_ms) {
  rd_kafka_t* rk = admin.client().handle();
  PartitionListPtr wanted;
  if (!partitions.empty()) {
    wanted.reset(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& [topic, p] : partitions) rd_kafka_topic_partition_list_add(wanted.get(), topic.c_str(), p);
  }
  Owned<rd_kafka_ListConsumerGroupOffsets_t, rd_kafka_ListConsumerGroupOffsets_destroy> request(
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), wanted.get()));
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event,
                          Call(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms,
                               rd_kafka_ListConsumerGroupOffsets, request.get()));
  const rd_kafka_ListConsumerGroupOffsets_result_t* result =
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get());
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &n);
  std::map<TopicPartition, int64_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i])) {
      return Status::Unavailable("committed offsets of group " + group + ": " + ErrorMessage(error));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; parts != nullptr && p < parts->cnt; ++p) {
      const rd_kafka_topic_partition_t& tp = parts->elems[p];
      if (tp.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;  // a topic deleted since the commit
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::Unavailable("committed offset of group " + group + " on " + tp.topic + "/" +
                                   std::to_string(tp.partition) + ": " + ErrorText(tp.err));
      }
      out[{tp.topic, tp.partition}] = tp.offset >= 0 ? tp.offset : kNoOffset;
    }
  }
  return out;
}

struct Watermarks {
  int64_t low = kNoOffset;
  int64_t high = kNoOffset;
};

Result<Watermarks> QueryWatermarks(Admin& admin, const std::string& topic, int32_t partition, int timeout_ms) {
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(admin.client().handle(), topic.c_str(), partition,
                                                             &w.low, &w.high, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable("offsets of " + topic + "/" + std::to_string(partition) + ": " + ErrorText(err));
  }
  return w;
}

}  // namespace

Result<std::vector<GroupListing>> ListGroups(Admin& admin, int timeout_ms) {
  rd_kafka_t* rk = admin.client().handle();
  auto send = [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    rd_kafka_ListConsumerGroups(rk, options, queue);
  };
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event, Call(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms, send));
  const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t n_errors = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &n_errors);
  if (n_errors > 0) return Status::Unavailable("listing consumer groups: " + ErrorMessage(errors[0]));
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** listings = rd_kafka_ListConsumerGroups_result_valid(result, &n);
  std::vector<GroupListing> out;
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    GroupListing g;
    g.group = Str(rd_kafka_ConsumerGroupListing_group_id(listings[i]));
    g.protocol_type = rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listings[i]) ? "" : "consumer";
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listings[i]));
    names.push_back(g.group);
    out.push_back(std::move(g));
  }
  // ListGroups before v4 carries no state and no members: one DescribeGroups for all of them.
  EVPIPE_ASSIGN_OR_RETURN(Described described, Describe(admin, names, timeout_ms));
  for (size_t i = 0; i < out.size() && i < described.groups.size(); ++i) {
    if (described.errors[i].first != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    out[i].state = described.groups[i].state;
    out[i].members = static_cast<int>(described.groups[i].members.size());
  }
  std::sort(out.begin(), out.end(), [](const GroupListing& a, const GroupListing& b) { return a.group < b.group; });
  return out;
}

namespace {

// The coordinator may still be loading (a fresh Kafka, a moved group): worth another try.
bool Retriable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
}

}  // namespace

Result<GroupDescription> DescribeGroup(Admin& admin, const std::string& group, int timeout_ms) {
  Described described;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);;) {
    EVPIPE_ASSIGN_OR_RETURN(described, Describe(admin, {group}, timeout_ms));
    if (described.groups.empty()) return Status::Unavailable("describing group " + group + ": no answer");
    if (!Retriable(described.errors[0].first) || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const auto& [err, why] = described.errors[0];
  if (err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return Status::NotFound(NoGroup(admin, group));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable("describing group " + group + ": " + why);
  GroupDescription g = std::move(described.groups[0]);
  // Asked for every partition of the cluster rather than "all" (a null topic
  // list): evpipe broker answered librdkafka 2.0's null list with nothing.
  EVPIPE_ASSIGN_OR_RETURN(ClusterMetadata md, admin.client().Metadata(timeout_ms));
  std::vector<TopicPartition> every;
  for (const TopicMetadata& t : md.topics) {
    for (const PartitionMetadata& p : t.partitions) every.emplace_back(t.name, p.id);
  }
  std::map<TopicPartition, int64_t> committed;
  if (!every.empty()) {
    EVPIPE_ASSIGN_OR_RETURN(committed, CommittedOffsets(admin, group, every, timeout_ms));
    std::erase_if(committed, [](const auto& kv) { return kv.second == kNoOffset; });
  }
  if (g.state == "Dead" && g.members.empty() && committed.empty()) return Status::NotFound(NoGroup(admin, group));

  std::map<TopicPartition, const GroupMember*> owner;
  for (const GroupMember& m : g.members) {
    for (const TopicPartition& tp : m.assignment) owner[tp] = &m;
  }
  std::set<TopicPartition> partitions;
  for (const auto& [tp, _] : committed) partitions.insert(tp);
  for (const auto& [tp, _] : owner) partitions.insert(tp);
  for (const TopicPartition& tp : partitions) {
    GroupPartition p;
    p.topic = tp.first;
    p.partition = tp.second;
    if (auto it = committed.find(tp); it != committed.end()) p.committed = it->second;
    if (auto it = owner.find(tp); it != owner.end()) {
      p.member_id = it->second->member_id;
      p.client_id = it->second->client_id;
      p.host = it->second->host;
    }
    auto w = QueryWatermarks(admin, p.topic, p.partition, timeout_ms);
    if (w.ok()) {
      p.log_start = w->low;
      p.log_end = w->high;
      if (p.committed != kNoOffset) {
        p.lag = std::max<int64_t>(0, p.log_end - p.committed);
      } else {
        p.lag = p.log_end - p.log_start;
        p.lag_from_log_start = true;
      }
      g.total_lag += p.lag;
    }
    g.partitions.push_back(std::move(p));
  }
  return g;
}

Result<std::vector<OffsetResetRow>> PlanOffsetReset(Admin& admin, const std::string& group, const std::string& topic,
                                                    const OffsetReset& reset, int timeout_ms) {
  EVPIPE_ASSIGN_OR_RETURN(TopicMetadata md, admin.client().DescribeTopic(topic, timeout_ms));
  std::vector<TopicPartition> wanted;
  for (const PartitionMetadata& p : md.partitions) wanted.emplace_back(topic, p.id);
  std::sort(wanted.begin(), wanted.end());
  EVPIPE_ASSIGN_OR_RETURN(auto committed, CommittedOffsets(admin, group, wanted, timeout_ms));

  std::map<int32_t, int64_t> at_time;  // kDatetime: the first offset at or after the time
  if (reset.kind == OffsetReset::Kind::kDatetime) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(wanted.size())));
    for (const auto& [t, p] : wanted) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), p)->offset = reset.value;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(admin.client().handle(), list.get(), timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable("offsets of " + topic + " by time: " + ErrorText(err));
    }
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::Unavailable("offset of " + topic + "/" + std::to_string(tp.partition) +
                                   " by time: " + ErrorText(tp.err));
      }
      at_time[tp.partition] = tp.offset;
    }
  }

  std::vector<OffsetResetRow> plan;
  for (const auto& tp : wanted) {
    OffsetResetRow row;
    row.topic = topic;
    row.partition = tp.second;
    if (auto it = committed.find(tp); it != committed.end()) row.current = it->second;
    EVPIPE_ASSIGN_OR_RETURN(Watermarks w, QueryWatermarks(admin, topic, tp.second, timeout_ms));
    row.log_start = w.low;
    row.log_end = w.high;
    int64_t target = 0;
    switch (reset.kind) {
      case OffsetReset::Kind::kEarliest: target = w.low; break;
      case OffsetReset::Kind::kLatest: target = w.high; break;
      case OffsetReset::Kind::kOffset: target = reset.value; break;
      case OffsetReset::Kind::kDatetime: {
        int64_t o = at_time[tp.second];
        target = o >= 0 ? o : w.high;  // no record at or after the time: the end
        break;
      }
      case OffsetReset::Kind::kShiftBy: target = (row.current != kNoOffset ? row.current : w.low) + reset.value; break;
    }
    row.target = std::clamp(target, w.low, w.high);
    plan.push_back(std::move(row));
  }
  return plan;
}

Status ApplyOffsetReset(Admin& admin, const std::string& group, const std::vector<OffsetResetRow>& plan,
                        int timeout_ms) {
  if (plan.empty()) return Status::Ok();
  EVPIPE_ASSIGN_OR_RETURN(Described described, Describe(admin, {group}, timeout_ms));
  if (!described.groups.empty() && !described.groups[0].members.empty()) {
    const GroupDescription& g = described.groups[0];
    return Status::InvalidArgument("group " + group + " has " + std::to_string(g.members.size()) +
                                   " member(s) (state " + g.state + ", first client " + g.members[0].client_id +
                                   " on " + g.members[0].host +
                                   "): stop its consumers first, they would overwrite the reset with their next commit");
  }
  rd_kafka_t* rk = admin.client().handle();
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(plan.size())));
  for (const OffsetResetRow& row : plan) {
    rd_kafka_topic_partition_list_add(list.get(), row.topic.c_str(), row.partition)->offset = row.target;
  }
  Owned<rd_kafka_AlterConsumerGroupOffsets_t, rd_kafka_AlterConsumerGroupOffsets_destroy> request(
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event,
                          Call(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms,
                               rd_kafka_AlterConsumerGroupOffsets, request.get()));
  const rd_kafka_AlterConsumerGroupOffsets_result_t* result =
      rd_kafka_event_AlterConsumerGroupOffsets_result(event.get());
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &n);
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i])) {
      return Status::Unavailable("resetting offsets of group " + group + ": " + ErrorMessage(error));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; parts != nullptr && p < parts->cnt; ++p) {
      const rd_kafka_topic_partition_t& tp = parts->elems[p];
      if (tp.err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || tp.err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
        return Status::InvalidArgument("group " + group + " has members again: stop its consumers first");
      }
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::Unavailable("resetting group " + group + " on " + tp.topic + "/" +
                                   std::to_string(tp.partition) + ": " + ErrorText(tp.err));
      }
    }
  }
  return Status::Ok();
}

Status DeleteGroup(Admin& admin, const std::string& group, int timeout_ms) {
  rd_kafka_t* rk = admin.client().handle();
  Owned<rd_kafka_DeleteGroup_t, rd_kafka_DeleteGroup_destroy> request(rd_kafka_DeleteGroup_new(group.c_str()));
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event,
                          Call(rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms, rd_kafka_DeleteGroups, request.get()));
  const rd_kafka_DeleteGroups_result_t* result = rd_kafka_event_DeleteGroups_result(event.get());
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_DeleteGroups_result_groups(result, &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i]);
    if (error == nullptr) continue;
    switch (rd_kafka_error_code(error)) {
      case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND: return Status::NotFound(NoGroup(admin, group));
      case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
        return Status::InvalidArgument("group " + group + " still has members: stop its consumers first");
      default: return Status::Unavailable("deleting group " + group + ": " + ErrorMessage(error));
    }
  }
  return Status::Ok();
}

}  // namespace evpipe::kafka
