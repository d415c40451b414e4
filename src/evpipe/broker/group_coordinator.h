// The consumer-group coordinator for the classic group protocol: members
// join, the broker picks a leader and a protocol and relays every member's
// metadata to the leader, the leader's assignments go back through
// SyncGroup. Generations, rebalances on join/leave, and removal of members
// whose session or rebalance timeout passed. No initial rebalance delay: a
// rebalance completes as soon as every known member has rejoined.
// Committed offsets are not kept here but in the LogStore.
//
// Owned by the Server; every method runs on the broker's I/O thread. Join
// and Sync may complete later: their callbacks run from a later call (Join,
// Sync, Leave or Tick), never after the coordinator is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "evpipe/broker/metrics.h"
#include "evpipe/broker/protocol/messages.h"

namespace evpipe::broker {

// Bounds on what one member may make the broker keep (docs/readme/broker.md).
inline constexpr size_t kMaxGroupIdBytes = 255;
inline constexpr size_t kMaxMemberMetadataBytes = 1 << 20;  // all protocols of one JoinGroup
inline constexpr size_t kMaxPendingMemberIds = 1000;         // per group, handed out with MEMBER_ID_REQUIRED

class GroupCoordinator {
 public:
  using JoinCallback = std::function<void(const kafka_protocol::JoinGroupResponse&)>;
  using SyncCallback = std::function<void(int16_t error_code, const std::string& assignment)>;

  explicit GroupCoordinator(Metrics* metrics) : metrics_(metrics) {}

  // member_id_required (JoinGroup v4+, KIP-394): a member that joins without
  // an id is given one with MEMBER_ID_REQUIRED and joins when it comes back
  // with it. `connection` identifies the client connection (ConnectionClosed).
  void Join(const kafka_protocol::JoinGroupRequest& req, bool member_id_required, const std::string& client_id,
            const std::string& client_host, uint64_t connection, int64_t now_ms, JoinCallback done);
  void Sync(const kafka_protocol::SyncGroupRequest& req, int64_t now_ms, SyncCallback done);
  int16_t Heartbeat(const kafka_protocol::HeartbeatRequest& req, int64_t now_ms);
  kafka_protocol::LeaveGroupResponse Leave(const kafka_protocol::LeaveGroupRequest& req, int64_t now_ms);
  // Error code for an OffsetCommit by (generation, member): 0 when allowed.
  int16_t ValidateCommit(const std::string& group, int32_t generation_id, const std::string& member_id) const;
  // Expires members and completes overdue rebalances.
  void Tick(int64_t now_ms);
  // A client connection closed: members whose join waits on it are removed
  // (the answer can never be sent), and the protocol metadata of the others
  // that joined through it is dropped (the next rebalance brings it again).
  void ConnectionClosed(uint64_t connection, int64_t now_ms);
  // Whether a group without members exists, and forgetting those for which
  // `keep` (committed offsets exist) is false, with their metrics entry.
  bool HasEmptyGroups() const;
  void ForgetEmptyGroups(int64_t now_ms, const std::function<bool(const std::string&)>& keep);
  // DeleteGroups: 0 and forgotten, NON_EMPTY_GROUP while it has members, or
  // GROUP_ID_NOT_FOUND when the coordinator does not know it.
  int16_t Delete(const std::string& group);

  // Active groups: (id, protocol type, state name).
  std::vector<std::tuple<std::string, std::string, std::string>> List() const;
  kafka_protocol::DescribeGroupsResponse::Group Describe(const std::string& group) const;

 private:
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id, client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::vector<kafka_protocol::JoinGroupRequest::Protocol> protocols;
    std::string assignment;
    int64_t last_heartbeat_ms = 0;
    uint64_t connection = 0;  // of the last join
    JoinCallback pending_join;
    SyncCallback pending_sync;
  };
  struct Group {
    std::string id;
    State state = State::kEmpty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::vector<Member> members;  // join order
    std::map<std::string, int64_t> pending_ids;  // ids handed out with MEMBER_ID_REQUIRED -> expiry
    int64_t rebalance_deadline_ms = 0;
    Member* Find(const std::string& member_id);
    const Member* Find(const std::string& member_id) const;
  };

  static const char* StateName(State s);
  void PrepareRebalance(Group& g, int64_t now_ms, const char* why);
  void MaybeCompleteJoin(Group& g, int64_t now_ms);
  void CompleteJoin(Group& g, int64_t now_ms);
  void RemoveMember(Group& g, const std::string& member_id, int64_t now_ms, const char* why);
  void Publish(const Group& g);
  std::string NewMemberId(const std::string& client_id);

  Metrics* metrics_;
  std::map<std::string, Group> groups_;
  uint64_t member_counter_ = 0;
};

}  // namespace evpipe::broker
