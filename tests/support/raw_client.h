// A small raw Kafka client for tests that send frames no real client would:
// a blocking TCP connection with timeouts, request framing over the
// protocol library's Writer, a bare HTTP GET, and readings of a process's
// memory, CPU time and thread count from /proc. Header-only; tests only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "evpipe/broker/protocol/messages.h"
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::testing {

class RawConn {
 public:
  explicit RawConn(const std::string& hostport) {
    auto colon = hostport.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(hostport.substr(colon + 1))));
    inet_pton(AF_INET, hostport.substr(0, colon).c_str(), &addr.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConn() {
    if (fd_ >= 0) close(fd_);
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;
  RawConn(RawConn&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // One response frame without its size prefix; "" when the connection closed
  // or nothing came within timeout_ms.
  std::string ReadFrame(int timeout_ms = 10000) {
    std::string size = ReadN(4, timeout_ms);
    if (size.size() != 4) return "";
    return ReadN(kafka_protocol::LoadBE32(size.data()), timeout_ms);
  }
  // True when the peer closed the connection (EOF or reset) within timeout_ms;
  // response bytes that arrive first are skipped.
  bool ClosedByPeer(int timeout_ms = 10000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      if (recv(fd_, buf, sizeof(buf), 0) <= 0) return true;
    }
    return false;
  }
  // True when the next thing the peer does within timeout_ms is to close the
  // connection (EOF or reset): no response byte comes first.
  bool ClosesWithoutAnswer(int timeout_ms = 10000) {
    char c;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    return recv(fd_, &c, 1, 0) <= 0;
  }
  std::string ReadAll(int timeout_ms) {  // until EOF or timeout
    std::string out;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[65536];
      ssize_t r = recv(fd_, buf, sizeof(buf), 0);
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }

 private:
  std::string ReadN(size_t n, int timeout_ms) {
    std::string out;
    while (out.size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return "";
      char buf[65536];
      ssize_t r = recv(fd_, buf, std::min(sizeof(buf), n - out.size()), 0);
      if (r <= 0) return "";
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }
  int fd_ = -1;
};

// A whole request frame: size, header v1/v2 (by the API's flexible version), body.
inline std::string RequestFrame(int16_t key, int16_t version, int32_t correlation, const std::string& body) {
  kafka_protocol::Writer w;
  w.Int32(0);
  kafka_protocol::RequestHeader h{key, version, correlation, std::string("raw-test")};
  h.Encode(w);
  w.Raw(body);
  w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
  return w.Release();
}

// Encodes a request struct as a frame.
template <typename Request>
std::string EncodeRequest(int16_t key, int16_t version, int32_t correlation, const Request& req) {
  kafka_protocol::Writer body;
  req.Encode(body, version);
  return RequestFrame(key, version, correlation, body.Release());
}

// Decodes a response frame (correlation id first, then `Response`); false
// when it does not parse or the correlation id differs.
template <typename Response>
bool DecodeResponse(const std::string& frame, int32_t correlation, int16_t version, Response& out,
                    bool flexible_header = false) {
  kafka_protocol::Reader r(frame);
  if (r.Int32() != correlation) return false;
  if (flexible_header) r.SkipTaggedFields();
  return out.Decode(r, version);
}

// GET `path` over HTTP/1.1 from "host:port"; the whole reply ("" when none in timeout_ms).
inline std::string HttpGet(const std::string& hostport, const std::string& path, int timeout_ms = 5000) {
  RawConn c(hostport);
  if (!c.ok()) return "";
  c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return c.ReadAll(timeout_ms);
}

// A field of /proc/PID/status in kB ("VmRSS", "VmHWM"), -1 when missing.
inline long ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}
inline long PeakRssMb(pid_t pid) { return ProcStatusKb(pid, "VmHWM") / 1024; }
inline long RssMb(pid_t pid) { return ProcStatusKb(pid, "VmRSS") / 1024; }
inline long Threads(pid_t pid) { return ProcStatusKb(pid, "Threads"); }

// User + system CPU seconds the process used so far.
inline double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close_paren = all.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream fields(all.substr(close_paren + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stol(f);
    if (i == 15) {
      stime = std::stol(f);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace evpipe::testing
