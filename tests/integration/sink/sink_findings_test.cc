// Regression tests for the security audit's sink findings (17): a missing
// topic with --exit-at-end, and topic names that would escape RAW_DIR. In
// process, against librdkafka's mock cluster.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "evpipe/io/file_system.h"
#include "evpipe/sink/sink.h"
#include "integration/sink/sink_support.h"
#include "support/temp_dir.h"

namespace evpipe::sink {
namespace {

class SinkFindingsTest : public ::testing::Test {
 protected:
  SinkOptions Options(const std::string& topic) {
    SinkOptions o;
    o.bootstrap = cluster_.bootstrap();
    o.topic = topic;
    o.group = "g";
    o.raw_dir = tmp_.path() + "/a/b/raw";
    o.quarantine_dir = tmp_.path() + "/a/b/quarantine";
    o.exit_at_end = true;
    o.topic_wait_ms = 1500;
    o.kafka_properties = {{"log_level", "3"}};
    return o;
  }
  // Runs the sink; fails the test (and stops the sink) when it does not return in time.
  Status RunBounded(const SinkOptions& o, std::chrono::seconds limit) {
    auto classifier = NewEventClassifier(kDefaultValidation);
    Sink s(o, io::FileSystem::Default(), *classifier);
    std::atomic<bool> stop{false};
    std::promise<Status> done;
    std::future<Status> result = done.get_future();
    std::thread t([&] { done.set_value(s.Run(stop)); });
    bool returned = result.wait_for(limit) == std::future_status::ready;
    stop = true;
    t.join();
    EXPECT_TRUE(returned) << "sink-raw did not return within " << limit.count() << " s";
    return result.get();
  }

  ::evpipe::testing::TempDir tmp_;
  testing::MockCluster cluster_;
};

TEST_F(SinkFindingsTest, ExitAtEndOnAMissingTopicFailsAfterABoundedWait) {
  cluster_.CreateTopic("events", 1);
  SinkOptions o = Options("nosuchtopic");
  auto start = std::chrono::steady_clock::now();
  Status st = RunBounded(o, std::chrono::seconds(30));
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
  EXPECT_NE(st.message().find("nosuchtopic does not exist"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find('\n'), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));  // it did wait
  // Nothing was created for the topic that is not there.
  EXPECT_FALSE(io::FileSystem::Default().Exists(o.raw_dir + "/nosuchtopic"));
}

TEST_F(SinkFindingsTest, TopicsThatAreNotKafkaNamesAreRefusedBeforeAnythingIsCreated) {
  cluster_.CreateTopic("events", 1);
  for (const char* topic : {"../../escaped", "a/b", "..", ""}) {
    SCOPED_TRACE(topic);
    SinkOptions o = Options(topic);
    Status st = RunBounded(o, std::chrono::seconds(30));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find("invalid topic name"), std::string::npos) << st.ToString();
    EXPECT_FALSE(io::FileSystem::Default().Exists(tmp_.path() + "/a/escaped"));
    EXPECT_FALSE(io::FileSystem::Default().Exists(tmp_.path() + "/a/b/raw"));
  }
}

}  // namespace
}  // namespace evpipe::sink
