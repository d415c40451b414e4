// Consumer groups through the Kafka Admin API: list, describe with lag per
// partition, plan and apply an offset reset, delete. The same calls work
// against evpipe broker, Apache Kafka and Redpanda.
//
// Every function borrows an Admin (owned by the caller, used from one thread)
// and blocks until the broker answers or about timeout_ms passes; a broker
// that does not answer is Unavailable or Timeout, an unknown group NotFound.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/kafka/admin.h"

namespace evpipe::kafka {

// "No offset" in every offset field below.
inline constexpr int64_t kNoOffset = -1;

struct GroupListing {
  std::string group;
  std::string state;          // Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown
  std::string protocol_type;  // "consumer"; "" for a group with only committed offsets (a simple consumer group)
  int members = 0;
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<std::pair<std::string, int32_t>> assignment;  // (topic, partition), sorted
};

// One topic partition the group has committed offsets for or is assigned.
struct GroupPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = kNoOffset;  // kNoOffset: nothing committed
  int64_t log_start = kNoOffset;  // kNoOffset when the watermarks could not be read
  int64_t log_end = kNoOffset;
  // log_end - committed; with nothing committed log_end - log_start (lag_from_log_start);
  // kNoOffset when the watermarks are unknown.
  int64_t lag = kNoOffset;
  bool lag_from_log_start = false;
  // The member the partition is assigned to; empty when unassigned.
  std::string member_id;
  std::string client_id;
  std::string host;
};

struct GroupDescription {
  std::string group;
  std::string state;
  std::string assignor;  // the partition assignor ("range", "cooperative-sticky", ...); "" when empty
  int32_t coordinator_id = -1;
  std::string coordinator_host;
  int coordinator_port = 0;
  std::vector<GroupMember> members;
  std::vector<GroupPartition> partitions;  // sorted by topic, partition
  int64_t total_lag = 0;                   // the sum of the known lags
};

// Every group the cluster knows, sorted by name, with state and member count.
Result<std::vector<GroupListing>> ListGroups(Admin& admin, int timeout_ms);

// One group: NotFound when the cluster has neither members nor offsets for it.
Result<GroupDescription> DescribeGroup(Admin& admin, const std::string& group, int timeout_ms);

// Where an offset reset moves a group's position on each partition of one topic.
struct OffsetReset {
  enum class Kind { kEarliest, kLatest, kOffset, kDatetime, kShiftBy };
  Kind kind = Kind::kEarliest;
  int64_t value = 0;  // kOffset: the offset; kDatetime: ms since the epoch; kShiftBy: the delta
};

struct OffsetResetRow {
  std::string topic;
  int32_t partition = 0;
  int64_t current = kNoOffset;  // the committed offset now
  int64_t log_start = 0;
  int64_t log_end = 0;
  int64_t target = 0;  // always within [log_start, log_end]
};

// The plan of a reset of `group` on every partition of `topic` (nothing is
// changed). NotFound for an unknown topic.
Result<std::vector<OffsetResetRow>> PlanOffsetReset(Admin& admin, const std::string& group, const std::string& topic,
                                                    const OffsetReset& reset, int timeout_ms);

// Commits the plan's targets for `group`. Refused (InvalidArgument) while the
// group has members: they would overwrite the new offsets on their next commit.
Status ApplyOffsetReset(Admin& admin, const std::string& group, const std::vector<OffsetResetRow>& plan,
                        int timeout_ms);

// Deletes the group and its committed offsets; refused by the broker while it has members.
Status DeleteGroup(Admin& admin, const std::string& group, int timeout_ms);

}  // namespace evpipe::kafka
