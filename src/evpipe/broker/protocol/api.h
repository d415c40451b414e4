// Kafka API keys, error codes and the request versions evpipe's broker supports.
// See docs/formats/kafka_protocol.md for why each range was chosen.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace evpipe::kafka_protocol {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kInitProducerId = 22,
  kDescribeConfigs = 32,
  kDeleteGroups = 42,
};

// Error codes from the protocol guide (the subset this broker returns).
enum class ErrorCode : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kMessageTooLarge = 10,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kInvalidRequiredAcks = 21,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidConfig = 40,
  kInvalidRequest = 42,
  kUnsupportedForMessageFormat = 43,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kInvalidRecord = 87,
  kUnknownProducerId = 59,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kUnsupportedCompressionType = 76,
  kMemberIdRequired = 79,
};

inline int16_t Code(ErrorCode e) { return static_cast<int16_t>(e); }

// One supported API: the version range we implement fully, and the first
// flexible version of that API (from the message definitions).
struct ApiSupport {
  ApiKey key;
  const char* name;
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible;
};

// Every API this broker answers, in key order.
std::span<const ApiSupport> SupportedApis();
// nullptr when the key is not supported at all.
const ApiSupport* FindApi(int16_t key);
// A short name for metrics and logs ("Produce"), "Unknown" for others.
std::string_view ApiName(int16_t key);
// Whether (key, version) uses the flexible encoding (compact strings, tags).
bool IsFlexible(int16_t key, int16_t version);

}  // namespace evpipe::kafka_protocol
