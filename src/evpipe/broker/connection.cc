// Frame splitting, response ordering and the per-connection timers (see connection.h).
#include "evpipe/broker/connection.h"

#include "evpipe/broker/broker.h"
#include "evpipe/broker/protocol/wire.h"
#include "evpipe/broker/server.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
namespace {

namespace kp = evpipe::kafka_protocol;

// Per connection: stop reading while this many requests wait for processing
// or for their response, so memory stays bounded whatever a client sends.
constexpr size_t kMaxQueuedFrames = 256;
constexpr size_t kMaxQueuedFrameBytes = 128 * 1024 * 1024;
constexpr size_t kMaxOpenSlots = 1024;
// Buffers above this capacity are released once empty, so one large request
// does not leave its memory with an idle connection.
constexpr size_t kKeepBufferCapacity = 64 * 1024;

}  // namespace

Connection::Connection(Server* server, asio::ip::tcp::socket socket, uint64_t id, int64_t now_ms)
    : server_(server), socket_(std::move(socket)), id_(id), last_activity_ms_(now_ms) {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_host_ = ec ? "unknown" : ep.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
}

void Connection::Start() { StartRead(); }

void Connection::SetBuffered(size_t n) {
  server_->AddBuffered(static_cast<int64_t>(n) - static_cast<int64_t>(buffered_));
  buffered_ = n;
}

void Connection::StartRead() {
  if (reading_ || closed_) return;
  if (frames_.size() >= kMaxQueuedFrames || frames_bytes_ >= kMaxQueuedFrameBytes || slots_.size() >= kMaxOpenSlots) {
    return;  // resumed by ProcessFrames / Flush
  }
  // Over the broker-wide budget, a connection in the middle of a frame waits
  // (CheckTimers retries; the frame deadline ends a sender that never finishes).
  if (!in_.empty() && server_->OverBufferBudget()) {
    paused_ = true;
    return;
  }
  paused_ = false;
  reading_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const asio::error_code& ec) { self->OnReadable(ec); });
}

void Connection::OnReadable(const asio::error_code& ec) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  std::span<char> scratch = server_->ReadScratch();
  asio::error_code rec;
  size_t n = socket_.read_some(asio::buffer(scratch.data(), scratch.size()), rec);
  if (rec == asio::error::would_block || rec == asio::error::try_again) {
    StartRead();
    return;
  }
  if (rec) {
    Close();
    return;
  }
  int64_t now = server_->NowMs();
  last_activity_ms_ = now;
  if (in_.empty()) frame_started_ms_ = now;
  in_.append(scratch.data(), n);
  size_t pos = 0;
  while (in_.size() - pos >= 4) {
    auto size = static_cast<int32_t>(kp::LoadBE32(in_.data() + pos));
    if (size < 8 || size > kMaxRequestBytes) {
      log::Warn("connection from {}: request size {} out of range, closing", peer_host_, size);
      server_->metrics()->malformed_requests.fetch_add(1);
      Close();
      return;
    }
    if (in_.size() - pos - 4 < static_cast<size_t>(size)) {
      // Room for exactly this frame, instead of doubling past it.
      if (pos == 0) in_.reserve(4 + static_cast<size_t>(size));
      break;
    }
    frames_.emplace_back(in_, pos + 4, static_cast<size_t>(size));
    frames_bytes_ += static_cast<size_t>(size);
    pos += 4 + static_cast<size_t>(size);
  }
  if (pos > 0) {
    in_.erase(0, pos);
    frame_started_ms_ = now;
    if (in_.empty() && in_.capacity() > kKeepBufferCapacity) std::string().swap(in_);
  }
  SetBuffered(in_.size() + frames_bytes_);
  ProcessFrames();
  StartRead();
}

void Connection::ProcessFrames() {
  auto self = shared_from_this();
  while (!closed_ && !blocker_ && !frames_.empty() && slots_.size() < kMaxOpenSlots) {
    std::string frame = std::move(frames_.front());
    frames_.pop_front();
    frames_bytes_ -= frame.size();
    SetBuffered(in_.size() + frames_bytes_);
    server_->HandleRequest(self, std::move(frame));
  }
}

void Connection::CheckTimers(int64_t now_ms, int64_t deadline_ms, int64_t idle_ms) {
  if (closed_) return;
  if (!in_.empty() && now_ms - frame_started_ms_ > deadline_ms) {
    log::Warn("connection from {}: request frame not complete after {} ms ({} bytes), closing", peer_host_,
              now_ms - frame_started_ms_, in_.size());
    server_->metrics()->connections_timed_out.fetch_add(1);
    Close();
    return;
  }
  bool idle = in_.empty() && frames_.empty() && slots_.empty() && !writing_;
  if (idle && now_ms - last_activity_ms_ > idle_ms) {
    log::Info("connection from {}: idle for {} ms, closing", peer_host_, now_ms - last_activity_ms_);
    server_->metrics()->connections_timed_out.fetch_add(1);
    Close();
    return;
  }
  if (paused_) StartRead();
}

void Connection::Complete(const std::shared_ptr<Slot>& slot, std::string bytes) {
  Complete(slot, ResponseFrame{std::move(bytes), {}, nullptr});
}

void Connection::Complete(const std::shared_ptr<Slot>& slot, ResponseFrame frame) {
  if (closed_) return;
  slot->frame = std::move(frame);
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
  Complete(slot, ResponseFrame{});
}

void Connection::CompleteClose(const std::shared_ptr<Slot>& slot) {
  slot->close = true;
  frames_.clear();
  frames_bytes_ = 0;
  SetBuffered(in_.size());
  Complete(slot, ResponseFrame{});
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
    if (!s->no_response) out_.push_back(std::move(s->frame));
  }
  out_buffers_.clear();
  for (const ResponseFrame& f : out_) {
    size_t at = 0;
    for (const auto& sp : f.splices) {
      if (sp.at > at) out_buffers_.emplace_back(f.head.data() + at, sp.at - at);
      if (!sp.bytes.empty()) out_buffers_.emplace_back(sp.bytes.data(), sp.bytes.size());
      at = sp.at;
    }
    if (f.head.size() > at) out_buffers_.emplace_back(f.head.data() + at, f.head.size() - at);
  }
  if (out_buffers_.empty()) {
    out_.clear();
    if (close_after_write_) Close();
    StartRead();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, out_buffers_,
                    [self = shared_from_this()](const asio::error_code& ec, size_t) { self->OnWrite(ec); });
}

void Connection::OnWrite(const asio::error_code& ec) {
  writing_ = false;
  last_activity_ms_ = server_->NowMs();
  out_.clear();
  out_buffers_.clear();
  if (out_buffers_.capacity() > kKeepBufferCapacity / sizeof(asio::const_buffer)) {
    std::vector<asio::const_buffer>().swap(out_buffers_);
  }
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
  frames_bytes_ = 0;
  std::string().swap(in_);
  SetBuffered(0);
  slots_.clear();
  blocker_.reset();
  server_->metrics()->connections_open.fetch_sub(1);
  server_->OnConnectionClosed(id_);
}

}  // namespace evpipe::broker
