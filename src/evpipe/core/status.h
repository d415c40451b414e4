// Status and Result<T>: how fallible evpipe functions report errors (STYLE.md, Errors).
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace evpipe {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller (or the user) asked for something impossible
  kNotFound,
  kAlreadyExists,
  kIoError,          // the file system or the network failed
  kCorruption,       // stored bytes do not check out
  kUnavailable,      // a peer (the broker) did not answer; retrying may help
  kTimeout,
  kInternal,         // a bug
};

std::string_view StatusCodeName(StatusCode code);

// A code plus a message. Context is prepended on the way up with WithContext:
//   "topic=events partition=2: fsync: No space left on device".
// Cheap to copy when ok (no allocation).
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // An I/O error from errno: "<what>: <strerror(err)>".
  static Status FromErrno(std::string_view what, int err);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<message>" for display; empty when ok.
  std::string ToString() const;

  // Returns this status with "<context>: " in front of the message (no-op when ok).
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace evpipe

#define EVPIPE_CONCAT_INNER_(a, b) a##b
#define EVPIPE_CONCAT_(a, b) EVPIPE_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when it is not ok.
#define EVPIPE_RETURN_IF_ERROR(expr)               \
  do {                                             \
    ::evpipe::Status evpipe_status_ = (expr);      \
    if (!evpipe_status_.ok()) return evpipe_status_; \
  } while (0)

// EVPIPE_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error when MakeX fails.
#define EVPIPE_ASSIGN_OR_RETURN(lhs, expr) \
  EVPIPE_ASSIGN_OR_RETURN_IMPL_(EVPIPE_CONCAT_(evpipe_result_, __LINE__), lhs, expr)
#define EVPIPE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
