// The Kafka-protocol server: one asio I/O thread accepts connections, splits
// frames, runs the request handlers and writes responses in request order.
// Between batches of I/O events it runs the group commit: every acks=all
// produce that arrived meanwhile is answered after one Sync of each partition
// it touched. Long-polling fetches and group joins park their response slot
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
#include <string>

#include "evpipe/broker/broker.h"
#include "evpipe/broker/group_coordinator.h"
#include "evpipe/broker/log_store.h"
#include "evpipe/broker/metrics.h"
#include "evpipe/broker/protocol/messages.h"

namespace evpipe::broker {

class Server;

// One response position on a connection; responses leave in slot order.
struct Slot {
  bool ready = false;
  bool no_response = false;  // acks=0 produce
  bool close = false;        // close the connection when this slot is reached
  std::string bytes;         // the whole response frame
};

// One client connection. Owned by shared_ptr: the server's set and any
// deferred handler (parked fetch, join, group commit) hold references.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server* server, asio::ip::tcp::socket socket);
  void Start();
  // Marks `slot` done and writes every ready response at the head.
  void Complete(const std::shared_ptr<Slot>& slot, std::string bytes);
  void CompleteNoResponse(const std::shared_ptr<Slot>& slot);
  // Answers nothing more: responses before `slot` are sent, then the connection closes.
  void CompleteClose(const std::shared_ptr<Slot>& slot);
  // Stops taking requests until `slot` completes (Kafka processes one
  // blocking request at a time per connection).
  void BlockOn(const std::shared_ptr<Slot>& slot) { blocker_ = slot; }
  // Appends the slot of a newly received request.
  void PushSlot(std::shared_ptr<Slot> slot) { slots_.push_back(std::move(slot)); }
  void Close();
  bool closed() const { return closed_; }
  const std::string& peer_host() const { return peer_host_; }

 private:
  void StartRead();
  void OnRead(const asio::error_code& ec, size_t n);
  void ProcessFrames();
  void Flush();
  void OnWrite(const asio::error_code& ec);

  Server* server_;
  asio::ip::tcp::socket socket_;
  std::string peer_host_;
  std::vector<char> read_buf_;
  std::string in_;      // bytes read, not yet split into frames
  std::deque<std::string> frames_;
  size_t frames_bytes_ = 0;
  std::deque<std::shared_ptr<Slot>> slots_;
  std::shared_ptr<Slot> blocker_;
  std::string out_;
  bool reading_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  bool process_posted_ = false;
};

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
  void TickGroups();
  void FlushGroupCommit();
  void WakeFetches(bool all);

  std::string Respond(const Header& h, const std::function<void(kafka_protocol::Writer&)>& body);
  void Dispatch(const ConnPtr& conn, const SlotPtr& slot, const Header& h, kafka_protocol::Reader& body);

  void HandleApiVersions(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleMetadata(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleProduce(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleFetch(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleListOffsets(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleFindCoordinator(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleJoinGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleSyncGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleHeartbeat(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleLeaveGroup(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleOffsetCommit(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleOffsetFetch(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleListGroups(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleDescribeGroups(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleCreateTopics(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleDeleteTopics(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleInitProducerId(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleDescribeConfigs(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);
  void HandleDeleteGroups(const ConnPtr& c, const SlotPtr& s, const Header& h, kafka_protocol::Reader& r);

  // Fills a fetch response; returns the record bytes it holds.
  size_t BuildFetch(const kafka_protocol::FetchRequest& req, kafka_protocol::FetchResponse& resp);
  // Answers a fetch; `built` is a response BuildFetch made for it just now
  // (nullptr: build it here), so ready data is read from the log once.
  void FinishFetch(const std::shared_ptr<PendingFetch>& pf, kafka_protocol::FetchResponse* built = nullptr);
  // Creates the topic when auto-creation allows; returns its partition count or -1.
  int32_t EnsureTopic(const std::string& topic, bool allow_create);
  void Malformed(const ConnPtr& c, const SlotPtr& s, const Header& h, const char* what);
  int64_t NowMs() const;

  BrokerOptions options_;
  std::unique_ptr<LogStore> store_;
  Metrics* metrics_;
  GroupCoordinator groups_;
  asio::io_context io_{1};
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::steady_timer group_timer_{io_};
  std::string host_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::set<ConnPtr> connections_;

  // Group commit: acks=all produce completions waiting for the next Sync.
  std::vector<std::function<void(const Status&)>> pending_syncs_;
  std::set<std::pair<std::string, int32_t>> dirty_partitions_;
  std::list<std::shared_ptr<PendingFetch>> pending_fetches_;
  bool data_arrived_ = false;
  int64_t last_retention_ms_ = 0;
};

}  // namespace evpipe::broker
