// The broker's network loop, response ordering and group commit (see server.h).
#include "evpipe/broker/server.h"

#include <chrono>
#include <future>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;

constexpr size_t kReadChunk = 256 * 1024;
// Per connection: stop reading while this many requests wait for processing
// or for their response, so memory stays bounded whatever a client sends.
constexpr size_t kMaxQueuedFrames = 256;
constexpr size_t kMaxQueuedFrameBytes = 128 * 1024 * 1024;
constexpr size_t kMaxOpenSlots = 1024;
// Handlers run per batch before the group commit gets its turn.
constexpr int kMaxHandlersPerRound = 512;

}  // namespace

// ---- Connection ----

Connection::Connection(Server* server, asio::ip::tcp::socket socket)
    : server_(server), socket_(std::move(socket)), read_buf_(kReadChunk) {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_host_ = ec ? "unknown" : ep.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::Start() { StartRead(); }

void Connection::StartRead() {
  if (reading_ || closed_) return;
  if (frames_.size() >= kMaxQueuedFrames || frames_bytes_ >= kMaxQueuedFrameBytes || slots_.size() >= kMaxOpenSlots) {
    return;  // resumed by ProcessFrames / Flush
  }
  reading_ = true;
  socket_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->OnRead(ec, n); });
}

void Connection::OnRead(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  in_.append(read_buf_.data(), n);
  size_t pos = 0;
  while (in_.size() - pos >= 4) {
    auto size = static_cast<int32_t>(kp::LoadBE32(in_.data() + pos));
    if (size < 8 || size > kMaxRequestBytes) {
      log::Warn("connection from {}: request size {} out of range, closing", peer_host_, size);
      server_->metrics()->malformed_requests.fetch_add(1);
      Close();
      return;
    }
    if (in_.size() - pos - 4 < static_cast<size_t>(size)) break;
    frames_.emplace_back(in_, pos + 4, static_cast<size_t>(size));
    frames_bytes_ += static_cast<size_t>(size);
    pos += 4 + static_cast<size_t>(size);
  }
  in_.erase(0, pos);
  ProcessFrames();
  StartRead();
}

void Connection::ProcessFrames() {
  auto self = shared_from_this();
  while (!closed_ && !blocker_ && !frames_.empty() && slots_.size() < kMaxOpenSlots) {
    std::string frame = std::move(frames_.front());
    frames_.pop_front();
    frames_bytes_ -= frame.size();
    server_->HandleRequest(self, std::move(frame));
  }
}

void Connection::Complete(const std::shared_ptr<Slot>& slot, std::string bytes) {
  if (closed_) return;
  slot->bytes = std::move(bytes);
  slot->ready = true;
  if (blocker_ == slot) {
    blocker_.reset();
    // Continue with queued requests later: the caller may be inside the
    // group coordinator or the fetch list and must not be re-entered.
    if (!process_posted_) {
      process_posted_ = true;
      asio::post(server_->io(), [self = shared_from_this()] {
        self->process_posted_ = false;
        self->ProcessFrames();
        self->StartRead();
      });
    }
  }
  Flush();
}

void Connection::CompleteNoResponse(const std::shared_ptr<Slot>& slot) {
  slot->no_response = true;
  Complete(slot, {});
}

void Connection::CompleteClose(const std::shared_ptr<Slot>& slot) {
  slot->close = true;
  frames_.clear();
  frames_bytes_ = 0;
  Complete(slot, {});
}

void Connection::Flush() {
  if (closed_ || writing_) return;
  while (!slots_.empty() && slots_.front()->ready) {
    std::shared_ptr<Slot> s = std::move(slots_.front());
    slots_.pop_front();
    if (s->close) {
      close_after_write_ = true;
      slots_.clear();
      break;
    }
    if (!s->no_response) out_ += s->bytes;
  }
  if (out_.empty()) {
    if (close_after_write_) Close();
    StartRead();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_),
                    [self = shared_from_this()](const asio::error_code& ec, size_t) { self->OnWrite(ec); });
}

void Connection::OnWrite(const asio::error_code& ec) {
  writing_ = false;
  out_.clear();
  if (ec) {
    Close();
    return;
  }
  Flush();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  frames_.clear();
  slots_.clear();
  blocker_.reset();
  server_->metrics()->connections_open.fetch_sub(1);
}

// ---- Server ----

Server::Server(const BrokerOptions& options, std::unique_ptr<LogStore> store, Metrics* metrics)
    : options_(options), store_(std::move(store)), metrics_(metrics), groups_(metrics) {}

Server::~Server() = default;

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
    if (!ec) {
      auto conn = std::make_shared<Connection>(this, std::move(socket));
      metrics_->connections_total.fetch_add(1);
      metrics_->connections_open.fetch_add(1);
      connections_.insert(conn);
      conn->Start();
    }
    Accept();
  });
}

void Server::TickGroups() {
  group_timer_.expires_after(std::chrono::milliseconds(100));
  group_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_) return;
    groups_.Tick(NowMs());
    // Forget closed connections.
    std::erase_if(connections_, [](const ConnPtr& c) { return c->closed(); });
    int64_t now = NowMs();
    if (now - last_retention_ms_ > 10'000) {
      last_retention_ms_ = now;
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
  group_timer_.cancel();
  FlushGroupCommit();
  WakeFetches(true);
  // Let the answers just queued reach their sockets.
  io_.run_for(std::chrono::milliseconds(300));
  FlushGroupCommit();
  for (const ConnPtr& c : connections_) c->Close();
  connections_.clear();
  Status s = store_->Close();
  if (!s.ok()) log::Error("closing the log store: {}", s.ToString());
}

void Server::FlushGroupCommit() {
  if (pending_syncs_.empty() && dirty_partitions_.empty()) return;
  // One fsync per touched partition, all partitions in parallel: the round
  // takes about one fsync whatever the partition count.
  std::vector<std::pair<const std::pair<std::string, int32_t>*, PartitionLog*>> logs;
  for (const auto& tp : dirty_partitions_) {
    if (PartitionLog* log = store_->Partition(tp.first, tp.second)) logs.emplace_back(&tp, log);
  }
  auto sync_one = [this](PartitionLog* log) {
    int64_t start = MonotonicMicros();
    Status s = log->Sync();
    metrics_->RecordFsync(static_cast<uint64_t>(MonotonicMicros() - start));
    return s;
  };
  std::vector<std::future<Status>> others;
  for (size_t i = 1; i < logs.size(); ++i) others.push_back(std::async(std::launch::async, sync_one, logs[i].second));
  std::vector<Status> results;
  if (!logs.empty()) results.push_back(sync_one(logs[0].second));
  for (auto& f : others) results.push_back(f.get());
  Status status;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      log::Error("topic={} partition={}: sync failed: {}", logs[i].first->first, logs[i].first->second,
                 results[i].ToString());
      status = results[i];
    }
  }
  dirty_partitions_.clear();
  auto callbacks = std::move(pending_syncs_);
  pending_syncs_.clear();
  for (auto& cb : callbacks) cb(status);
}

std::string Server::Respond(const Header& h, const std::function<void(kp::Writer&)>& body) {
  kp::Writer w;
  w.Int32(0);
  kp::EncodeResponseHeader(w, h.api_key, h.api_version, h.correlation_id);
  body(w);
  w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
  return w.Release();
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
