// The broker's network loop, response ordering and group commit (see server.h).
#include "evpipe/broker/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;

// Handlers run per batch before the group commit gets its turn.
constexpr int kMaxHandlersPerRound = 512;

}  // namespace

// ---- Server ----

Server::Server(const BrokerOptions& options, std::unique_ptr<LogStore> store, Metrics* metrics)
    : options_(options), store_(std::move(store)), metrics_(metrics), groups_(metrics) {
  ctx_.store = store_.get();
  ctx_.metrics = metrics_;
  ctx_.options = options_;
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

Server::~Server() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

int64_t Server::NowMs() const { return MonotonicMicros() / 1000; }

Status Server::Listen() {
  EVPIPE_ASSIGN_OR_RETURN(auto hp, ParseHostPort(options_.listen));
  asio::error_code ec;
  auto address = asio::ip::make_address(hp.first == "localhost" ? "127.0.0.1" : hp.first, ec);
  if (ec) return Status::InvalidArgument("--listen " + options_.listen + ": " + ec.message());
  asio::ip::tcp::endpoint ep(address, hp.second);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("listen on " + options_.listen + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  host_ = address.is_unspecified() ? "127.0.0.1" : address.to_string();
  ctx_.host = host_;
  ctx_.port = port_;
  for (const std::string& topic : store_->ListTopics()) {
    for (int32_t p = 0; p < store_->PartitionCount(topic); ++p) {
      if (PartitionLog* log = store_->Partition(topic, p)) metrics_->SetHighWatermark(topic, p, log->high_watermark());
    }
  }
  return Status::Ok();
}

void Server::Accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopping_) return;
    if (ec) return OnAcceptError(ec);
    std::erase_if(connections_, [](const ConnPtr& c) { return c->closed(); });
    if (connections_.size() >= static_cast<size_t>(options_.max_connections)) {
      metrics_->connections_refused.fetch_add(1);
      if (metrics_->connections_refused.load() % 1000 == 1) {
        log::Warn("{} connections open (--max-connections): closing new ones", connections_.size());
      }
      asio::error_code ignored;
      socket.close(ignored);
      return Accept();
    }
    auto conn = std::make_shared<Connection>(this, std::move(socket), next_connection_id_++, NowMs());
    metrics_->connections_total.fetch_add(1);
    metrics_->connections_open.fetch_add(1);
    connections_.insert(conn);
    conn->Start();
    Accept();
  });
}

void Server::OnAcceptError(const asio::error_code& ec) {
  if (ec == asio::error::operation_aborted) return;
  bool no_fds = ec.value() == EMFILE || ec.value() == ENFILE || ec.value() == ENOBUFS || ec.value() == ENOMEM;
  if (no_fds) {
    // Out of fds: the pending connection would make the acceptor readable
    // again at once (a busy loop). Use the spare fd to accept and drop it,
    // then wait before accepting again.
    metrics_->connections_refused.fetch_add(1);
    if (spare_fd_ >= 0) {
      ::close(spare_fd_);
      int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) ::close(fd);
      spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (metrics_->connections_refused.load() % 1000 == 1) log::Warn("accept: {}; backing off", ec.message());
  } else {
    log::Warn("accept: {}", ec.message());
  }
  accept_timer_.expires_after(std::chrono::milliseconds(no_fds ? 100 : 10));
  accept_timer_.async_wait([this](const asio::error_code& tec) {
    if (!tec && !stopping_) Accept();
  });
}

void Server::OnConnectionClosed(uint64_t id) {
  asio::post(io_, [this, id] { groups_.ConnectionClosed(id, NowMs()); });
}

void Server::TickGroups() {
  group_timer_.expires_after(std::chrono::milliseconds(100));
  group_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_) return;
    int64_t now = NowMs();
    groups_.Tick(now);
    if (now - last_group_sweep_ms_ >= 1000) {
      // Groups with neither members nor committed offsets are forgotten
      // (and their metrics entry), so group ids a client invents do not pile up.
      last_group_sweep_ms_ = now;
      if (groups_.HasEmptyGroups()) {
        auto with_offsets = store_->GroupsWithOffsets();
        std::set<std::string> keep(with_offsets.begin(), with_offsets.end());
        groups_.ForgetEmptyGroups(now, [&keep](const std::string& g) { return keep.count(g) > 0; });
      }
    }
    // Deadlines and idle timeouts; forget closed connections.
    for (const ConnPtr& c : connections_) {
      c->CheckTimers(now, options_.request_deadline_ms, options_.connections_max_idle_ms);
    }
    std::erase_if(connections_, [](const ConnPtr& c) { return c->closed(); });
    if (now - last_retention_ms_ > 10'000) {
      last_retention_ms_ = now;
      // No wait for the group commit's fsyncs: storage's Sync holds the
      // segment file it fsyncs, so retention may roll and delete meanwhile
      // (PartitionLogTest.ConcurrentSyncAndRetention).
      store_->ApplyRetention();
    }
    TickGroups();
  });
}

void Server::Stop() {
  stopping_ = true;
  io_.stop();
}

void Server::Run() {
  auto guard = asio::make_work_guard(io_);
  last_retention_ms_ = NowMs();
  Accept();
  TickGroups();
  while (!stopping_) {
    io_.run_one_for(std::chrono::milliseconds(200));
    for (int i = 0; i < kMaxHandlersPerRound && io_.poll_one() > 0; ++i) {
    }
    if (data_arrived_) {
      data_arrived_ = false;
      WakeFetches(false);
    }
    FlushGroupCommit();
  }
  // Clean shutdown: stop accepting, answer what is in flight, sync, close.
  io_.restart();
  asio::error_code ignored;
  acceptor_.close(ignored);
  accept_timer_.cancel();
  group_timer_.cancel();
  DrainGroupCommit();
  WakeFetches(true);
  // Let the answers just queued reach their sockets.
  io_.run_for(std::chrono::milliseconds(300));
  DrainGroupCommit();
  for (const ConnPtr& c : connections_) c->Close();
  connections_.clear();
  io_.poll();
  Status s = store_->Close();
  if (!s.ok()) log::Error("closing the log store: {}", s.ToString());
}

void Server::DrainGroupCommit() {
  int64_t deadline = NowMs() + 60'000;
  while ((sync_pool_.busy() || !sync_waiters_.empty() || !dirty_partitions_.empty()) && NowMs() < deadline) {
    FlushGroupCommit();
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  sync_pool_.Wait();
}

void Server::FlushGroupCommit() {
  sync_waiters_.Release(Status::Ok());  // a roll's fsync on this thread also moves durable offsets
  if (dirty_partitions_.empty() || sync_pool_.full()) return;  // a round's end starts the next one
  // One fsync per touched partition, on the pool: the round takes about one
  // fsync whatever the partition count, and the I/O thread goes on serving.
  std::vector<SyncPool::Target> targets;
  for (const auto& tp : dirty_partitions_) {
    if (PartitionLog* log = store_->Partition(tp.first, tp.second)) targets.push_back({tp.first, tp.second, log});
  }
  dirty_partitions_.clear();
  sync_pool_.Start(std::move(targets), [this](const Status& status) {
    ++sync_rounds_done_;
    sync_waiters_.Release(status);
    // What arrived during this round.
    FlushGroupCommit();
  });
}

void Server::AnswerWhenDurable(const kp::ProduceResponse& response, SyncWaiters::Answer answer) {
  // Every partition answered ok, also one whose batches were all duplicates:
  // the first copy may still be on its way to the disk.
  std::vector<SyncWaiters::Need> needs;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) continue;
      PartitionLog* log = store_->Partition(t.name, p.index);
      if (log == nullptr || log->durable_offset() >= log->high_watermark()) continue;
      needs.push_back({t.name, log, log->high_watermark()});
      dirty_partitions_.insert({t.name, p.index});
    }
  }
  sync_waiters_.Add(std::move(needs), std::move(answer));
}

namespace {

void EncodeFrame(kp::Writer& w, const kp::RequestHeader& h, const std::function<void(kp::Writer&)>& body) {
  w.Int32(0);
  kp::EncodeResponseHeader(w, h.api_key, h.api_version, h.correlation_id);
  body(w);
  w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
}

}  // namespace

std::string Server::Respond(const Header& h, const std::function<void(kp::Writer&)>& body) {
  kp::Writer w;
  EncodeFrame(w, h, body);
  return w.Release();
}

ResponseFrame Server::RespondSpliced(const Header& h, const std::function<void(kp::Writer&)>& body) {
  kp::Writer w;
  w.SpliceBytesFrom(kSpliceMinBytes);
  EncodeFrame(w, h, body);
  ResponseFrame f;
  f.splices = w.ReleaseSplices();
  f.head = w.Release();
  return f;
}

void Server::Malformed(const ConnPtr& c, const SlotPtr& s, const Header& h, const char* what) {
  metrics_->malformed_requests.fetch_add(1);
  metrics_->CountError(h.api_key);
  log::Warn("connection from {}: {} request v{} (correlation id {}): {}, closing", c->peer_host(),
            kp::ApiName(h.api_key), h.api_version, h.correlation_id, what);
  c->CompleteClose(s);
}

void Server::HandleRequest(const ConnPtr& conn, std::string frame) {
  auto slot = std::make_shared<Slot>();
  conn->PushSlot(slot);
  kp::Reader r(frame);
  r.SetEntryLimit(static_cast<size_t>(options_.max_request_entries));
  Header h;
  if (!h.Decode(r)) {
    metrics_->CountRequest(-1);
    Malformed(conn, slot, h, "bad request header");
    return;
  }
  metrics_->CountRequest(h.api_key);
  Dispatch(conn, slot, h, r);
}

}  // namespace evpipe::broker
