// Store: topics persist, partitions are logs, producer ids never repeat, orphans go.
#include "evpipe/broker/storage/store.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <set>

#include "evpipe/io/fault_fs.h"
#include "support/record_batch_builder.h"
#include "support/temp_dir.h"

namespace evpipe::broker::storage {
namespace {

namespace fs = std::filesystem;

TEST(StoreTest, TopicsAndDataPersist) {
  testing::TempDir tmp;
  std::array<uint8_t, 16> id{};
  {
    auto store = Store::Open(io::FileSystem::Default(), tmp.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto t = (*store)->CreateTopic("events", 3, {{"retention.ms", "86400000"}});
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    id = t->id;
    EXPECT_EQ((*store)->CreateTopic("events", 3).status().code(), StatusCode::kAlreadyExists);
    ASSERT_TRUE((*store)->CreateTopic("other.topic_x-1", 1).ok());
    auto p1 = (*store)->Partition("events", 1);
    ASSERT_NE(p1, nullptr);
    EXPECT_EQ(p1->options().retention_ms, 86400000);
    auto r = p1->Append(testing::BuildSimpleBatch(4));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->base_offset, 0);
    EXPECT_EQ((*store)->Partition("events", 3), nullptr);
    EXPECT_EQ((*store)->Partition("nope", 0), nullptr);
    ASSERT_TRUE((*store)->SyncAll().ok());
    ASSERT_TRUE((*store)->offsets().Commit("g", "events", 1, 4).ok());
  }
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto topics = (*store)->ListTopics();
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].name, "events");
  EXPECT_EQ(topics[0].partitions, 3);
  EXPECT_EQ(topics[0].id, id);
  EXPECT_EQ(topics[0].configs.at("retention.ms"), "86400000");
  EXPECT_EQ((*store)->Partition("events", 1)->high_watermark(), 4);
  EXPECT_EQ((*store)->Partition("events", 0)->high_watermark(), 0);
  EXPECT_EQ((*store)->offsets().Fetch("g", "events", 1).offset, 4);
  auto configs = (*store)->DescribeConfigs("events");
  ASSERT_TRUE(configs.ok());
  bool saw = false;
  for (const ConfigEntry& e : *configs) {
    if (e.name == "retention.ms") {
      saw = true;
      EXPECT_EQ(e.value, "86400000");
      EXPECT_FALSE(e.is_default);
    }
  }
  EXPECT_TRUE(saw);
}

TEST(StoreTest, BadNamesConfigsAndCounts) {
  testing::TempDir tmp;
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->CreateTopic("", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic("a/b", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic("..", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic(std::string(250, 'a'), 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic("t", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic("t", 1, {{"cleanup.policy", "compact"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic("t", 1, {{"retention.ms", "soon"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->CreateTopic("t", 1, {{"no.such.config", "1"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*store)->CreateTopic("t", 1, {{"compression.type", "zstd"}, {"message.timestamp.type", "LogAppendTime"}}).ok());
  EXPECT_TRUE((*store)->Partition("t", 0)->options().log_append_time);
  EXPECT_TRUE((*store)->ListTopics().size() == 1);
}

TEST(StoreTest, DeleteTopicRemovesFilesAndOffsets) {
  testing::TempDir tmp;
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  ASSERT_TRUE((*store)->CreateTopic("gone", 2).ok());
  auto held = (*store)->Partition("gone", 0);
  ASSERT_TRUE(held->Append(testing::BuildSimpleBatch(1)).ok());
  ASSERT_TRUE((*store)->offsets().Commit("g", "gone", 0, 1).ok());
  ASSERT_TRUE((*store)->DeleteTopic("gone").ok());
  EXPECT_EQ((*store)->DeleteTopic("gone").code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(tmp.path() + "/logs/gone-0"));
  EXPECT_FALSE(held->Append(testing::BuildSimpleBatch(1)).ok());  // a holder's appends fail
  EXPECT_EQ((*store)->offsets().Fetch("g", "gone", 0).offset, -1);
  // Recreated under the same name, it starts empty.
  ASSERT_TRUE((*store)->CreateTopic("gone", 1).ok());
  EXPECT_EQ((*store)->Partition("gone", 0)->high_watermark(), 0);
}

TEST(StoreTest, OrphanDirectoriesAreRemovedAtOpen) {
  testing::TempDir tmp;
  {
    auto store = Store::Open(io::FileSystem::Default(), tmp.path());
    ASSERT_TRUE((*store)->CreateTopic("keep", 1).ok());
  }
  fs::create_directories(tmp.path() + "/logs/ghost-0");
  fs::create_directories(tmp.path() + "/logs/keep-5");
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(fs::exists(tmp.path() + "/logs/ghost-0"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/logs/keep-5"));
  EXPECT_TRUE(fs::exists(tmp.path() + "/logs/keep-0"));
}

TEST(StoreTest, CreatePartitions) {
  testing::TempDir tmp;
  {
    auto store = Store::Open(io::FileSystem::Default(), tmp.path());
    ASSERT_TRUE((*store)->CreateTopic("t", 1).ok());
    EXPECT_EQ((*store)->CreatePartitions("t", 1).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE((*store)->CreatePartitions("t", 4).ok());
  }
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  EXPECT_EQ((*store)->GetTopic("t")->partitions, 4);
  EXPECT_NE((*store)->Partition("t", 3), nullptr);
}

TEST(StoreTest, FailedTopicsWriteCreatesNothing) {
  testing::TempDir tmp;
  io::FaultInjectingFileSystem ffs(io::FileSystem::Default());
  {
    auto store = Store::Open(ffs, tmp.path());
    ASSERT_TRUE(store.ok());
    ffs.Arm(io::FaultOp::kRename, 0, ENOSPC);  // the atomic write of the topics file fails
    auto t = (*store)->CreateTopic("t", 2);
    EXPECT_FALSE(t.ok());
    ffs.Disarm();
    EXPECT_TRUE((*store)->ListTopics().empty());
    EXPECT_EQ((*store)->Partition("t", 0), nullptr);
    EXPECT_FALSE(fs::exists(tmp.path() + "/logs/t-0"));
    ASSERT_TRUE((*store)->CreateTopic("u", 1).ok());
    ffs.Arm(io::FaultOp::kSync, 0, EIO);
    EXPECT_FALSE((*store)->DeleteTopic("u").ok());  // not deleted when the table cannot be saved
    ffs.Disarm();
    EXPECT_NE((*store)->Partition("u", 0), nullptr);
  }
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  ASSERT_EQ((*store)->ListTopics().size(), 1u);
  EXPECT_EQ((*store)->ListTopics()[0].name, "u");
}

TEST(StoreTest, SyncAllSyncsEveryDirtyPartition) {
  testing::TempDir tmp;
  auto store = Store::Open(io::FileSystem::Default(), tmp.path());
  ASSERT_TRUE((*store)->CreateTopic("a", 3).ok());
  ASSERT_TRUE((*store)->CreateTopic("b", 2).ok());
  for (auto& log : (*store)->AllPartitions()) ASSERT_TRUE(log->Append(testing::BuildSimpleBatch(2)).ok());
  EXPECT_TRUE((*store)->Partition("b", 1)->dirty());
  ASSERT_TRUE((*store)->SyncAll().ok());
  for (auto& log : (*store)->AllPartitions()) {
    EXPECT_FALSE(log->dirty()) << log->name();
    EXPECT_EQ(log->durable_offset(), 2);
  }
}

TEST(StoreTest, ProducerIdsNeverRepeatAcrossRestarts) {
  testing::TempDir tmp;
  std::set<int64_t> seen;
  for (int run = 0; run < 3; ++run) {
    auto store = Store::Open(io::FileSystem::Default(), tmp.path());
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 1500; ++i) {
      auto id = (*store)->NextProducerId();
      ASSERT_TRUE(id.ok());
      EXPECT_TRUE(seen.insert(*id).second) << *id;
      EXPECT_GE(*id, 0);
    }
  }
}

}  // namespace
}  // namespace evpipe::broker::storage
