// The console's HTTP side without a broker: the loopback rules, the page and
// its headers, and every error answer (unreachable broker, bad parameters,
// missing data dirs) as JSON within the broker timeout.
#include "evpipe/console/console.h"

#include <httplib.h>

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "evpipe/io/file_system.h"
#include "support/temp_dir.h"

namespace evpipe::console {
namespace {

TEST(IsLoopbackHost, AcceptsLoopbackOnly) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) EXPECT_TRUE(IsLoopbackHost(h)) << h;
  for (const char* h : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com", "localhost.evil.com", ""}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
}

TEST(ConsoleBind, RefusesANonLoopbackAddressUnlessAsked) {
  ConsoleOptions o;
  o.host = "0.0.0.0";
  o.port = 0;
  Console refused(o);
  auto r = refused.Bind();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--allow-remote"), std::string::npos) << r.status().message();

  o.allow_remote = true;
  Console allowed(o);
  EXPECT_TRUE(allowed.Bind().ok());
}

class ConsoleServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConsoleOptions o;
    o.port = 0;
    o.bootstrap = "127.0.0.1:1";  // nothing listens on port 1
    o.broker_timeout_ms = 1000;
    o.topic = "events";
    o.raw_dir = io::JoinPath(tmp_.path(), "raw");
    o.parquet_dir = io::JoinPath(tmp_.path(), "parquet");
    o.quarantine_dir = io::JoinPath(tmp_.path(), "quarantine");
    console_ = std::make_unique<Console>(o);
    auto port = console_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    serving_ = std::thread([this] { EXPECT_TRUE(console_->Serve().ok()); });
  }
  void TearDown() override {
    if (console_) console_->Stop();
    if (serving_.joinable()) serving_.join();
  }
  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(20, 0);
    return client.Get(path.c_str(), headers);
  }

  testing::TempDir tmp_;
  std::unique_ptr<Console> console_;
  int port_ = 0;
  std::thread serving_;
};

TEST_F(ConsoleServerTest, ServesThePageFromTheBinaryWithAStrictPolicy) {
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("evpipe console"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  // Nothing on the page comes from elsewhere.
  EXPECT_EQ(page->body.find("http://"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
  auto js = Get("/console.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->get_header_value("Content-Type").find("javascript"), std::string::npos);
  EXPECT_NE(js->body.find("/api/topics"), std::string::npos);
  auto css = Get("/console.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
}

TEST_F(ConsoleServerTest, AnUnreachableBrokerIsAJsonErrorWithinTheTimeout) {
  for (const char* path : {"/api/topics", "/api/groups", "/api/groups/raw-sink", "/api/records?topic=events"}) {
    auto start = std::chrono::steady_clock::now();
    auto res = Get(path);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path << ": " << res->body;
    EXPECT_NE(res->body.find(R"("error":"cannot reach a Kafka broker at 127.0.0.1:1)"), std::string::npos)
        << path << ": " << res->body;
    EXPECT_NE(res->body.find(R"("code":"unavailable")"), std::string::npos) << res->body;
    EXPECT_LT(seconds, 10.0) << path;  // a bound, not a benchmark: the broker timeout is 1 s
  }
}

TEST_F(ConsoleServerTest, MissingDataDirsAreAClearJsonError) {
  auto res = Get("/api/lake");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_NE(res->body.find("no lake data for topic events"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("make sink-raw"), std::string::npos) << res->body;
}

TEST_F(ConsoleServerTest, BadParametersAreRefusedBeforeAnyBrokerCall) {
  struct Case {
    const char* path;
    const char* says;
  };
  for (const Case& c : {Case{"/api/records", "topic= is required"},
                        Case{"/api/records?topic=events&partition=x", "partition="},
                        Case{"/api/records?topic=events&partition=-1", "partition="},
                        Case{"/api/records?topic=events&offset=-5", "offset="},
                        Case{"/api/records?topic=events&limit=0", "limit="},
                        Case{"/api/records?topic=events&limit=100000", "limit="},
                        Case{"/api/records?topic=a/b", "invalid topic name"},
                        Case{"/api/lake?topic=../../etc", "invalid topic name"}}) {
    auto res = Get(c.path);
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, 400) << c.path << ": " << res->body;
    EXPECT_NE(res->body.find(c.says), std::string::npos) << c.path << ": " << res->body;
  }
  auto unknown = Get("/api/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("no such API"), std::string::npos);
}

TEST_F(ConsoleServerTest, AnswersLoopbackHostNamesOnly) {
  // A page elsewhere reaching us through a name that resolves to 127.0.0.1.
  auto rebound = Get("/api/config", {{"Host", "evil.example:8080"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  EXPECT_NE(rebound->body.find("loopback names only"), std::string::npos);
  for (const char* host : {"localhost:8080", "127.0.0.1", "[::1]:8080"}) {
    auto ok = Get("/api/config", {{"Host", host}});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << host;
    EXPECT_NE(ok->body.find(R"("read_only":true)"), std::string::npos);
  }
}

TEST_F(ConsoleServerTest, IsReadOnly) {
  httplib::Client client("127.0.0.1", port_);
  std::vector<httplib::Result> answers;
  answers.push_back(client.Post("/api/groups/raw-sink", "{}", "application/json"));
  answers.push_back(client.Delete("/api/topics"));
  answers.push_back(client.Put("/", "x", "text/plain"));
  for (const httplib::Result& res : answers) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    EXPECT_NE(res->body.find("read-only"), std::string::npos);
  }
}

}  // namespace
}  // namespace evpipe::console
