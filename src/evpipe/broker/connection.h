// One Kafka client connection of the broker's server: reads and splits
// request frames, hands each to the Server, and writes the responses in
// request order (a slot per request, answered in any order, sent in order).
// Idle connections hold no read buffer: the server lends one scratch buffer
// to whichever socket is readable, and a connection keeps only the bytes of a
// frame that has not arrived whole. Internal to the broker module; every
// method runs on the broker's I/O thread.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "evpipe/broker/protocol/wire.h"

namespace evpipe::broker {

class Server;

// A response frame as it is written: `head` with each splice's bytes
// inserted at its position (kafka_protocol::Writer::Splice), so a fetch's
// record batches go from the storage read buffer to the socket without a
// copy into the frame. `owner` keeps the spliced bytes alive until written.
struct ResponseFrame {
  std::string head;
  std::vector<kafka_protocol::Writer::Splice> splices;
  std::shared_ptr<const void> owner;
};

// One response position on a connection; responses leave in slot order.
struct Slot {
  bool ready = false;
  bool no_response = false;  // acks=0 produce
  bool close = false;        // close the connection when this slot is reached
  ResponseFrame frame;       // the whole response frame
};

// Owned by shared_ptr: the server's set and any deferred handler (parked
// fetch, join, group commit) hold references.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server* server, asio::ip::tcp::socket socket, uint64_t id, int64_t now_ms);
  void Start();
  // Marks `slot` done and writes every ready response at the head.
  void Complete(const std::shared_ptr<Slot>& slot, std::string bytes);
  void Complete(const std::shared_ptr<Slot>& slot, ResponseFrame frame);
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
  uint64_t id() const { return id_; }
  const std::string& peer_host() const { return peer_host_; }

  // Closes the connection when a started frame is older than `deadline_ms`
  // or when it has been idle (nothing buffered, nothing pending) for
  // `idle_ms`; resumes reading paused by the server's buffer budget.
  void CheckTimers(int64_t now_ms, int64_t deadline_ms, int64_t idle_ms);

 private:
  void StartRead();
  void OnReadable(const asio::error_code& ec);
  void ProcessFrames();
  void Flush();
  void OnWrite(const asio::error_code& ec);
  void SetBuffered(size_t n);

  Server* server_;
  asio::ip::tcp::socket socket_;
  const uint64_t id_;
  std::string peer_host_;
  std::string in_;  // bytes of a frame not yet complete
  std::deque<std::string> frames_;
  size_t frames_bytes_ = 0;
  size_t buffered_ = 0;  // in_.size() + frames_bytes_, as counted by the server
  std::deque<std::shared_ptr<Slot>> slots_;
  std::shared_ptr<Slot> blocker_;
  // The frames being written (gathered, not joined) and their buffers.
  std::vector<ResponseFrame> out_;
  std::vector<asio::const_buffer> out_buffers_;
  int64_t last_activity_ms_ = 0;
  int64_t frame_started_ms_ = 0;  // when in_ became non-empty
  bool reading_ = false;
  bool paused_ = false;  // over the server's buffer budget; CheckTimers resumes
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  bool process_posted_ = false;
};

}  // namespace evpipe::broker
