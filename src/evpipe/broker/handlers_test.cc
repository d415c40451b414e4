// The broker's request handlers without sockets: each test builds request
// structs, calls the pure handler over the durable LogStore in a temporary
// directory, and checks the response struct.
#include <gtest/gtest.h>

#include "evpipe/broker/group_coordinator.h"
#include "evpipe/broker/handle_admin.h"
#include "evpipe/broker/handle_data.h"
#include "evpipe/broker/handle_groups.h"
#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/storage_log_store.h"
#include "support/record_batch_builder.h"
#include "support/temp_dir.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;
using kp::Code;
using kp::ErrorCode;

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StorageOptions so;
    so.default_partitions = 1;
    auto store = OpenStorageLogStore(io::FileSystem::Default(), dir_.path(), so);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ctx_.store = store_.get();
    ctx_.metrics = &metrics_;
    ctx_.options.default_partitions = 1;
    ctx_.host = "127.0.0.1";
    ctx_.port = 9999;
  }

  // acks=1 produce of `batch` to topic/partition; the partition's response.
  kp::ProduceResponse::Partition Produce(const std::string& topic, int32_t partition, const std::string& batch) {
    if (ValidTopicName(topic) && store_->PartitionCount(topic) < 0) {
      EXPECT_TRUE(store_->CreateTopic(topic, 1, {}, false).ok());  // Produce does not create topics
    }
    kp::ProduceRequest req;
    req.acks = 1;
    req.topics.push_back({topic, {{partition, std::string_view(batch)}}});
    ProduceResult r = HandleProduce(ctx_, req, "test");
    return r.response.topics.at(0).partitions.at(0);
  }

  kp::FetchRequest FetchOf(const std::string& topic, std::vector<int32_t> partitions, int64_t offset = 0) {
    kp::FetchRequest req;
    req.max_bytes = INT32_MAX;
    req.topics.push_back({topic, {}});
    for (int32_t p : partitions) req.topics[0].partitions.push_back({p, -1, offset, -1, INT32_MAX});
    return req;
  }

  testing::TempDir dir_;
  std::unique_ptr<LogStore> store_;
  Metrics metrics_;
  HandlerContext ctx_;
  GroupCoordinator groups_{&metrics_};
};

TEST_F(HandlersTest, MetadataAnswersEachNameOnceAndCapsAutoCreation) {
  kp::MetadataRequest req;
  req.topics.emplace();
  for (int i = 0; i < 40; ++i) req.topics->push_back("t" + std::to_string(i));
  req.topics->push_back("t0");
  req.topics->push_back("bad/name");
  kp::MetadataResponse resp = HandleMetadata(ctx_, req);
  ASSERT_EQ(resp.topics.size(), 41u);  // "t0" once
  int created = 0, unknown = 0;
  for (const auto& t : resp.topics) {
    if (t.name == "bad/name") {
      EXPECT_EQ(t.error_code, Code(ErrorCode::kInvalidTopicException));
    } else if (t.error_code == 0) {
      ++created;
      EXPECT_EQ(t.partitions.size(), 1u);
    } else {
      EXPECT_EQ(t.error_code, Code(ErrorCode::kUnknownTopicOrPartition));
      ++unknown;
    }
  }
  EXPECT_EQ(created, kMaxAutoCreatedTopicsPerRequest);
  EXPECT_EQ(unknown, 40 - kMaxAutoCreatedTopicsPerRequest);
  EXPECT_EQ(resp.brokers.at(0).port, 9999);
  // A second request creates the next ones.
  EXPECT_EQ(HandleMetadata(ctx_, req).topics.at(kMaxAutoCreatedTopicsPerRequest).error_code, 0);
}

TEST_F(HandlersTest, ProduceThenFetchReturnsTheBatchOnce) {
  auto p = Produce("data", 0, testing::BuildSimpleBatch(5, "v"));
  ASSERT_EQ(p.error_code, 0);
  EXPECT_EQ(p.base_offset, 0);
  EXPECT_EQ(metrics_.records_in.load(), 5u);
  kp::FetchRequest req = FetchOf("data", {0, 0, 0});
  MergeDuplicatePartitions(req);
  ASSERT_EQ(req.topics.at(0).partitions.size(), 1u);
  kp::FetchResponse resp = HandleFetch(ctx_, req);
  ASSERT_EQ(resp.topics.at(0).partitions.size(), 1u);
  auto records = testing::DecodeRecordBatches(resp.topics[0].partitions[0].records);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[4].value, "v4");
  EXPECT_EQ(resp.topics[0].partitions[0].high_watermark, 5);
  EXPECT_EQ(metrics_.records_out.load(), 5u);
}

TEST_F(HandlersTest, MergeKeepsTheFirstOfEachPartitionAcrossRepeatedTopics) {
  kp::FetchRequest req = FetchOf("a", {0, 1, 0});
  req.topics.push_back({"b", {{0, -1, 7, -1, 100}}});
  req.topics.push_back({"a", {{1, -1, 9, -1, 100}, {2, -1, 3, -1, 100}}});
  MergeDuplicatePartitions(req);
  ASSERT_EQ(req.topics.size(), 2u);
  EXPECT_EQ(req.topics[0].topic, "a");
  ASSERT_EQ(req.topics[0].partitions.size(), 3u);
  EXPECT_EQ(req.topics[0].partitions[1].fetch_offset, 0);  // the first "a"/1 wins
  EXPECT_EQ(req.topics[0].partitions[2].partition, 2);
  EXPECT_EQ(req.topics[1].topic, "b");
}

TEST_F(HandlersTest, AvailableBytesCountsWithoutReadingAndFetchHonoursTheBrokerLimit) {
  std::string batch = testing::BuildSimpleBatch(100, std::string(1000, 'x'));
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Produce("big", 0, batch).error_code, 0);
  kp::FetchRequest req = FetchOf("big", {0});
  EXPECT_EQ(AvailableFetchBytes(ctx_, req), 4 * batch.size());
  EXPECT_EQ(AvailableFetchBytes(ctx_, FetchOf("big", {0}, 400)), 0u);   // at the high watermark
  EXPECT_EQ(AvailableFetchBytes(ctx_, FetchOf("big", {0}, 250)), 2 * batch.size());  // from inside batch 2
  EXPECT_EQ(AvailableFetchBytes(ctx_, FetchOf("big", {0}, 999)), SIZE_MAX);  // out of range: answer now
  EXPECT_EQ(AvailableFetchBytes(ctx_, FetchOf("nope", {0})), SIZE_MAX);
  ctx_.options.fetch_max_bytes = static_cast<int32_t>(2 * batch.size());
  kp::FetchResponse resp = HandleFetch(ctx_, req);
  EXPECT_EQ(resp.topics.at(0).partitions.at(0).records.size(), 2 * batch.size());
}

TEST_F(HandlersTest, ListOffsetsByTimeIsLookedUpOncePerRequest) {
  ASSERT_EQ(Produce("lo", 0, testing::BuildSimpleBatch(3)).error_code, 0);
  kp::ListOffsetsRequest req;
  req.topics.push_back({"lo", {}});
  for (size_t i = 0; i < kMaxTimestampLookupsPerRequest + 10; ++i) {
    req.topics[0].partitions.push_back({0, -1, 1600000000000});  // repeats: one lookup
  }
  req.topics[0].partitions.push_back({0, -1, -1});
  req.topics[0].partitions.push_back({1, -1, -2});
  kp::ListOffsetsResponse resp = HandleListOffsets(ctx_, req);
  const auto& parts = resp.topics.at(0).partitions;
  for (size_t i = 0; i < kMaxTimestampLookupsPerRequest + 10; ++i) ASSERT_EQ(parts[i].offset, 0) << i;
  EXPECT_EQ(parts[parts.size() - 2].offset, 3);
  EXPECT_EQ(parts.back().error_code, Code(ErrorCode::kUnknownTopicOrPartition));

  kp::ListOffsetsRequest many;
  many.topics.push_back({"lo", {}});
  for (size_t i = 0; i < kMaxTimestampLookupsPerRequest + 1; ++i) {
    many.topics[0].partitions.push_back({0, -1, static_cast<int64_t>(1600000000000 + i)});
  }
  kp::ListOffsetsResponse capped = HandleListOffsets(ctx_, many);
  EXPECT_EQ(capped.topics[0].partitions.front().error_code, 0);
  EXPECT_EQ(capped.topics[0].partitions.back().error_code, Code(ErrorCode::kInvalidRequest));
}

TEST_F(HandlersTest, ProduceRefusesBadAcksBadNamesAndCorruptBatches) {
  kp::ProduceRequest req;
  req.acks = 2;
  std::string batch = testing::BuildSimpleBatch(1);
  req.topics.push_back({"x", {{0, std::string_view(batch)}}});
  ProduceResult r = HandleProduce(ctx_, req, "test");
  EXPECT_TRUE(r.bad_acks);
  EXPECT_EQ(r.response.topics[0].partitions[0].error_code, Code(ErrorCode::kInvalidRequiredAcks));
  EXPECT_EQ(Produce("../x", 0, batch).error_code, Code(ErrorCode::kInvalidTopicException));
  std::string corrupt = batch;
  corrupt.back() ^= 1;
  EXPECT_EQ(Produce("x", 0, corrupt).error_code, Code(ErrorCode::kCorruptMessage));
  kp::ProduceResponse ok;
  ok.topics.push_back({"x", {{0, 0, 5}}});
  FailUnsynced(ctx_, ok, Status::IoError("disk"));
  EXPECT_EQ(ok.topics[0].partitions[0].error_code, kKafkaStorageError);
}

TEST_F(HandlersTest, CreateTopicsChecksNamePartitionsAndReplication) {
  kp::CreateTopicsRequest req;
  auto add = [&](std::string name, int32_t partitions, int16_t rf) {
    kp::CreateTopicsRequest::Topic t;
    t.name = std::move(name);
    t.num_partitions = partitions;
    t.replication_factor = rf;
    req.topics.push_back(t);
  };
  add("good", 2, 1);
  add("good", 2, 1);
  add("..", 1, 1);
  add("many", kMaxPartitionsPerTopic + 1, 1);
  add("rf3", 1, 3);
  kp::CreateTopicsResponse resp = HandleCreateTopics(ctx_, req);
  ASSERT_EQ(resp.topics.size(), 5u);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[1].error_code, Code(ErrorCode::kTopicAlreadyExists));
  EXPECT_EQ(resp.topics[2].error_code, Code(ErrorCode::kInvalidTopicException));
  EXPECT_EQ(resp.topics[3].error_code, Code(ErrorCode::kInvalidPartitions));
  EXPECT_EQ(resp.topics[4].error_code, Code(ErrorCode::kInvalidReplicationFactor));
  EXPECT_EQ(store_->PartitionCount("good"), 2);

  kp::DeleteTopicsRequest del;
  del.topic_names = {"good", "missing"};
  std::vector<std::string> before;
  kp::DeleteTopicsResponse dresp = HandleDeleteTopics(ctx_, del, [&](const std::string& t) { before.push_back(t); });
  EXPECT_EQ(dresp.responses[0].error_code, 0);
  EXPECT_EQ(dresp.responses[1].error_code, Code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(before, std::vector<std::string>{"good"});
  EXPECT_EQ(store_->PartitionCount("good"), -1);
}

TEST_F(HandlersTest, OffsetsCommitFetchAndDeleteGroup) {
  ASSERT_EQ(Produce("g", 0, testing::BuildSimpleBatch(1)).error_code, 0);
  kp::OffsetCommitRequest commit;
  commit.group_id = "readers";
  commit.generation_id = -1;
  commit.topics.push_back({"g", {}});
  commit.topics[0].partitions.push_back({});
  commit.topics[0].partitions[0].partition_index = 0;
  commit.topics[0].partitions[0].committed_offset = 1;
  kp::OffsetCommitResponse cresp = HandleOffsetCommit(ctx_, groups_, commit);
  EXPECT_EQ(cresp.topics.at(0).partitions.at(0).error_code, 0);

  kp::OffsetFetchRequest fetch;
  fetch.group_id = "readers";
  kp::OffsetFetchResponse fresp = HandleOffsetFetch(ctx_, fetch);  // all topics
  ASSERT_EQ(fresp.topics.size(), 1u);
  EXPECT_EQ(fresp.topics[0].partitions.at(0).committed_offset, 1);

  kp::ListGroupsResponse lresp = HandleListGroups(ctx_, groups_);
  ASSERT_EQ(lresp.groups.size(), 1u);

  kp::DeleteGroupsRequest del;
  del.groups_names = {"readers", "never-seen"};
  kp::DeleteGroupsResponse dresp = HandleDeleteGroups(ctx_, groups_, del);
  EXPECT_EQ(dresp.results[0].error_code, 0);
  EXPECT_EQ(dresp.results[1].error_code, Code(ErrorCode::kGroupIdNotFound));
  EXPECT_TRUE(store_->GroupOffsets("readers").empty());
  EXPECT_TRUE(HandleListGroups(ctx_, groups_).groups.empty());
}

TEST_F(HandlersTest, DeleteGroupsRefusesAGroupWithMembers) {
  kp::JoinGroupRequest join;
  join.group_id = "busy";
  join.session_timeout_ms = 30000;
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", "m"});
  int16_t join_error = -1;
  groups_.Join(join, false, "c", "h", 1, 0, [&](const kp::JoinGroupResponse& r) { join_error = r.error_code; });
  ASSERT_EQ(join_error, 0);
  kp::DeleteGroupsRequest del;
  del.groups_names = {"busy"};
  EXPECT_EQ(HandleDeleteGroups(ctx_, groups_, del).results[0].error_code, Code(ErrorCode::kNonEmptyGroup));
  kp::DescribeGroupsRequest d;
  d.groups = {"busy"};
  EXPECT_EQ(HandleDescribeGroups(ctx_, groups_, d).groups.at(0).members.size(), 1u);
}

TEST_F(HandlersTest, ApiVersionsAndConfigsAndProducerIds) {
  kp::ApiVersionsResponse av = HandleApiVersions(ctx_, 99, true);
  EXPECT_EQ(av.error_code, Code(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(av.api_keys.size(), kp::SupportedApis().size());
  EXPECT_EQ(HandleApiVersions(ctx_, 3, false).error_code, Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(HandleApiVersions(ctx_, 3, true).error_code, 0);

  kp::DescribeConfigsRequest dc;
  dc.resources.push_back({});
  dc.resources[0].resource_type = 4;
  dc.resources[0].resource_name = "1";
  kp::DescribeConfigsResponse dresp = HandleDescribeConfigs(ctx_, dc);
  ASSERT_EQ(dresp.results.size(), 1u);
  EXPECT_FALSE(dresp.results[0].configs.empty());

  kp::InitProducerIdRequest ip;
  auto a = HandleInitProducerId(ctx_, ip);
  auto b = HandleInitProducerId(ctx_, ip);
  EXPECT_EQ(a.error_code, 0);
  EXPECT_NE(a.producer_id, b.producer_id);
  kp::FindCoordinatorRequest fc;
  fc.key = "g";
  EXPECT_EQ(HandleFindCoordinator(ctx_, fc).port, 9999);
}

}  // namespace
}  // namespace evpipe::broker
