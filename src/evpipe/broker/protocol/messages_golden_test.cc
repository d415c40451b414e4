// Golden bytes of the Kafka message codec: a filled sample of every message,
// encoded at every version the broker supports, must give the bytes recorded in
// testdata/messages_golden.txt (recorded from the hand-written codec before the
// describe-once rewrite), and whatever decodes must decode those bytes back
// (re-encoding to the same bytes) and refuse every truncation of them.
// Requests the broker only decodes are also built here from the message
// definitions (apache/kafka .../common/message/*.json), independently of the
// codec. EVPIPE_GOLDEN_WRITE=1 rewrites the file (then review the diff).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages.h"
#include "evpipe/broker/protocol/wire.h"
#include "support/hex.h"

namespace evpipe::kafka_protocol {
namespace {

constexpr const char* kGoldenPath = "src/evpipe/broker/protocol/testdata/messages_golden.txt";

std::string Hex(std::string_view b) { return evpipe::testing::HexBytes(b); }

std::pair<int16_t, int16_t> Range(ApiKey k) {
  const ApiSupport* a = FindApi(static_cast<int16_t>(k));
  return {a->min_version, a->max_version};
}

// ---- samples: every field set to a value other than its default ----

ProduceRequest SampleProduceRequest() {
  static const std::string records(37, 'r');
  ProduceRequest m;
  m.transactional_id = "tx";
  m.acks = 1;
  m.timeout_ms = 1500;
  m.topics.push_back({"events", {{0, std::string_view(records)}, {3, std::nullopt}}});
  m.topics.push_back({"b", {}});
  return m;
}
ProduceResponse SampleProduceResponse() {
  ProduceResponse m;
  m.topics.push_back({"events", {{0, 0, 41, 1700000000000, 7, std::nullopt}, {3, 6, -1, -1, -1, "not leader"}}});
  m.throttle_time_ms = 12;
  return m;
}
FetchRequest SampleFetchRequest() {
  FetchRequest m;
  m.max_wait_ms = 500;
  m.min_bytes = 1;
  m.max_bytes = 1 << 20;
  m.isolation_level = 1;
  m.session_id = 9;
  m.session_epoch = 2;
  m.topics.push_back({"events", {{2, 4, 42, 5, 1 << 16}, {0, -1, 0, -1, 100}}});
  m.forgotten.push_back({"old", {1, 2}});
  m.rack_id = "rack-a";
  return m;
}
FetchResponse SampleFetchResponse() {
  FetchResponse m;
  m.throttle_time_ms = 3;
  m.error_code = 0;
  m.session_id = 11;
  m.topics.push_back({"events", {{2, 0, 100, 99, 5, -1, std::string(29, 'b')}, {0, 1, -1, -1, -1, 7, ""}}});
  return m;
}
ListOffsetsRequest SampleListOffsetsRequest() {
  ListOffsetsRequest m;
  m.replica_id = -1;
  m.isolation_level = 1;
  m.topics.push_back({"events", {{0, 3, -1}, {1, -1, -2}, {2, 5, 1700000000000}}});
  return m;
}
ListOffsetsResponse SampleListOffsetsResponse() {
  ListOffsetsResponse m;
  m.throttle_time_ms = 4;
  m.topics.push_back({"events", {{0, 0, 1700000000000, 77, 3}, {1, 3, -1, -1, -1}}});
  return m;
}
MetadataRequest SampleMetadataRequest() {
  MetadataRequest m;
  m.topics = std::vector<std::string>{"events", "b"};
  m.allow_auto_topic_creation = false;
  m.include_cluster_authorized_operations = true;
  m.include_topic_authorized_operations = true;
  return m;
}
MetadataResponse SampleMetadataResponse() {
  MetadataResponse m;
  m.throttle_time_ms = 5;
  m.brokers.push_back({1, "127.0.0.1", 9092, "r1"});
  m.brokers.push_back({2, "h2", 9093, std::nullopt});
  m.cluster_id = "cid";
  m.controller_id = 1;
  MetadataResponse::Topic t;
  t.name = "events";
  t.is_internal = true;
  t.topic_authorized_operations = 7;
  t.partitions.push_back({0, 0, 1, 2, {1, 2}, {1}, {2}});
  t.partitions.push_back({6, 1, -1, 0, {}, {}, {}});
  m.topics.push_back(t);
  m.topics.push_back({3, "gone", false, {}, INT32_MIN});
  m.cluster_authorized_operations = 8;
  return m;
}
ApiVersionsRequest SampleApiVersionsRequest() {
  ApiVersionsRequest m;
  m.client_software_name = "evpipe";
  m.client_software_version = "1.0";
  return m;
}
ApiVersionsResponse SampleApiVersionsResponse() {
  ApiVersionsResponse m;
  m.error_code = 0;
  m.api_keys = {{0, 3, 8}, {18, 0, 3}};
  m.throttle_time_ms = 6;
  return m;
}
FindCoordinatorRequest SampleFindCoordinatorRequest() {
  FindCoordinatorRequest m;
  m.key = "grp";
  m.key_type = 1;
  return m;
}
FindCoordinatorResponse SampleFindCoordinatorResponse() {
  FindCoordinatorResponse m;
  m.throttle_time_ms = 7;
  m.error_code = 15;
  m.error_message = "not yet";
  m.node_id = 1;
  m.host = "localhost";
  m.port = 9092;
  return m;
}
JoinGroupRequest SampleJoinGroupRequest() {
  JoinGroupRequest m;
  m.group_id = "grp";
  m.session_timeout_ms = 10000;
  m.rebalance_timeout_ms = 30000;
  m.member_id = "m-1";
  m.group_instance_id = "inst";
  m.protocol_type = "consumer";
  m.protocols.push_back({"range", std::string("\x00\x01meta", 6)});
  m.protocols.push_back({"roundrobin", ""});
  return m;
}
JoinGroupResponse SampleJoinGroupResponse() {
  JoinGroupResponse m;
  m.throttle_time_ms = 8;
  m.error_code = 0;
  m.generation_id = 4;
  m.protocol_name = "range";
  m.leader = "m-1";
  m.member_id = "m-2";
  m.members.push_back({"m-1", "inst", "md1"});
  m.members.push_back({"m-2", std::nullopt, ""});
  return m;
}
SyncGroupResponse SampleSyncGroupResponse() {
  SyncGroupResponse m;
  m.throttle_time_ms = 9;
  m.error_code = 27;
  m.assignment = std::string("\x00\x00assign", 8);
  return m;
}
SimpleErrorResponse SampleSimpleErrorResponse() {
  SimpleErrorResponse m;
  m.throttle_time_ms = 10;
  m.error_code = 25;
  return m;
}
LeaveGroupResponse SampleLeaveGroupResponse() {
  LeaveGroupResponse m;
  m.throttle_time_ms = 11;
  m.error_code = 0;
  m.members.push_back({"m-1", "inst", 0});
  m.members.push_back({"m-9", std::nullopt, 25});
  return m;
}
OffsetCommitResponse SampleOffsetCommitResponse() {
  OffsetCommitResponse m;
  m.throttle_time_ms = 12;
  m.topics.push_back({"events", {{0, 0}, {1, 22}}});
  return m;
}
OffsetFetchResponse SampleOffsetFetchResponse() {
  OffsetFetchResponse m;
  m.throttle_time_ms = 13;
  m.topics.push_back({"events", {{0, 55, 2, "meta", 0}, {1, -1, -1, std::nullopt, 3}}});
  m.error_code = 16;
  return m;
}
ListGroupsResponse SampleListGroupsResponse() {
  ListGroupsResponse m;
  m.throttle_time_ms = 14;
  m.error_code = 0;
  m.groups.push_back({"g1", "consumer"});
  m.groups.push_back({"g2", ""});
  return m;
}
DescribeGroupsResponse SampleDescribeGroupsResponse() {
  DescribeGroupsResponse m;
  m.throttle_time_ms = 15;
  DescribeGroupsResponse::Group g;
  g.group_id = "g1";
  g.group_state = "Stable";
  g.protocol_type = "consumer";
  g.protocol_data = "range";
  g.members.push_back({"m-1", "inst", "client", "/127.0.0.1", "md", "as"});
  g.authorized_operations = 31;
  m.groups.push_back(g);
  DescribeGroupsResponse::Group dead;
  dead.error_code = 69;
  dead.group_id = "g2";
  m.groups.push_back(dead);
  return m;
}
DeleteGroupsRequest SampleDeleteGroupsRequest() {
  DeleteGroupsRequest m;
  m.groups_names = {"g1", "g2"};
  return m;
}
DeleteGroupsResponse SampleDeleteGroupsResponse() {
  DeleteGroupsResponse m;
  m.throttle_time_ms = 16;
  m.results.push_back({"g1", 0});
  m.results.push_back({"g2", 69});
  return m;
}
CreateTopicsRequest SampleCreateTopicsRequest() {
  CreateTopicsRequest m;
  CreateTopicsRequest::Topic t;
  t.name = "events";
  t.num_partitions = 3;
  t.replication_factor = 1;
  t.configs.push_back({"retention.ms", "-1"});
  t.configs.push_back({"cleanup.policy", std::nullopt});
  m.topics.push_back(t);
  CreateTopicsRequest::Topic a;
  a.name = "assigned";
  a.assignments.push_back({0, {1}});
  a.assignments.push_back({1, {1, 2}});
  m.topics.push_back(a);
  m.timeout_ms = 2000;
  m.validate_only = true;
  return m;
}
CreateTopicsResponse SampleCreateTopicsResponse() {
  CreateTopicsResponse m;
  m.throttle_time_ms = 17;
  m.topics.push_back({"events", 0, std::nullopt});
  m.topics.push_back({"bad", 17, "invalid name"});
  return m;
}
DeleteTopicsResponse SampleDeleteTopicsResponse() {
  DeleteTopicsResponse m;
  m.throttle_time_ms = 18;
  m.responses.push_back({"events", 0});
  m.responses.push_back({"nope", 3});
  return m;
}
InitProducerIdResponse SampleInitProducerIdResponse() {
  InitProducerIdResponse m;
  m.throttle_time_ms = 19;
  m.error_code = 0;
  m.producer_id = 1234567890123;
  m.producer_epoch = 3;
  return m;
}
DescribeConfigsResponse SampleDescribeConfigsResponse() {
  DescribeConfigsResponse m;
  m.throttle_time_ms = 20;
  DescribeConfigsResponse::Result r;
  r.error_code = 0;
  r.resource_type = 2;
  r.resource_name = "events";
  r.configs.push_back({"retention.ms", "-1", false, false, 1, false, 5});
  r.configs.push_back({"secret", std::nullopt, true, true, 5, true, 2});
  m.results.push_back(r);
  m.results.push_back({3, "unknown", 2, "gone", {}});
  return m;
}

// ---- the golden cases ----

struct Case {
  std::string name;  // "ProduceRequest v3"
  std::function<std::string()> encode;
  // Decodes the bytes and re-encodes what it decoded; empty optional: failed.
  std::function<std::optional<std::string>(std::string_view)> roundtrip;
};

template <typename M>
std::function<std::string()> Encoder(M m, int16_t v) {
  return [m, v] {
    Writer w;
    m.Encode(w, v);
    return w.Release();
  };
}
template <typename M>
std::function<std::optional<std::string>(std::string_view)> Roundtrip(int16_t v) {
  return [v](std::string_view bytes) -> std::optional<std::string> {
    Reader r(bytes);
    M m;
    if (!m.Decode(r, v) || r.remaining() != 0) return std::nullopt;
    Writer w;
    m.Encode(w, v);
    return w.Release();
  };
}

template <typename M>
void AddBoth(std::vector<Case>& out, const char* name, ApiKey k, const M& sample) {
  for (int16_t v = Range(k).first; v <= Range(k).second; ++v) {
    out.push_back({std::string(name) + " v" + std::to_string(v), Encoder(sample, v), Roundtrip<M>(v)});
  }
}

std::vector<Case> AllCases() {
  std::vector<Case> c;
  AddBoth(c, "ProduceRequest", ApiKey::kProduce, SampleProduceRequest());
  AddBoth(c, "ProduceResponse", ApiKey::kProduce, SampleProduceResponse());
  AddBoth(c, "FetchRequest", ApiKey::kFetch, SampleFetchRequest());
  AddBoth(c, "FetchResponse", ApiKey::kFetch, SampleFetchResponse());
  AddBoth(c, "ListOffsetsRequest", ApiKey::kListOffsets, SampleListOffsetsRequest());
  AddBoth(c, "ListOffsetsResponse", ApiKey::kListOffsets, SampleListOffsetsResponse());
  AddBoth(c, "MetadataRequest", ApiKey::kMetadata, SampleMetadataRequest());
  AddBoth(c, "MetadataResponse", ApiKey::kMetadata, SampleMetadataResponse());
  AddBoth(c, "ApiVersionsRequest", ApiKey::kApiVersions, SampleApiVersionsRequest());
  AddBoth(c, "ApiVersionsResponse", ApiKey::kApiVersions, SampleApiVersionsResponse());
  AddBoth(c, "FindCoordinatorRequest", ApiKey::kFindCoordinator, SampleFindCoordinatorRequest());
  AddBoth(c, "FindCoordinatorResponse", ApiKey::kFindCoordinator, SampleFindCoordinatorResponse());
  AddBoth(c, "JoinGroupRequest", ApiKey::kJoinGroup, SampleJoinGroupRequest());
  AddBoth(c, "JoinGroupResponse", ApiKey::kJoinGroup, SampleJoinGroupResponse());
  AddBoth(c, "SyncGroupResponse", ApiKey::kSyncGroup, SampleSyncGroupResponse());
  AddBoth(c, "LeaveGroupResponse", ApiKey::kLeaveGroup, SampleLeaveGroupResponse());
  AddBoth(c, "OffsetCommitResponse", ApiKey::kOffsetCommit, SampleOffsetCommitResponse());
  AddBoth(c, "OffsetFetchResponse", ApiKey::kOffsetFetch, SampleOffsetFetchResponse());
  AddBoth(c, "ListGroupsResponse", ApiKey::kListGroups, SampleListGroupsResponse());
  AddBoth(c, "DescribeGroupsResponse", ApiKey::kDescribeGroups, SampleDescribeGroupsResponse());
  AddBoth(c, "DeleteGroupsRequest", ApiKey::kDeleteGroups, SampleDeleteGroupsRequest());
  AddBoth(c, "DeleteGroupsResponse", ApiKey::kDeleteGroups, SampleDeleteGroupsResponse());
  AddBoth(c, "CreateTopicsRequest", ApiKey::kCreateTopics, SampleCreateTopicsRequest());
  AddBoth(c, "CreateTopicsResponse", ApiKey::kCreateTopics, SampleCreateTopicsResponse());
  AddBoth(c, "DeleteTopicsResponse", ApiKey::kDeleteTopics, SampleDeleteTopicsResponse());
  AddBoth(c, "InitProducerIdResponse", ApiKey::kInitProducerId, SampleInitProducerIdResponse());
  AddBoth(c, "DescribeConfigsResponse", ApiKey::kDescribeConfigs, SampleDescribeConfigsResponse());
  // Heartbeat's response (throttle from v1) is the dispatcher's SimpleErrorResponse.
  SimpleErrorResponse simple = SampleSimpleErrorResponse();
  for (int16_t v = Range(ApiKey::kHeartbeat).first; v <= Range(ApiKey::kHeartbeat).second; ++v) {
    c.push_back({"HeartbeatResponse v" + std::to_string(v),
                 [simple, v] {
                   Writer w;
                   simple.Encode(w, v, 1);
                   return w.Release();
                 },
                 nullptr});
  }
  // Request and response headers.
  for (int16_t flex : {0, 1}) {
    RequestHeader h;
    h.api_key = static_cast<int16_t>(flex ? ApiKey::kApiVersions : ApiKey::kFetch);
    h.api_version = flex ? 3 : 11;
    h.correlation_id = 123456;
    h.client_id = "rdkafka";
    c.push_back({"RequestHeader flexible=" + std::to_string(flex),
                 [h] {
                   Writer w;
                   h.Encode(w);
                   return w.Release();
                 },
                 nullptr});
  }
  for (auto [key, ver] : {std::pair<int16_t, int16_t>{1, 11}, {18, 3}, {42, 2}}) {
    c.push_back({"ResponseHeader api=" + std::to_string(key) + " v" + std::to_string(ver),
                 [key, ver] {
                   Writer w;
                   EncodeResponseHeader(w, key, ver, 654321);
                   return w.Release();
                 },
                 nullptr});
  }
  return c;
}

std::map<std::string, std::string> ReadGolden() {
  std::map<std::string, std::string> out;
  std::ifstream in(kGoldenPath);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

TEST(MessagesGoldenTest, EveryApiAndVersionEncodesTheRecordedBytes) {
  std::vector<Case> cases = AllCases();
  if (const char* w = std::getenv("EVPIPE_GOLDEN_WRITE"); w != nullptr && std::string(w) == "1") {
    std::ofstream out(kGoldenPath);
    out << "# name<TAB>hex of the encoded sample (messages_golden_test.cc); recorded from the hand-written codec\n";
    for (const Case& c : cases) out << c.name << '\t' << Hex(c.encode()) << '\n';
    GTEST_SKIP() << "rewrote " << kGoldenPath;
  }
  std::map<std::string, std::string> golden = ReadGolden();
  ASSERT_FALSE(golden.empty()) << "cannot read " << kGoldenPath;
  EXPECT_EQ(golden.size(), cases.size());
  for (const Case& c : cases) {
    auto it = golden.find(c.name);
    ASSERT_NE(it, golden.end()) << c.name << " has no golden bytes";
    EXPECT_EQ(Hex(c.encode()), it->second) << c.name;
  }
}

TEST(MessagesGoldenTest, DecodersReadTheRecordedBytesBackAndRefuseTruncations) {
  for (const Case& c : AllCases()) {
    if (!c.roundtrip) continue;
    std::string bytes = c.encode();
    std::optional<std::string> again = c.roundtrip(bytes);
    ASSERT_TRUE(again.has_value()) << c.name;
    EXPECT_EQ(Hex(*again), Hex(bytes)) << c.name;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      EXPECT_FALSE(c.roundtrip(std::string_view(bytes).substr(0, cut)).has_value()) << c.name << " cut " << cut;
    }
  }
}

TEST(MessagesGoldenTest, DecodersHonourTheEntryLimit) {
  // The sample Produce request has 2 topics and 2 + 0 partitions: 4 array entries.
  Writer w;
  SampleProduceRequest().Encode(w, 7);
  for (size_t limit : {3, 4}) {
    Reader r(w.buffer());
    r.SetEntryLimit(limit);
    ProduceRequest m;
    EXPECT_EQ(m.Decode(r, 7), limit >= 4) << limit;
  }
  // A length far past the bytes left fails before anything is allocated.
  Writer huge;
  huge.NullableString(std::nullopt, false);
  huge.Int16(-1);
  huge.Int32(1000);
  huge.Int32(0x7fffffff);  // topics
  Reader r(huge.buffer());
  ProduceRequest m;
  EXPECT_FALSE(m.Decode(r, 3));
  EXPECT_TRUE(m.topics.empty());
}

// ---- requests the broker only decodes: bytes laid out from the message definitions ----

// Checks that `bytes` decodes completely into M at version v, that every
// truncation fails, and returns the decoded message.
template <typename M>
M DecodeAll(const std::string& bytes, int16_t v, const std::string& name) {
  M m;
  Reader r(bytes);
  EXPECT_TRUE(m.Decode(r, v)) << name << " v" << v;
  EXPECT_EQ(r.remaining(), 0u) << name << " v" << v;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    M t;
    Reader rt(std::string_view(bytes).substr(0, cut));
    EXPECT_FALSE(t.Decode(rt, v)) << name << " v" << v << " cut " << cut;
  }
  if constexpr (requires(const M& c, Writer& w) { c.Encode(w, v); }) {  // and encodes back to the same bytes
    Writer w;
    m.Encode(w, v);
    EXPECT_EQ(Hex(w.buffer()), Hex(bytes)) << name << " v" << v;
  }
  return m;
}

TEST(MessagesGoldenTest, DecodeOnlyRequestsFollowTheMessageDefinitions) {
  for (int16_t v = 0; v <= 3; ++v) {  // DeleteTopics: TopicNames [string], TimeoutMs int32
    Writer w;
    w.ArrayLength(2, false);
    w.String("a", false);
    w.String("bc", false);
    w.Int32(3000);
    auto m = DecodeAll<DeleteTopicsRequest>(w.Release(), v, "DeleteTopics");
    EXPECT_EQ(m.topic_names, (std::vector<std::string>{"a", "bc"}));
    EXPECT_EQ(m.timeout_ms, 3000);
  }
  for (int16_t v = 0; v <= 1; ++v) {  // InitProducerId: TransactionalId nullable, TransactionTimeoutMs
    Writer w;
    w.NullableString(std::nullopt, false);
    w.Int32(60000);
    auto m = DecodeAll<InitProducerIdRequest>(w.Release(), v, "InitProducerId");
    EXPECT_FALSE(m.transactional_id.has_value());
    EXPECT_EQ(m.transaction_timeout_ms, 60000);
  }
  for (int16_t v = 0; v <= 3; ++v) {  // DescribeConfigs
    Writer w;
    w.ArrayLength(2, false);
    w.Int8(2);
    w.String("events", false);
    w.ArrayLength(1, false);
    w.String("retention.ms", false);
    w.Int8(4);
    w.String("1", false);
    w.ArrayLength(-1, false);
    if (v >= 1) w.Bool(true);  // IncludeSynonyms
    if (v >= 3) w.Bool(true);  // IncludeDocumentation
    auto m = DecodeAll<DescribeConfigsRequest>(w.Release(), v, "DescribeConfigs");
    ASSERT_EQ(m.resources.size(), 2u);
    EXPECT_EQ(m.resources[0].resource_type, 2);
    EXPECT_EQ(m.resources[0].resource_name, "events");
    ASSERT_TRUE(m.resources[0].configuration_keys.has_value());
    EXPECT_EQ(*m.resources[0].configuration_keys, std::vector<std::string>{"retention.ms"});
    EXPECT_FALSE(m.resources[1].configuration_keys.has_value());
    EXPECT_EQ(m.include_synonyms, v >= 1);
    EXPECT_EQ(m.include_documentation, v >= 3);
  }
  for (int16_t v = 0; v <= 3; ++v) {  // SyncGroup
    Writer w;
    w.String("grp", false);
    w.Int32(4);
    w.String("m-1", false);
    if (v >= 3) w.NullableString(std::string("inst"), false);
    w.ArrayLength(1, false);
    w.String("m-1", false);
    w.Bytes("as", false);
    auto m = DecodeAll<SyncGroupRequest>(w.Release(), v, "SyncGroup");
    EXPECT_EQ(m.group_id, "grp");
    EXPECT_EQ(m.generation_id, 4);
    EXPECT_EQ(m.member_id, "m-1");
    EXPECT_EQ(m.group_instance_id.has_value(), v >= 3);
    ASSERT_EQ(m.assignments.size(), 1u);
    EXPECT_EQ(m.assignments[0].assignment, "as");
  }
  for (int16_t v = 0; v <= 3; ++v) {  // Heartbeat
    Writer w;
    w.String("grp", false);
    w.Int32(5);
    w.String("m-2", false);
    if (v >= 3) w.NullableString(std::string("inst"), false);
    auto m = DecodeAll<HeartbeatRequest>(w.Release(), v, "Heartbeat");
    EXPECT_EQ(m.group_id, "grp");
    EXPECT_EQ(m.generation_id, 5);
    EXPECT_EQ(m.member_id, "m-2");
    EXPECT_EQ(m.group_instance_id.has_value(), v >= 3);
  }
  for (int16_t v = 0; v <= 3; ++v) {  // LeaveGroup: v0-2 MemberId, v3 Members [MemberId, GroupInstanceId]
    Writer w;
    w.String("grp", false);
    if (v <= 2) {
      w.String("m-1", false);
    } else {
      w.ArrayLength(2, false);
      w.String("m-1", false);
      w.NullableString(std::nullopt, false);
      w.String("m-2", false);
      w.NullableString(std::string("inst"), false);
    }
    auto m = DecodeAll<LeaveGroupRequest>(w.Release(), v, "LeaveGroup");
    EXPECT_EQ(m.group_id, "grp");
    ASSERT_EQ(m.members.size(), v <= 2 ? 1u : 2u);
    EXPECT_EQ(m.members[0].member_id, "m-1");
    if (v == 3) {
      EXPECT_EQ(m.members[1].group_instance_id, std::optional<std::string>("inst"));
    }
  }
  for (int16_t v = 0; v <= 7; ++v) {  // OffsetCommit
    Writer w;
    w.String("grp", false);
    if (v >= 1) {
      w.Int32(6);
      w.String("m-1", false);
    }
    if (v >= 7) w.NullableString(std::nullopt, false);
    if (v >= 2 && v <= 4) w.Int64(86400000);
    w.ArrayLength(1, false);
    w.String("events", false);
    w.ArrayLength(2, false);
    for (int32_t p = 0; p < 2; ++p) {
      w.Int32(p);
      w.Int64(100 + p);
      if (v >= 6) w.Int32(3);
      if (v == 1) w.Int64(1700000000000);
      w.NullableString(p == 0 ? std::optional<std::string>("md") : std::nullopt, false);
    }
    auto m = DecodeAll<OffsetCommitRequest>(w.Release(), v, "OffsetCommit");
    EXPECT_EQ(m.group_id, "grp");
    EXPECT_EQ(m.generation_id, v >= 1 ? 6 : -1);
    EXPECT_EQ(m.retention_time_ms, (v >= 2 && v <= 4) ? 86400000 : -1);
    ASSERT_EQ(m.topics.size(), 1u);
    ASSERT_EQ(m.topics[0].partitions.size(), 2u);
    EXPECT_EQ(m.topics[0].partitions[1].committed_offset, 101);
    EXPECT_EQ(m.topics[0].partitions[1].committed_leader_epoch, v >= 6 ? 3 : -1);
    EXPECT_EQ(m.topics[0].partitions[0].commit_timestamp, v == 1 ? 1700000000000 : -1);
    EXPECT_EQ(m.topics[0].partitions[0].committed_metadata, std::optional<std::string>("md"));
  }
  for (int16_t v = 1; v <= 5; ++v) {  // OffsetFetch: GroupId, Topics [Name, PartitionIndexes [int32]]
    Writer w;
    w.String("grp", false);
    w.ArrayLength(1, false);
    w.String("events", false);
    w.ArrayLength(2, false);
    w.Int32(0);
    w.Int32(7);
    auto m = DecodeAll<OffsetFetchRequest>(w.Release(), v, "OffsetFetch");
    ASSERT_TRUE(m.topics.has_value());
    ASSERT_EQ(m.topics->size(), 1u);
    EXPECT_EQ((*m.topics)[0].partition_indexes, (std::vector<int32_t>{0, 7}));
    if (v >= 2) {
      Writer all;
      all.String("grp", false);
      all.ArrayLength(-1, false);
      auto m2 = DecodeAll<OffsetFetchRequest>(all.Release(), v, "OffsetFetch(all)");
      EXPECT_FALSE(m2.topics.has_value());
    }
  }
  for (int16_t v = 0; v <= 4; ++v) {  // DescribeGroups
    Writer w;
    w.ArrayLength(2, false);
    w.String("g1", false);
    w.String("g2", false);
    if (v >= 3) w.Bool(true);
    auto m = DecodeAll<DescribeGroupsRequest>(w.Release(), v, "DescribeGroups");
    EXPECT_EQ(m.groups, (std::vector<std::string>{"g1", "g2"}));
    EXPECT_EQ(m.include_authorized_operations, v >= 3);
  }
}

}  // namespace
}  // namespace evpipe::kafka_protocol
