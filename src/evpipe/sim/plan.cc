// The planner: each order's lifecycle, then emission in ingest order.
#include "evpipe/sim/plan_internal.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "evpipe/sim/rng_internal.h"

namespace evpipe::sim::internal {
namespace {

constexpr int kMaxSteps = 12;
constexpr int64_t kBucketUs = kHour;
static_assert(kBucketUs <= (int64_t{1} << 32), "OpenNextBucket's keys hold an offset within a bucket in 32 bits");

// Emit time, then a total order on the rest (determinism: no two records tie).
// Later is the min-heap's order, Earlier the sort's.
struct Later {
  bool operator()(const Planned& a, const Planned& b) const {
    if (a.emit_us != b.emit_us) return a.emit_us > b.emit_us;
    if (a.order != b.order) return a.order > b.order;
    if (a.step != b.step) return a.step > b.step;
    return a.kind > b.kind;
  }
};

struct Earlier {
  bool operator()(const Planned& a, const Planned& b) const { return Later()(b, a); }
};

}  // namespace

bool ReleasedBefore(const Planned& a, const Planned& b) { return Earlier()(a, b); }

// Sorted by 64-bit keys (emit time within the bucket, position in it) instead
// of moving 40-byte records through std::sort, then gathered; runs of equal
// emit times (rare) are then put in ReleasedBefore's order, so the result is
// exactly a sort by ReleasedBefore whatever order `bucket` is in.
void SortBucket(const std::vector<Planned>& bucket, int64_t bucket_start, std::vector<uint64_t>* keys,
                std::vector<Planned>* out) {
  out->clear();
  if (bucket.size() > 0xffffffffu) {  // more than the keys' 32-bit positions (not in practice)
    out->assign(bucket.begin(), bucket.end());
    std::sort(out->begin(), out->end(), Earlier());
    return;
  }
  keys->resize(bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    (*keys)[i] = static_cast<uint64_t>(bucket[i].emit_us - bucket_start) << 32 | i;  // both fit in 32 bits
  }
  std::sort(keys->begin(), keys->end());
  out->resize(bucket.size());
  std::vector<Planned>& sorted = *out;
  for (size_t i = 0; i < keys->size(); ++i) sorted[i] = bucket[(*keys)[i] & 0xffffffffu];
  for (size_t i = 0; i + 1 < sorted.size();) {
    size_t end = i + 1;
    while (end < sorted.size() && sorted[end].emit_us == sorted[i].emit_us) ++end;
    if (end - i > 1) {
      std::sort(sorted.begin() + static_cast<std::ptrdiff_t>(i), sorted.begin() + static_cast<std::ptrdiff_t>(end),
                Earlier());
    }
    i = end;
  }
}

Planner::Planner(const Options& options)
    : options_(options),
      streams_(options.seed),
      users_per_tenant_(UsersPerTenant(options)),
      slot_us_(options.orders > 0 ? static_cast<double>(options.span_days) * static_cast<double>(kDay) /
                                        static_cast<double>(options.orders)
                                  : 0.0) {
  if (options_.orders > 0) next_created_us_ = CreatedAt(0);
}

// Creation time of order k: one per slot of span/orders, jittered inside its
// slot, so creation times ascend with k.
int64_t Planner::CreatedAt(int64_t k) const {
  Rng rng(streams_.Seed(static_cast<uint64_t>(k), kSaltCreate));
  return options_.start_time_us + static_cast<int64_t>((static_cast<double>(k) + rng.Unit()) * slot_us_);
}

// Every emit time is at or after options_.start_time_us.
int64_t Planner::BucketOf(int64_t us) const { return (us - options_.start_time_us) / kBucketUs; }

void Planner::Push(const Planned& p) {
  const int64_t bucket = BucketOf(p.emit_us);
  if (bucket <= current_) {
    heap_.push_back(p);
    std::push_heap(heap_.begin(), heap_.end(), Later());
  } else {
    if (static_cast<int64_t>(later_.size()) <= bucket) later_.resize(static_cast<size_t>(bucket) + 64);
    std::vector<Planned>& v = later_[static_cast<size_t>(bucket)];
    if (v.capacity() == 0 && !spare_.empty()) {  // a sorted bucket's buffer: no new allocation
      v.swap(spare_.back());
      spare_.pop_back();
    }
    v.push_back(p);
    ++later_count_;
  }
}

// Makes the next non-empty bucket the sorted one (the current bucket and the heap are empty).
void Planner::OpenNextBucket() {
  do {
    ++current_;
  } while (later_[static_cast<size_t>(current_)].empty());
  std::vector<Planned>& next = later_[static_cast<size_t>(current_)];
  later_count_ -= static_cast<int64_t>(next.size());
  sorted_next_ = 0;
  SortBucket(next, options_.start_time_us + current_ * kBucketUs, &keys_, &sorted_);
  next.clear();
  spare_.push_back(std::move(next));  // its capacity, for a later bucket (Push)
}

// Plans order k's lifecycle (created at CreatedAt(k)) and pushes its records.
void Planner::StartOrder(int64_t k, int64_t created_us) {
  const uint64_t order = static_cast<uint64_t>(k);
  Rng rng(streams_.Seed(order, kSaltPlan));
  const OrderInfo info = DeriveOrder(streams_, users_per_tenant_, options_.tenants, order, Facts::kParties);
  struct Step {
    Type type;
    uint8_t aux;
    int64_t time;
  };
  std::array<Step, kMaxSteps> steps;
  int n = 0;
  int64_t t = created_us;
  auto add = [&](Type type, uint8_t aux) { steps[n++] = {type, aux, t}; };
  auto after = [&](int64_t lo, int64_t hi) { t += rng.Between(lo, hi); };

  add(Type::kCreated, 0);
  after(2 * kSecond, 2 * kMinute);
  bool paid = false;
  for (uint8_t attempt = 1; attempt <= 3; ++attempt) {
    if (!rng.Chance(0.08)) {
      add(Type::kAuthorized, attempt);
      paid = true;
      break;
    }
    add(Type::kFailed, attempt);
    if (attempt == 3 || !rng.Chance(0.6)) break;
    after(30 * kSecond, 20 * kMinute);
  }
  if (!paid) {
    after(1 * kMinute, 30 * kMinute);
    add(Type::kCancelled, 0);  // reason payment_failed
  } else if (rng.Chance(0.04)) {
    after(5 * kMinute, 12 * kHour);
    add(Type::kCancelled, 1);  // reason customer_request
    after(1 * kHour, 2 * kDay);
    add(Type::kRefund, 2);  // full refund, reason "cancelled"
  } else {
    const int shipments = info.item_count >= 2 && rng.Chance(0.35) ? 2 : 1;
    for (int s = 1; s <= shipments; ++s) {
      after(s == 1 ? 2 * kHour : 1 * kHour, s == 1 ? 2 * kDay : 1 * kDay);
      add(Type::kShipped, static_cast<uint8_t>(s));
    }
    for (int s = 1; s <= shipments; ++s) {
      after(s == 1 ? 12 * kHour : 1 * kMinute, s == 1 ? 4 * kDay : 2 * kDay);
      add(Type::kDelivered, static_cast<uint8_t>(s));
    }
    if (rng.Chance(0.1)) {
      after(1 * kDay, 10 * kDay);
      add(Type::kRefund, static_cast<uint8_t>(rng.Chance(0.7) ? 0 : 1));  // returned / damaged
    }
  }

  for (int i = 0; i < n; ++i) {
    Planned p{};
    p.event_time_us = steps[i].time;
    if (rng.Chance(options_.late_rate)) {
      p.ingest_time_us = p.event_time_us + rng.Between(options_.max_lateness_us / 2, options_.max_lateness_us);
    } else {
      // A producer's small delay: 5 ms plus an exponential tail (mean 0.4 s), capped at 5 s.
      const double tail = -std::log(1.0 - rng.Unit()) * 400000.0;
      p.ingest_time_us = p.event_time_us + 5000 + std::min<int64_t>(static_cast<int64_t>(tail), 5 * kSecond);
    }
    p.order = order;
    p.type = steps[i].type;
    p.step = static_cast<uint8_t>(i);
    p.aux = steps[i].aux;
    p.kind = Kind::kEvent;
    p.emit_us = p.ingest_time_us;
    Push(p);
    if (rng.Chance(options_.duplicate_rate)) {
      Planned d = p;
      d.kind = Kind::kDuplicate;
      d.emit_us = d.ingest_time_us + rng.Between(1000, kMaxDuplicateDelayUs);
      Push(d);
    }
    if (rng.Chance(options_.poison_rate)) {
      Planned q = p;
      q.kind = Kind::kPoison;
      q.poison = static_cast<uint8_t>(rng.Below(static_cast<uint64_t>(Poison::kCount)));
      Push(q);
    }
  }
}

bool Planner::Next(Planned* out) {
  while (true) {
    if (sorted_next_ == sorted_.size() && heap_.empty() && later_count_ > 0) OpenNextBucket();
    // The earlier of the sorted bucket's next record and the heap's first.
    const Planned* first = sorted_next_ < sorted_.size() ? &sorted_[sorted_next_] : nullptr;
    const bool from_heap = !heap_.empty() && (first == nullptr || Later()(*first, heap_.front()));
    if (from_heap) first = &heap_.front();
    // Every record of an order not yet started is ingested at or after its creation.
    if (first != nullptr && first->emit_us <= next_created_us_) {
      *out = *first;
      if (from_heap) {
        std::pop_heap(heap_.begin(), heap_.end(), Later());
        heap_.pop_back();
      } else {
        ++sorted_next_;
      }
      return true;
    }
    if (next_order_ >= options_.orders) return false;
    StartOrder(next_order_, next_created_us_);  // next_created_us_ is CreatedAt(next_order_)
    ++next_order_;
    next_created_us_ = next_order_ < options_.orders ? CreatedAt(next_order_) : INT64_MAX;
  }
}

}  // namespace evpipe::sim::internal
