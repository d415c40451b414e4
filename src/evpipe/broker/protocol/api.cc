// The supported API table (see api.h and docs/formats/kafka_protocol.md).
#include "evpipe/broker/protocol/api.h"

#include <array>

namespace evpipe::kafka_protocol {
namespace {

// Produce starts at v3 and Fetch at v4: the first versions that carry record
// batch v2 (magic 2), the only record format this broker stores.
constexpr std::array<ApiSupport, 19> kApis = {{
    {ApiKey::kProduce, "Produce", 3, 8, 9},
    {ApiKey::kFetch, "Fetch", 4, 11, 12},
    {ApiKey::kListOffsets, "ListOffsets", 1, 5, 6},
    {ApiKey::kMetadata, "Metadata", 0, 8, 9},
    {ApiKey::kOffsetCommit, "OffsetCommit", 0, 7, 8},
    {ApiKey::kOffsetFetch, "OffsetFetch", 1, 5, 6},
    {ApiKey::kFindCoordinator, "FindCoordinator", 0, 2, 3},
    {ApiKey::kJoinGroup, "JoinGroup", 0, 5, 6},
    {ApiKey::kHeartbeat, "Heartbeat", 0, 3, 4},
    {ApiKey::kLeaveGroup, "LeaveGroup", 0, 3, 4},
    {ApiKey::kSyncGroup, "SyncGroup", 0, 3, 4},
    {ApiKey::kDescribeGroups, "DescribeGroups", 0, 4, 5},
    {ApiKey::kListGroups, "ListGroups", 0, 2, 3},
    {ApiKey::kApiVersions, "ApiVersions", 0, 3, 3},
    {ApiKey::kCreateTopics, "CreateTopics", 0, 4, 5},
    {ApiKey::kDeleteTopics, "DeleteTopics", 0, 3, 4},
    {ApiKey::kInitProducerId, "InitProducerId", 0, 1, 2},
    {ApiKey::kDescribeConfigs, "DescribeConfigs", 0, 3, 4},
    {ApiKey::kDeleteGroups, "DeleteGroups", 0, 2, 2},
}};

}  // namespace

std::span<const ApiSupport> SupportedApis() { return kApis; }

const ApiSupport* FindApi(int16_t key) {
  for (const ApiSupport& a : kApis) {
    if (static_cast<int16_t>(a.key) == key) return &a;
  }
  return nullptr;
}

std::string_view ApiName(int16_t key) {
  const ApiSupport* a = FindApi(key);
  return a ? a->name : "Unknown";
}

bool IsFlexible(int16_t key, int16_t version) {
  const ApiSupport* a = FindApi(key);
  return a != nullptr && version >= a->first_flexible;
}

}  // namespace evpipe::kafka_protocol
