// The order simulator: a deterministic stream of order lifecycle events as NDJSON lines.
// What it simulates and the poison reasons are described in docs/formats/event.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace evpipe::sim {

inline constexpr int kDefaultTenants = 5;
inline constexpr const char* kDefaultStart = "2026-02-01T00:00:00Z";
inline constexpr int64_t kDefaultStartUs = 1769904000000000;  // kDefaultStart
inline constexpr int kDefaultSpanDays = 3;
inline constexpr double kDefaultDuplicateRate = 0.02;
inline constexpr double kDefaultLateRate = 0.03;
inline constexpr int64_t kDefaultMaxLatenessUs = 36LL * 3600 * 1000000;  // 36 h
inline constexpr double kDefaultPoisonRate = 0.0;
inline constexpr const char* kDefaultEnvironment = "local";
// A duplicate is delivered at most this long after its original's ingest_time;
// every other record is delivered at its ingest_time, and records come out in
// delivery order. So once a record with ingest_time T has come out, no later
// record has an ingest_time before T - kMaxDuplicateDelayUs (gen closes a date's
// file on that rule).
inline constexpr int64_t kMaxDuplicateDelayUs = 5 * 1000000LL;

struct Options {
  int64_t orders = 5000;
  uint64_t seed = 42;
  int tenants = kDefaultTenants;
  int64_t start_time_us = kDefaultStartUs;  // orders are created in [start, start + span)
  int span_days = kDefaultSpanDays;
  double duplicate_rate = kDefaultDuplicateRate;  // duplicates per event
  double late_rate = kDefaultLateRate;            // fraction of events ingested late
  int64_t max_lateness_us = kDefaultMaxLatenessUs;  // late: ingest - event in [max/2, max]
  double poison_rate = kDefaultPoisonRate;        // extra poison lines per event
  std::string environment = kDefaultEnvironment;
};

// Empty when the options are usable, else a one-line reason ("--tenants must be >= 1").
std::string ValidateOptions(const Options& options);

enum class Kind {
  kEvent,      // a valid event, first delivery
  kDuplicate,  // the same bytes as an earlier kEvent (same event_id), re-delivered
  kPoison,     // a line that breaks exactly one validation rule (poison_reason)
};

struct Record {
  std::string line;         // the JSON line, no '\n'
  std::string key;          // the order_id (the Kafka key with the default key field)
  std::string ingest_date;  // "YYYY-MM-DD": the date this record is accounted under
  int64_t ingest_time_us = 0;  // the record's ingest_time (use it as the Kafka timestamp)
  Kind kind = Kind::kEvent;
  std::string poison_reason;   // LineParser's reason for a kPoison line, else empty
};

// Streams records in ingest order (ingest_time ascending; a duplicate follows
// its original within seconds), deterministic: the same Options give the same
// records, byte for byte. Memory is bounded by the orders in flight (about 100
// bytes each), not by the number of events. Not thread-safe; one per thread.
class Simulator {
 public:
  explicit Simulator(Options options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Fills *out (reusing its buffers) and returns true, or returns false at the end.
  bool Next(Record* out);
  // Orders created so far (for progress).
  int64_t orders_started() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evpipe::sim
