// Classic consumer-group protocol state machine (see group_coordinator.h).
#include "evpipe/broker/group_coordinator.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;
using kp::Code;
using kp::ErrorCode;

// Bounds like Kafka's group.min/max.session.timeout.ms, but with a lower
// minimum so tests can expire members quickly.
constexpr int32_t kMinSessionTimeoutMs = 100;
constexpr int32_t kMaxSessionTimeoutMs = 30 * 60 * 1000;

}  // namespace

GroupCoordinator::Member* GroupCoordinator::Group::Find(const std::string& member_id) {
  for (Member& m : members) {
    if (m.id == member_id) return &m;
  }
  return nullptr;
}

const GroupCoordinator::Member* GroupCoordinator::Group::Find(const std::string& member_id) const {
  for (const Member& m : members) {
    if (m.id == member_id) return &m;
  }
  return nullptr;
}

const char* GroupCoordinator::StateName(State s) {
  switch (s) {
    case State::kEmpty: return "Empty";
    case State::kPreparingRebalance: return "PreparingRebalance";
    case State::kCompletingRebalance: return "CompletingRebalance";
    case State::kStable: return "Stable";
  }
  return "Dead";
}

std::string GroupCoordinator::NewMemberId(const std::string& client_id) {
  static std::mt19937_64 rng(static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  return fmt::format("{}-{:016x}{:04x}", client_id.empty() ? "member" : client_id, rng(), ++member_counter_ & 0xffff);
}

void GroupCoordinator::Publish(const Group& g) {
  if (metrics_ != nullptr) metrics_->SetGroupState(g.id, StateName(g.state), static_cast<int>(g.members.size()));
}

void GroupCoordinator::Join(const kp::JoinGroupRequest& req, bool member_id_required, const std::string& client_id,
                            const std::string& client_host, uint64_t connection, int64_t now_ms, JoinCallback done) {
  kp::JoinGroupResponse err;
  err.member_id = req.member_id;
  if (req.group_id.empty() || req.group_id.size() > kMaxGroupIdBytes) {
    err.error_code = Code(ErrorCode::kInvalidGroupId);
    return done(err);
  }
  size_t metadata_bytes = 0;
  for (const auto& p : req.protocols) metadata_bytes += p.name.size() + p.metadata.size();
  if (metadata_bytes > kMaxMemberMetadataBytes) {
    log::Warn("group={}: JoinGroup with {} bytes of protocol metadata (limit {}) refused", req.group_id,
              metadata_bytes, kMaxMemberMetadataBytes);
    err.error_code = Code(ErrorCode::kInvalidRequest);
    return done(err);
  }
  if (req.session_timeout_ms < kMinSessionTimeoutMs || req.session_timeout_ms > kMaxSessionTimeoutMs) {
    err.error_code = Code(ErrorCode::kInvalidSessionTimeout);
    return done(err);
  }
  if (req.protocol_type.empty() || req.protocols.empty()) {
    err.error_code = Code(ErrorCode::kInconsistentGroupProtocol);
    return done(err);
  }
  Group& g = groups_[req.group_id];
  g.id = req.group_id;
  if (g.state != State::kEmpty || !g.members.empty()) {
    // Every protocol the group runs must be acceptable to the new member.
    bool type_ok = g.protocol_type == req.protocol_type;
    bool common = false;
    for (const auto& p : req.protocols) {
      bool all = true;
      for (const Member& m : g.members) {
        if (m.id == req.member_id) continue;
        all = all && std::any_of(m.protocols.begin(), m.protocols.end(), [&](const auto& q) { return q.name == p.name; });
      }
      common = common || all;
    }
    if (!type_ok || !common) {
      err.error_code = Code(ErrorCode::kInconsistentGroupProtocol);
      return done(err);
    }
  }
  std::erase_if(g.pending_ids, [&](const auto& p) { return p.second < now_ms; });
  if (req.member_id.empty() && member_id_required && !req.group_instance_id) {
    // Ids handed out but never used are capped (a client looping on empty ids).
    while (g.pending_ids.size() >= kMaxPendingMemberIds) {
      g.pending_ids.erase(std::min_element(g.pending_ids.begin(), g.pending_ids.end(),
                                           [](const auto& a, const auto& b) { return a.second < b.second; }));
    }
    err.member_id = NewMemberId(client_id);
    err.error_code = Code(ErrorCode::kMemberIdRequired);
    g.pending_ids[err.member_id] = now_ms + req.session_timeout_ms;
    return done(err);
  }
  Member* m = nullptr;
  auto pending = g.pending_ids.find(req.member_id);
  if (pending != g.pending_ids.end() && g.Find(req.member_id) == nullptr) {
    g.pending_ids.erase(pending);
    g.members.push_back(Member{});
    m = &g.members.back();
    m->id = req.member_id;
    log::Info("group={} member {} joins", g.id, m->id);
  } else if (req.member_id.empty()) {
    g.members.push_back(Member{});
    m = &g.members.back();
    m->id = NewMemberId(client_id);
    log::Info("group={} member {} joins", g.id, m->id);
  } else {
    m = g.Find(req.member_id);
    if (m == nullptr) {
      err.error_code = Code(ErrorCode::kUnknownMemberId);
      return done(err);
    }
  }
  g.protocol_type = req.protocol_type;
  m->instance_id = req.group_instance_id;
  m->client_id = client_id;
  m->client_host = client_host;
  m->session_timeout_ms = req.session_timeout_ms;
  m->rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  m->protocols = req.protocols;
  m->last_heartbeat_ms = now_ms;
  m->connection = connection;
  if (m->pending_join) {
    // A retried join replaces the earlier one (whose connection is gone or gave up).
    kp::JoinGroupResponse stale;
    stale.error_code = Code(ErrorCode::kRebalanceInProgress);
    stale.member_id = m->id;
    std::exchange(m->pending_join, nullptr)(stale);
  }
  m->pending_join = std::move(done);
  if (g.state != State::kPreparingRebalance) PrepareRebalance(g, now_ms, "member joined");
  MaybeCompleteJoin(g, now_ms);
  Publish(g);
}

void GroupCoordinator::PrepareRebalance(Group& g, int64_t now_ms, const char* why) {
  for (Member& m : g.members) {
    if (m.pending_sync) std::exchange(m.pending_sync, nullptr)(Code(ErrorCode::kRebalanceInProgress), {});
  }
  int32_t timeout = 0;
  for (const Member& m : g.members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  g.state = State::kPreparingRebalance;
  g.rebalance_deadline_ms = now_ms + timeout;
  log::Info("group={} rebalancing ({}), generation {}, {} members", g.id, why, g.generation, g.members.size());
}

void GroupCoordinator::MaybeCompleteJoin(Group& g, int64_t now_ms) {
  if (g.state != State::kPreparingRebalance) return;
  bool all = std::all_of(g.members.begin(), g.members.end(), [](const Member& m) { return bool(m.pending_join); });
  if (all) CompleteJoin(g, now_ms);
}

void GroupCoordinator::CompleteJoin(Group& g, int64_t now_ms) {
  std::erase_if(g.members, [&](const Member& m) {
    if (!m.pending_join) log::Info("group={} member {} removed: did not rejoin within the rebalance timeout", g.id, m.id);
    return !m.pending_join;
  });
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    g.leader.clear();
    g.protocol_name.clear();
    Publish(g);
    return;
  }
  if (g.Find(g.leader) == nullptr) g.leader = g.members.front().id;
  const Member& leader = *g.Find(g.leader);
  g.protocol_name.clear();
  for (const auto& p : leader.protocols) {
    bool all = std::all_of(g.members.begin(), g.members.end(), [&](const Member& m) {
      return std::any_of(m.protocols.begin(), m.protocols.end(), [&](const auto& q) { return q.name == p.name; });
    });
    if (all) {
      g.protocol_name = p.name;
      break;
    }
  }
  g.state = State::kCompletingRebalance;
  log::Info("group={} generation {}: {} members, leader {}, protocol {}", g.id, g.generation, g.members.size(),
            g.leader, g.protocol_name);
  std::vector<kp::JoinGroupResponse::Member> all_members;
  for (const Member& m : g.members) {
    std::string metadata;
    for (const auto& p : m.protocols) {
      if (p.name == g.protocol_name) metadata = p.metadata;
    }
    all_members.push_back({m.id, m.instance_id, std::move(metadata)});
  }
  // Callbacks may not touch the group; collect them first.
  std::vector<std::pair<JoinCallback, kp::JoinGroupResponse>> calls;
  for (Member& m : g.members) {
    kp::JoinGroupResponse r;
    r.generation_id = g.generation;
    r.protocol_name = g.protocol_name;
    r.leader = g.leader;
    r.member_id = m.id;
    if (m.id == g.leader) r.members = all_members;
    m.last_heartbeat_ms = now_ms;
    m.assignment.clear();
    calls.emplace_back(std::exchange(m.pending_join, nullptr), std::move(r));
  }
  Publish(g);
  for (auto& [cb, r] : calls) cb(r);
}

void GroupCoordinator::Sync(const kp::SyncGroupRequest& req, int64_t now_ms, SyncCallback done) {
  auto it = groups_.find(req.group_id);
  if (it == groups_.end()) return done(Code(ErrorCode::kUnknownMemberId), {});
  Group& g = it->second;
  Member* m = g.Find(req.member_id);
  if (m == nullptr) return done(Code(ErrorCode::kUnknownMemberId), {});
  if (req.generation_id != g.generation) return done(Code(ErrorCode::kIllegalGeneration), {});
  m->last_heartbeat_ms = now_ms;
  switch (g.state) {
    case State::kEmpty:
      return done(Code(ErrorCode::kUnknownMemberId), {});
    case State::kPreparingRebalance:
      return done(Code(ErrorCode::kRebalanceInProgress), {});
    case State::kStable:
      return done(0, m->assignment);
    case State::kCompletingRebalance:
      break;
  }
  if (m->pending_sync) std::exchange(m->pending_sync, nullptr)(Code(ErrorCode::kRebalanceInProgress), {});
  m->pending_sync = std::move(done);
  if (req.member_id != g.leader) return;
  for (Member& member : g.members) member.assignment.clear();
  for (const auto& a : req.assignments) {
    if (Member* target = g.Find(a.member_id)) target->assignment = a.assignment;
  }
  g.state = State::kStable;
  log::Info("group={} generation {} stable", g.id, g.generation);
  std::vector<std::pair<SyncCallback, std::string>> calls;
  for (Member& member : g.members) {
    if (member.pending_sync) calls.emplace_back(std::exchange(member.pending_sync, nullptr), member.assignment);
  }
  Publish(g);
  for (auto& [cb, a] : calls) cb(0, a);
}

int16_t GroupCoordinator::Heartbeat(const kp::HeartbeatRequest& req, int64_t now_ms) {
  auto it = groups_.find(req.group_id);
  if (it == groups_.end()) return Code(ErrorCode::kUnknownMemberId);
  Group& g = it->second;
  Member* m = g.Find(req.member_id);
  if (m == nullptr) return Code(ErrorCode::kUnknownMemberId);
  m->last_heartbeat_ms = now_ms;
  if (g.state == State::kPreparingRebalance) return Code(ErrorCode::kRebalanceInProgress);
  if (req.generation_id != g.generation) return Code(ErrorCode::kIllegalGeneration);
  return 0;
}

kp::LeaveGroupResponse GroupCoordinator::Leave(const kp::LeaveGroupRequest& req, int64_t now_ms) {
  kp::LeaveGroupResponse resp;
  auto it = groups_.find(req.group_id);
  for (const auto& lm : req.members) {
    kp::LeaveGroupResponse::Member r{lm.member_id, lm.group_instance_id, 0};
    if (it == groups_.end() || it->second.Find(lm.member_id) == nullptr) {
      r.error_code = Code(ErrorCode::kUnknownMemberId);
    } else {
      RemoveMember(it->second, lm.member_id, now_ms, "left the group");
    }
    resp.members.push_back(std::move(r));
  }
  if (req.members.size() == 1) resp.error_code = resp.members.front().error_code;
  return resp;
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, int64_t now_ms, const char* why) {
  log::Info("group={} member {} removed: {}", g.id, member_id, why);
  JoinCallback join;
  SyncCallback sync;
  for (auto it = g.members.begin(); it != g.members.end(); ++it) {
    if (it->id == member_id) {
      join = std::move(it->pending_join);
      sync = std::move(it->pending_sync);
      g.members.erase(it);
      break;
    }
  }
  if (g.members.empty()) {
    ++g.generation;
    g.state = State::kEmpty;
    g.leader.clear();
  } else if (g.state == State::kPreparingRebalance) {
    MaybeCompleteJoin(g, now_ms);
  } else {
    PrepareRebalance(g, now_ms, why);
  }
  Publish(g);
  if (join) {
    kp::JoinGroupResponse r;
    r.error_code = Code(ErrorCode::kUnknownMemberId);
    join(r);
  }
  if (sync) sync(Code(ErrorCode::kUnknownMemberId), {});
}

int16_t GroupCoordinator::ValidateCommit(const std::string& group, int32_t generation_id,
                                         const std::string& member_id) const {
  auto it = groups_.find(group);
  if (generation_id < 0 && member_id.empty()) {
    // A commit from outside the group protocol (e.g. a simple consumer).
    if (it == groups_.end() || it->second.state == State::kEmpty) return 0;
    return Code(ErrorCode::kUnknownMemberId);
  }
  if (it == groups_.end()) return Code(ErrorCode::kIllegalGeneration);
  const Group& g = it->second;
  if (g.Find(member_id) == nullptr) return Code(ErrorCode::kUnknownMemberId);
  if (generation_id != g.generation) return Code(ErrorCode::kIllegalGeneration);
  if (g.state == State::kPreparingRebalance || g.state == State::kCompletingRebalance) {
    return Code(ErrorCode::kRebalanceInProgress);
  }
  return 0;
}

void GroupCoordinator::Tick(int64_t now_ms) {
  for (auto& [id, g] : groups_) {
    std::vector<std::string> expired;
    for (const Member& m : g.members) {
      if (!m.pending_join && now_ms - m.last_heartbeat_ms > m.session_timeout_ms) expired.push_back(m.id);
    }
    for (const std::string& m : expired) RemoveMember(g, m, now_ms, "session timeout");
    if (g.state == State::kPreparingRebalance && now_ms >= g.rebalance_deadline_ms) CompleteJoin(g, now_ms);
  }
}

void GroupCoordinator::ConnectionClosed(uint64_t connection, int64_t now_ms) {
  for (auto& [id, g] : groups_) {
    std::vector<std::string> gone;
    for (Member& m : g.members) {
      if (m.connection != connection) continue;
      if (m.pending_join) {
        gone.push_back(m.id);
      } else {
        for (auto& p : m.protocols) std::string().swap(p.metadata);
      }
    }
    for (const std::string& m : gone) RemoveMember(g, m, now_ms, "its connection closed during the join");
  }
}

bool GroupCoordinator::HasEmptyGroups() const {
  return std::any_of(groups_.begin(), groups_.end(), [](const auto& kv) { return kv.second.members.empty(); });
}

void GroupCoordinator::ForgetEmptyGroups(int64_t now_ms, const std::function<bool(const std::string&)>& keep) {
  for (auto it = groups_.begin(); it != groups_.end();) {
    // A member id handed out with MEMBER_ID_REQUIRED keeps the group until it expires.
    std::erase_if(it->second.pending_ids, [&](const auto& p) { return p.second < now_ms; });
    if (it->second.members.empty() && it->second.pending_ids.empty() && !keep(it->first)) {
      if (metrics_ != nullptr) metrics_->RemoveGroup(it->first);
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
}

int16_t GroupCoordinator::Delete(const std::string& group) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return Code(ErrorCode::kGroupIdNotFound);
  if (!it->second.members.empty()) return Code(ErrorCode::kNonEmptyGroup);
  if (metrics_ != nullptr) metrics_->RemoveGroup(group);
  groups_.erase(it);
  return 0;
}

std::vector<std::tuple<std::string, std::string, std::string>> GroupCoordinator::List() const {
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& [id, g] : groups_) out.emplace_back(id, g.protocol_type, StateName(g.state));
  return out;
}

kp::DescribeGroupsResponse::Group GroupCoordinator::Describe(const std::string& group) const {
  kp::DescribeGroupsResponse::Group out;
  out.group_id = group;
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    out.group_state = "Dead";
    return out;
  }
  const Group& g = it->second;
  out.group_state = StateName(g.state);
  out.protocol_type = g.protocol_type;
  out.protocol_data = g.state == State::kStable || g.state == State::kCompletingRebalance ? g.protocol_name : "";
  for (const Member& m : g.members) {
    kp::DescribeGroupsResponse::Member dm;
    dm.member_id = m.id;
    dm.group_instance_id = m.instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    for (const auto& p : m.protocols) {
      if (p.name == g.protocol_name) dm.member_metadata = p.metadata;
    }
    dm.member_assignment = m.assignment;
    out.members.push_back(std::move(dm));
  }
  return out;
}

}  // namespace evpipe::broker
