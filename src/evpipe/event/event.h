// The event: parse + validate one NDJSON line, encode one, checksum and time helpers.
// The wire format is described once in docs/formats/event.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe::event {

inline constexpr int32_t kSchemaVersion = 1;
// Length of FormatTimestamp's output ("2026-02-05T10:11:12.123456Z").
inline constexpr size_t kTimestampLength = 27;
// Length of IngestDate's output ("2026-02-05").
inline constexpr size_t kDateLength = 10;
// Lines nested deeper than this (objects/arrays) are rejected as too_deep.
inline constexpr int kMaxDepth = 256;

// The event types the simulator emits (other values are valid events too).
inline constexpr std::string_view kOrderCreated = "order_created";
inline constexpr std::string_view kPaymentAuthorized = "payment_authorized";
inline constexpr std::string_view kPaymentFailed = "payment_failed";
inline constexpr std::string_view kOrderCancelled = "order_cancelled";
inline constexpr std::string_view kOrderShipped = "order_shipped";
inline constexpr std::string_view kOrderDelivered = "order_delivered";
inline constexpr std::string_view kRefundIssued = "refund_issued";

// A parsed, validated event. The string_views point into the line (payload) or
// into the parser's buffer (the other strings, unescaped): valid until the next
// Parse() on the same parser, and as long as the line's bytes live.
struct EventView {
  std::string_view event_id, event_type;
  int32_t schema_version = kSchemaVersion;
  int64_t event_time_us = 0, ingest_time_us = 0;  // UTC micros since the epoch
  std::optional<std::string_view> tenant_id, user_id, session_id, source_system, environment,
      record_source, checksum;
  std::string_view payload;  // the payload JSON exactly as its bytes appear in the line
};

// Parses and validates lines. One per thread (not thread-safe); reuses its
// buffers, so steady-state parsing does not allocate.
//
// Parse returns std::nullopt when the line is a valid event (and fills *out),
// else the quarantine reason (docs/formats/event.md lists them all):
//   empty_line, invalid_utf8, invalid_json, too_deep (well-formed but nested
//   deeper than kMaxDepth), not_an_object,
//   missing_field:<f>, bad_type:<f>, bad_time:<f>, empty_field:<f>,
//   duplicate_field:<f>, checksum_mismatch.
// When a line breaks several rules the reason is the first of: empty_line,
// invalid_utf8, invalid_json, not_an_object, then the first field-level problem
// in line order, then missing fields (event_id, event_type, event_time,
// ingest_time, payload), then checksum_mismatch.
class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  std::optional<std::string> Parse(std::string_view line, EventView* out);
  // The same, but a string without escapes views the line itself instead of
  // the parser's buffer: valid as long as the line's bytes (raw-to-parquet keeps
  // its files mapped and finds the strings in their lines without a search).
  std::optional<std::string> ParseInLine(std::string_view line, EventView* out);

 private:
  std::optional<std::string> Run(std::string_view line, EventView* out, bool strings_in_line);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An event to encode (the simulator, tests). Owned strings; reuse one Event
// across calls to avoid allocations.
struct Event {
  std::string event_id, event_type;
  int32_t schema_version = kSchemaVersion;
  int64_t event_time_us = 0, ingest_time_us = 0;
  std::optional<std::string> tenant_id, user_id, session_id, source_system, environment,
      record_source, checksum;
  std::string payload;  // JSON object text, written into the line as is
};

// The fields of `e` as views (valid while `e` lives unchanged).
EventView ViewOf(const Event& e);
// Copies every field of `v` into *out (the strings of *out are reused).
void CopyFrom(const EventView& v, Event* out);

// Appends one JSON line (no '\n') to *out. Field order: event_id, event_type,
// schema_version, event_time, ingest_time, tenant_id, user_id, session_id,
// source_system, environment, record_source, payload, checksum; absent
// optionals are written as null. The checksum is written as given (see
// SetChecksum); `payload` must be a JSON object (not checked).
void EncodeLine(const Event& e, std::string* out);
// The same from views (no owned strings: the simulator's hot path). Only the
// fields above are read; the bytes are those of the Event overload.
void EncodeLine(const EventView& e, std::string* out);
// EncodeLine's bytes for an event none of whose strings needs JSON escaping (no
// quote, backslash or control character: the caller knows, e.g. the
// simulator's own text; not checked), written at `out`, which has room for
// MaxCleanLineSize(e) bytes. Returns the end of the line.
char* EncodeCleanLineTo(const EventView& e, char* out);
size_t MaxCleanLineSize(const EventView& e);
// The same line in two pieces around a payload its writer puts in place (no
// copy of the payload, hashed where it lies): EncodeCleanHeadTo writes every
// field before the payload's bytes (e.payload and e.checksum are not read),
// at most MaxCleanHeadSize(e) bytes. After the payload, EncodeChecksumTailTo
// writes its checksum field (Sha256Hex of `payload`) and the closing brace,
// kChecksumTailSize bytes. Head, payload and tail are EncodeCleanLineTo's
// bytes for that payload and its checksum.
char* EncodeCleanHeadTo(const EventView& e, char* out);
size_t MaxCleanHeadSize(const EventView& e);
inline constexpr size_t kChecksumTailSize = 79;  // ,"checksum":"<64 hex digits>"}
char* EncodeChecksumTailTo(std::string_view payload, char* out);
// True when `s` goes between a JSON string's quotes as is (EncodeLine's test).
bool IsCleanString(std::string_view s);
// Sets e->checksum to Sha256Hex(e->payload).
void SetChecksum(Event* e);

// "2026-02-05T10:11:12.123456Z" (always 6 fraction digits, UTC). Years 0..9999.
std::string FormatTimestamp(int64_t micros);
// Writes exactly kTimestampLength chars to out (no allocation).
void FormatTimestampTo(int64_t micros, char* out);
// RFC 3339: YYYY-MM-DD('T'|'t'|' ')hh:mm:ss[.fraction]('Z'|'z'|(+|-)hh:mm).
// Offsets are normalised to UTC; fraction digits beyond 6 are truncated;
// impossible dates (2026-02-29, 2026-13-01, 24:00:00) and leap seconds (:60) are
// rejected with InvalidArgument.
Result<int64_t> ParseTimestamp(std::string_view text);
// "YYYY-MM-DD" of the UTC day holding `micros`.
std::string IngestDate(int64_t micros);
void IngestDateTo(int64_t micros, char* out);  // exactly kDateLength chars
// Micros of midnight UTC of a "YYYY-MM-DD" date.
Result<int64_t> ParseDate(std::string_view date);

// Lowercase hex SHA-256 of `bytes` (OpenSSL).
std::string Sha256Hex(std::string_view bytes);
void Sha256HexTo(std::string_view bytes, char out[64]);

// The Kafka key: `field` looked up at the top level of the line first, then
// inside payload (when payload is an object). A string gives its unescaped
// value; a number, true/false, an object or an array gives its JSON text as it
// appears in the line; null, an absent field or a line that is not a JSON
// object gives nullopt. Thread-safe (uses a thread-local parser).
std::optional<std::string> ExtractKey(std::string_view line, std::string_view field);

// The line's top-level ingest_time when it is a readable timestamp string,
// whatever else is wrong with the line (for routing a raw line to its
// ingest_date before validation). Best effort: a line simdjson cannot index at
// all (an unclosed string or bracket, invalid UTF-8) gives nullopt, as does a
// line that is not an object. Thread-safe (thread-local parser).
std::optional<int64_t> ExtractIngestTime(std::string_view line);

}  // namespace evpipe::event
