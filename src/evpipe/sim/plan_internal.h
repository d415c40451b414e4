// Private to sim: the planner, which decides every record of the stream (what,
// when, in which order) without rendering any text. About a tenth of gen's CPU,
// on one thread; rendering is the Renderer's (render_internal.h).
#pragma once

#include <cstdint>
#include <vector>

#include "evpipe/sim/catalog_internal.h"
#include "evpipe/sim/rng_internal.h"
#include "evpipe/sim/simulator.h"

namespace evpipe::sim::internal {

// One planned record (40 bytes): everything the Renderer needs besides the options.
struct Planned {
  int64_t emit_us;  // when it is delivered: ingest_time, or a bit later for a duplicate
  int64_t event_time_us;
  int64_t ingest_time_us;
  uint64_t order;
  Type type;
  uint8_t step;  // index of the event within its order
  Kind kind;
  uint8_t aux;     // payment attempt, shipment number, cancel or refund reason
  uint8_t poison;  // the Poison variant of a kPoison record
};

// The order records are released in: by emit time, then order, step and kind
// (a total order: no two records tie).
bool ReleasedBefore(const Planned& a, const Planned& b);
// *out = `bucket` sorted by ReleasedBefore; every emit_us is in
// [bucket_start, bucket_start + 2^32). keys: scratch, reused between calls.
void SortBucket(const std::vector<Planned>& bucket, int64_t bucket_start, std::vector<uint64_t>* keys,
                std::vector<Planned>* out);

// Plans each order's lifecycle when it is created, then releases records in
// ingest order through a bucketed heap. Deterministic; not thread-safe.
class Planner {
 public:
  explicit Planner(const Options& options);

  // Sets *out to the next record and returns true, or returns false at the end.
  bool Next(Planned* out);
  int64_t orders_started() const { return next_order_; }

 private:
  int64_t CreatedAt(int64_t k) const;
  int64_t BucketOf(int64_t us) const;
  void Push(const Planned& p);
  void OpenNextBucket();
  void StartOrder(int64_t k, int64_t created_us);

  Options options_;
  Streams streams_;
  int64_t users_per_tenant_;
  double slot_us_;  // span / orders: each order's creation slot (CreatedAt)
  int64_t next_order_ = 0;
  int64_t next_created_us_ = INT64_MAX;  // creation time of order next_order_
  // Pending records live in hour-wide buckets of emit time (indexed from the
  // start hour). When the current bucket opens it is sorted once (`sorted_`,
  // read from sorted_next_); records planned into it after that go to a small
  // heap, and Next takes the earlier of the two. Invariant: every record in
  // `later_` is in a bucket after `current_`; everything else is in `sorted_`
  // (from sorted_next_ on) or `heap_`. A single big heap cost a quarter of the
  // run (cache misses over ~all events in flight), a std::map of buckets
  // another 8%, and popping a whole bucket from a heap ~10% more than sorting it.
  std::vector<Planned> sorted_;
  size_t sorted_next_ = 0;
  std::vector<uint64_t> keys_;  // OpenNextBucket's sort keys (reused)
  std::vector<Planned> heap_;
  int64_t current_ = -1;
  std::vector<std::vector<Planned>> later_;
  std::vector<std::vector<Planned>> spare_;  // emptied buckets' buffers, reused by Push
  int64_t later_count_ = 0;
};

}  // namespace evpipe::sim::internal
