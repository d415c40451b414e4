// The Kafka-protocol server: one asio I/O thread accepts connections (up to
// --max-connections; at fd exhaustion it backs off), runs the request
// handlers and hands responses to their Connection (connection.h). Between
// batches of I/O events it starts the group commit: the partitions touched
// since the last round are synced on the SyncPool (group_commit.h), off this
// thread, and each acks=all produce is answered once what it wrote is durable. Long-polling fetches and group joins park their response slot
// until data arrives, the rebalance completes or their time is up.
// Internal to the broker module; RunBroker (broker.h) is the entry point.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>

#include "evpipe/broker/broker.h"
#include "evpipe/broker/connection.h"
#include "evpipe/broker/group_commit.h"
#include "evpipe/broker/handler_context.h"
#include "evpipe/broker/group_coordinator.h"
#include "evpipe/broker/log_store.h"
#include "evpipe/broker/metrics.h"
#include "evpipe/broker/protocol/messages.h"

namespace evpipe::broker {

class Server {
 public:
  Server(const BrokerOptions& options, std::unique_ptr<LogStore> store, Metrics* metrics);
  ~Server();
  Status Listen();
  uint16_t port() const { return port_; }
  const std::string& advertised_host() const { return host_; }
  // Runs the I/O loop until Stop() (or a signal handled by the caller).
  void Run();
  void Stop();  // thread-safe

  // Called by Connection for each complete request frame.
  void HandleRequest(const std::shared_ptr<Connection>& conn, std::string frame);
  asio::io_context& io() { return io_; }
  Metrics* metrics() { return metrics_; }
  int64_t NowMs() const;
  // The one read buffer every connection reads into (one I/O thread).
  std::span<char> ReadScratch() { return {read_scratch_.data(), read_scratch_.size()}; }
  // Bytes of request frames buffered across connections, and its budget.
  void AddBuffered(int64_t delta) { buffered_bytes_ += delta; }
  bool OverBufferBudget() const { return buffered_bytes_ > kMaxBufferedBytes; }
  // A connection closed: its pending group joins are dropped (posted, so
  // it never re-enters the coordinator).
  void OnConnectionClosed(uint64_t id);

  // Frame bytes all connections may buffer together before those in the
  // middle of a frame stop reading.
  static constexpr int64_t kMaxBufferedBytes = int64_t{256} << 20;

 private:
  using Header = kafka_protocol::RequestHeader;
  using ConnPtr = std::shared_ptr<Connection>;
  using SlotPtr = std::shared_ptr<Slot>;

  struct PendingFetch {
    ConnPtr conn;
    SlotPtr slot;
    Header header;
    kafka_protocol::FetchRequest request;
    std::unique_ptr<asio::steady_timer> timer;
    bool done = false;
  };

  void Accept();
  void OnAcceptError(const asio::error_code& ec);
  void TickGroups();
  void FlushGroupCommit();
  // acks=all: `answer` runs once every partition `response` answers ok is
  // durable up to its high watermark now (at once when it is already).
  void AnswerWhenDurable(const kafka_protocol::ProduceResponse& response, SyncWaiters::Answer answer);
  // Runs the loop until no group commit is pending or running (shutdown).
  void DrainGroupCommit();
  void WakeFetches(bool all);

  std::string Respond(const Header& h, const std::function<void(kafka_protocol::Writer&)>& body);
  // As Respond, with byte fields of kSpliceMinBytes or more left in place
  // (ResponseFrame): the caller sets the frame's owner to keep them alive.
  ResponseFrame RespondSpliced(const Header& h, const std::function<void(kafka_protocol::Writer&)>& body);
  static constexpr size_t kSpliceMinBytes = 4096;
  void Dispatch(const ConnPtr& conn, const SlotPtr& slot, const Header& h, kafka_protocol::Reader& body);

  // Decodes a Request, answers with handler(request) at once (dispatch.cc).
  template <typename Request, typename Handler>
  void Answer(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r, Handler handler);
  void HandleApiVersions(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleProduce(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleFetch(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleJoinGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleSyncGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleHeartbeat(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void FinishFetch(const std::shared_ptr<PendingFetch>& pf);
  void Malformed(const ConnPtr& c, const SlotPtr& s, const Header& h, const char* what);

  BrokerOptions options_;
  std::unique_ptr<LogStore> store_;
  Metrics* metrics_;
  GroupCoordinator groups_;
  HandlerContext ctx_;  // what the pure handlers see
  asio::io_context io_{1};
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::steady_timer group_timer_{io_};
  std::string host_;
  uint16_t port_ = 0;
  asio::steady_timer accept_timer_{io_};
  std::atomic<bool> stopping_{false};
  std::set<ConnPtr> connections_;
  uint64_t next_connection_id_ = 1;
  std::vector<char> read_scratch_ = std::vector<char>(256 * 1024);
  int64_t buffered_bytes_ = 0;
  int spare_fd_ = -1;  // closed to accept-and-drop one connection at fd exhaustion
  int64_t last_group_sweep_ms_ = 0;

  // Group commit (group_commit.h): acks=all produces waiting until what they
  // wrote is durable, and the partitions written since the last round started.
  SyncWaiters sync_waiters_;
  std::set<std::pair<std::string, int32_t>> dirty_partitions_;
  SyncPool sync_pool_{io_, metrics_};
  uint64_t sync_rounds_done_ = 0;  // group commit rounds ended (metrics)
  std::list<std::shared_ptr<PendingFetch>> pending_fetches_;
  bool data_arrived_ = false;
  int64_t last_retention_ms_ = 0;
};

}  // namespace evpipe::broker
