// Console: the HTTP server, its routes and the checks in front of them.
#include <httplib.h>

#include <arpa/inet.h>

#include <charconv>
#include <optional>

#include "evpipe/core/names.h"
#include "evpipe/console/assets.h"
#include "evpipe/console/broker_views.h"
#include "evpipe/console/console.h"
#include "evpipe/console/lake.h"
#include "evpipe/core/json_writer.h"
#include "evpipe/core/listen_options.h"
#include "evpipe/core/logging.h"
#include "evpipe/core/version.h"

namespace evpipe::console {

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") return true;
  std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

ApiResponse ErrorResponse(const Status& status) {
  int http = 500;
  switch (status.code()) {
    case StatusCode::kInvalidArgument: http = 400; break;
    case StatusCode::kNotFound: http = 404; break;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout: http = 503; break;
    default: break;
  }
  JsonWriter w;
  w.BeginObject().Field("error", status.message()).Field("code", StatusCodeName(status.code())).EndObject();
  return {http, w.Take()};
}

namespace {

// The host part of a Host header ("127.0.0.1:8080", "[::1]:8080", "localhost").
std::string_view HostOf(std::string_view header) {
  if (!header.empty() && header.front() == '[') {
    size_t close = header.find(']');
    return close == std::string_view::npos ? header : header.substr(0, close + 1);
  }
  size_t colon = header.find(':');
  return colon == std::string_view::npos ? header : header.substr(0, colon);
}

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

void Reply(httplib::Response& res, const ApiResponse& api) {
  res.status = api.status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(api.body + "\n", "application/json");
}

}  // namespace

struct Console::Impl {
  explicit Impl(ConsoleOptions o) : options(std::move(o)), broker(options) {}

  void Routes();
  ApiResponse Config() const;
  ApiResponse Lake(const httplib::Request& req) const;
  ApiResponse Records(const httplib::Request& req) const;

  ConsoleOptions options;
  BrokerViews broker;
  httplib::Server server;
};

ApiResponse Console::Impl::Config() const {
  JsonWriter w;
  w.BeginObject().Field("version", kVersion).Field("bootstrap", options.bootstrap).Field("topic", options.topic)
      .Field("raw_dir", options.raw_dir).Field("parquet_dir", options.parquet_dir)
      .Field("quarantine_dir", options.quarantine_dir).Field("broker_data_dir", options.broker_data_dir)
      .Field("broker_timeout_ms", options.broker_timeout_ms).Field("read_only", true).EndObject();
  return {200, w.Take()};
}

ApiResponse Console::Impl::Lake(const httplib::Request& req) const {
  std::string topic = req.has_param("topic") ? req.get_param_value("topic") : options.topic;
  // The topic becomes a path component: only a valid Kafka topic name.
  if (Status s = ValidateTopicName(topic); !s.ok()) return ErrorResponse(s);
  LakeDirs dirs{options.raw_dir, options.parquet_dir, options.quarantine_dir};
  auto report = ScanLake(io::FileSystem::Default(), dirs, topic);
  if (!report.ok()) return ErrorResponse(report.status());
  if (!report->raw_exists && !report->parquet_exists && !report->quarantine_exists) {
    Status missing = Status::NotFound(
        "no lake data for topic " + topic + ": " + io::JoinPath(dirs.raw_dir, topic) + ", " +
        io::JoinPath(dirs.parquet_dir, topic) + " and " + io::JoinPath(dirs.quarantine_dir, topic) +
        " do not exist (land some with `make sink-raw` and `make raw-to-parquet-all`, or point --raw-dir, "
        "--parquet-dir and --quarantine-dir at your data)");
    // The error, and the topics that do have data, so that the page can offer them.
    JsonWriter w;
    w.BeginObject().Field("error", missing.message()).Field("code", StatusCodeName(missing.code()));
    w.Key("topics").BeginArray();
    for (const std::string& t : report->topics) w.String(t);
    w.EndArray().EndObject();
    return {404, w.Take()};
  }
  return {200, LakeToJson(*report)};
}

ApiResponse Console::Impl::Records(const httplib::Request& req) const {
  const std::string topic = req.get_param_value("topic");
  if (topic.empty()) return ErrorResponse(Status::InvalidArgument("topic= is required"));
  if (Status s = ValidateTopicName(topic); !s.ok()) return ErrorResponse(s);
  std::optional<int64_t> partition = req.has_param("partition") ? ParseInt(req.get_param_value("partition"))
                                                                 : std::optional<int64_t>(0);
  if (!partition || *partition < 0 || *partition > INT32_MAX) {
    return ErrorResponse(Status::InvalidArgument("partition= must be a number, 0 or more"));
  }
  std::optional<int64_t> offset;
  if (req.has_param("offset") && !req.get_param_value("offset").empty()) {
    offset = ParseInt(req.get_param_value("offset"));
    if (!offset || *offset < 0) return ErrorResponse(Status::InvalidArgument("offset= must be a number, 0 or more"));
  }
  std::optional<int64_t> limit = kDefaultRecordLimit;
  if (req.has_param("limit")) limit = ParseInt(req.get_param_value("limit"));
  if (!limit || *limit < 1 || *limit > kMaxRecordLimit) {
    return ErrorResponse(
        Status::InvalidArgument("limit= must be a number from 1 to " + std::to_string(kMaxRecordLimit)));
  }
  return broker.Records(topic, static_cast<int32_t>(*partition), offset, static_cast<int>(*limit));
}

void Console::Impl::Routes() {
  // Every answer: no framing, no sniffing, nothing from elsewhere.
  server.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
  });
  // A page elsewhere could reach a loopback server through a DNS name that
  // resolves to 127.0.0.1 (DNS rebinding): answer loopback Host names only.
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (options.allow_remote) return httplib::Server::HandlerResponse::Unhandled;
    const std::string header = req.get_header_value("Host");  // the view below points into it
    std::string_view host = HostOf(header);
    if (IsLoopbackHost(host)) return httplib::Server::HandlerResponse::Unhandled;
    Reply(res, {403, ErrorResponse(Status::InvalidArgument("Host '" + std::string(host) +
                                                           "' refused: the console answers loopback names only "
                                                           "(start it with --allow-remote to serve others)"))
                         .body});
    return httplib::Server::HandlerResponse::Handled;
  });
  for (const Asset& asset : Assets()) {
    server.Get(std::string(asset.path), [asset](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(asset.body), std::string(asset.content_type).c_str());
    });
  }
  server.Get("/api/config", [this](const httplib::Request&, httplib::Response& res) { Reply(res, Config()); });
  server.Get("/api/topics", [this](const httplib::Request&, httplib::Response& res) { Reply(res, broker.Topics()); });
  server.Get("/api/groups", [this](const httplib::Request&, httplib::Response& res) { Reply(res, broker.Groups()); });
  server.Get(R"(/api/groups/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    Reply(res, broker.Group(req.matches[1].str()));
  });
  server.Get("/api/lake", [this](const httplib::Request& req, httplib::Response& res) { Reply(res, Lake(req)); });
  server.Get("/api/records", [this](const httplib::Request& req, httplib::Response& res) {
    Reply(res, Records(req));
  });
  server.Get(R"(/api/.*)", [](const httplib::Request& req, httplib::Response& res) {
    Reply(res, ErrorResponse(Status::NotFound("no such API: " + req.path +
                                              " (see /api/topics, /api/groups, /api/groups/{id}, /api/lake, "
                                              "/api/records)")));
  });
  auto read_only = [](const httplib::Request&, httplib::Response& res) {
    Reply(res, {405, ErrorResponse(Status::InvalidArgument("the console is read-only: only GET")).body});
  };
  server.Post(".*", read_only);
  server.Put(".*", read_only);
  server.Patch(".*", read_only);
  server.Delete(".*", read_only);
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::Error("console: request failed: {}", what);
    Reply(res, ErrorResponse(Status::Internal("the console failed: " + what)));
  });
  // A few slow clients must not hold every worker: short socket timeouts.
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(5);
  server.set_payload_max_length(64 * 1024);
}

Console::Console(ConsoleOptions options) : impl_(std::make_unique<Impl>(std::move(options))) { impl_->Routes(); }

Console::~Console() = default;

Result<int> Console::Bind() {
  const ConsoleOptions& o = impl_->options;
  if (!IsLoopbackHost(o.host) && !o.allow_remote) {
    return Status::InvalidArgument("refusing to listen on " + o.host +
                                   ": the console has no authentication, so it binds loopback addresses only "
                                   "(127.0.0.1, ::1, localhost); add --allow-remote to serve " + o.host +
                                   " anyway");
  }
  std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = o.port;
  impl_->server.set_socket_options(core::ReuseAddressOnly);
  if (port == 0) {
    port = impl_->server.bind_to_any_port(host);
  } else if (!impl_->server.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return Status::IoError("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                           " (is another console or program using it? pick another with --port or CONSOLE_PORT)");
  }
  return port;
}

Status Console::Serve() {
  if (!impl_->server.listen_after_bind()) return Status::IoError("the console's listener stopped unexpectedly");
  return Status::Ok();
}

void Console::Stop() { impl_->server.stop(); }

}  // namespace evpipe::console
