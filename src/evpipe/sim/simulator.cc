// The order simulator: plans each order's lifecycle when it is created, then
// emits events in ingest order through a heap of small descriptors; a line is
// rendered only when emitted, from (seed, order, step) alone, so the output is
// deterministic and duplicates are byte-identical.
#include "evpipe/sim/simulator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include "evpipe/event/event.h"

namespace evpipe::sim {
namespace {

namespace ev = evpipe::event;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int kMaxSteps = 12;

// splitmix64's finaliser: a good 64-bit mix, also used as a counter-based PRNG.
constexpr uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A splitmix64 stream: tiny state, fast, plenty for a simulation.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;  // Lemire's multiply-shift, no division
    return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  bool Chance(double p) { return Unit() < p; }

 private:
  uint64_t state_;
};

// Salts that keep the per-order and per-event streams independent.
enum Salt : uint64_t {
  kSaltPlan = 1,
  kSaltOrder = 2,
  kSaltEvent = 3,
  kSaltId = 4,
  kSaltPoisonId = 5,
  kSaltCreate = 6,
};

uint64_t StreamSeed(uint64_t seed, uint64_t order, uint64_t salt, uint64_t index = 0) {
  return Mix(Mix(Mix(seed ^ (salt << 56)) ^ order) ^ index);
}

enum class Type : uint8_t { kCreated, kAuthorized, kFailed, kCancelled, kShipped, kDelivered, kRefund };

constexpr std::string_view kTypeNames[] = {
    ev::kOrderCreated,   ev::kPaymentAuthorized, ev::kPaymentFailed, ev::kOrderCancelled,
    ev::kOrderShipped,   ev::kOrderDelivered,    ev::kRefundIssued,
};

// The poison variants and the reason LineParser gives for each. Lines whose
// ingest_time is unreadable (not_an_object, missing/bad ingest_time) are
// accounted under the date their ingest_time would have had, which is also the
// date of the gen file they are written to.
enum class Poison : uint8_t {
  kNotAnObject,
  kTruncated,
  kInvalidUtf8,
  kMissingEventId,
  kMissingEventTime,
  kMissingIngestTime,
  kMissingPayload,
  kBadTypeEventId,
  kBadTypeSchemaVersion,
  kBadTypePayload,
  kBadEventTime,
  kBadIngestTime,
  kChecksumMismatch,
  kCount,
};

constexpr std::string_view kPoisonReasons[] = {
    "not_an_object",
    "invalid_json",
    "invalid_utf8",
    "missing_field:event_id",
    "missing_field:event_time",
    "missing_field:ingest_time",
    "missing_field:payload",
    "bad_type:event_id",
    "bad_type:schema_version",
    "bad_type:payload",
    "bad_time:event_time",
    "bad_time:ingest_time",
    "checksum_mismatch",
};
static_assert(std::size(kPoisonReasons) == static_cast<size_t>(Poison::kCount));

// One planned record waiting in the emission heap (40 bytes).
struct Pending {
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

// Min-heap order: emit time, then a total order on the rest (determinism).
struct Later {
  bool operator()(const Pending& a, const Pending& b) const {
    if (a.emit_us != b.emit_us) return a.emit_us > b.emit_us;
    if (a.order != b.order) return a.order > b.order;
    if (a.step != b.step) return a.step > b.step;
    return a.kind > b.kind;
  }
};

struct Currency {
  const char* code;
  int64_t scale;  // minor units per "price point" (JPY has no minor unit)
};
constexpr Currency kCurrencies[] = {{"EUR", 1}, {"USD", 1}, {"GBP", 1}, {"SEK", 10}, {"JPY", 1}};

constexpr const char* kChannels[] = {"web", "ios", "android"};
constexpr const char* kChannelSystems[] = {"web-shop", "ios-app", "android-app"};
constexpr const char* kMethods[] = {"card", "card", "card", "paypal", "klarna", "apple_pay"};
constexpr const char* kFailureCodes[] = {"insufficient_funds", "card_declined", "expired_card", "authentication_failed"};
constexpr const char* kCarriers[] = {"DHL", "UPS", "PostNord", "DPD", "GLS"};
constexpr const char* kCancelReasons[] = {"payment_failed", "customer_request"};
constexpr const char* kRefundReasons[] = {"returned", "damaged", "cancelled"};
constexpr const char* kDeliveredTo[] = {"recipient", "front_door", "neighbour", "parcel_locker"};

struct Item {
  uint32_t sku;
  int quantity;
  int64_t unit_price_minor;
};

// Everything about an order that every one of its events may mention, derived
// from (seed, order) alone.
struct OrderInfo {
  int tenant;
  uint64_t user;
  uint64_t session;
  int channel;
  int method;
  const Currency* currency;
  int item_count;
  std::array<Item, 5> items;
  int64_t subtotal_minor;
  int64_t shipping_minor;
  int64_t total_minor() const { return subtotal_minor + shipping_minor; }
};

// Small fast appenders (no allocation once `out` has grown).
void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(end - buf));
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// v in decimal, zero-padded to at least `width` digits.
void AppendPadded(uint64_t v, int width, std::string* out) {
  char buf[24];
  char* p = buf + sizeof buf;
  while (v >= 100) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * v, 2);
  } else {
    *--p = static_cast<char>('0' + v);
  }
  while (buf + sizeof buf - p < width) *--p = '0';
  out->append(p, static_cast<size_t>(buf + sizeof buf - p));
}

void AppendHex(uint64_t v, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[16];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = kHex[v & 15];
    v >>= 4;
  }
  out->append(buf, static_cast<size_t>(digits));
}

void AppendOrderId(uint64_t order, std::string* out) {
  out->append("ORD-");
  AppendPadded(order + 1, 11, out);
}

// A random (version 4) UUID from 128 bits.
void AppendUuid(uint64_t hi, uint64_t lo, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  hi = (hi & ~0xf000ULL) | 0x4000ULL;
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
  char buf[36];
  int at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[at++] = '-';
    const unsigned byte = static_cast<unsigned>(((i < 8 ? hi : lo) >> (8 * (7 - (i & 7)))) & 0xff);
    buf[at++] = kHex[byte >> 4];
    buf[at++] = kHex[byte & 15];
  }
  out->append(buf, sizeof buf);
}

void AppendField(std::string_view name, std::string* out) {
  out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":");
}

void AppendStringField(std::string_view name, std::string_view value, std::string* out) {
  AppendField(name, out);
  out->push_back('"');
  out->append(value);  // simulator strings never need escaping
  out->push_back('"');
}

void AppendIntField(std::string_view name, int64_t value, std::string* out) {
  AppendField(name, out);
  AppendInt(value, out);
}

void SetString(std::optional<std::string>* slot, std::string_view value) {
  if (!*slot) slot->emplace();
  (*slot)->assign(value);
}

}  // namespace

std::string ValidateOptions(const Options& o) {
  if (o.orders < 0) return "--orders must be >= 0";
  if (o.orders > (int64_t{1} << 40)) return "--orders must be <= 2^40";
  if (o.tenants < 1 || o.tenants > 1000) return "--tenants must be in 1..1000";
  if (o.span_days < 1 || o.span_days > 3650) return "--span-days must be in 1..3650";
  auto rate = [](double r) { return r >= 0.0 && r <= 1.0; };
  if (!rate(o.duplicate_rate)) return "--duplicate-rate must be in 0..1";
  if (!rate(o.late_rate)) return "--late-rate must be in 0..1";
  if (!rate(o.poison_rate)) return "--poison-rate must be in 0..1";
  if (o.max_lateness_us < kMinute || o.max_lateness_us > 365 * kDay) {
    return "--max-lateness must be between 1 minute and 365 days";
  }
  // Keep every timestamp (lifecycles run up to ~5 weeks past the span) inside years 2000..9999.
  if (o.start_time_us < 946684800LL * kSecond || o.start_time_us > 253000000000LL * kSecond) {
    return "--start must be between 2000-01-01 and 9000-01-01";
  }
  for (char c : o.environment) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
      return "--environment must be printable ASCII without quotes or backslashes";
    }
  }
  return "";
}

struct Simulator::Impl {
  Options options;
  int64_t next_order = 0;
  int64_t next_created_us = INT64_MAX;  // creation time of order next_order
  int64_t users_per_tenant = 1;
  // Pending records live in hour-wide buckets of emit time (indexed from the
  // start hour); only the current bucket is a heap. Invariant: every record in
  // `later` is in a bucket after `current`; everything else is in `heap`. A
  // single big heap cost a quarter of the run (cache misses over ~all events
  // in flight), a std::map of buckets another 8%.
  static constexpr int64_t kBucketUs = kHour;
  std::vector<Pending> heap;
  int64_t current = -1;
  std::vector<std::vector<Pending>> later;
  int64_t later_count = 0;
  ev::Event event;       // reused for every rendered line
  std::string scratch;   // reused for poison rewrites

  explicit Impl(Options o) : options(std::move(o)) {
    users_per_tenant = std::max<int64_t>(20, options.orders / (3 * options.tenants));
    event.environment = options.environment.empty() ? std::nullopt : std::optional(options.environment);
    event.record_source = "evpipe-sim";
    if (options.orders > 0) next_created_us = CreatedAt(0);
  }

  // Creation time of order k: one per slot of span/orders, jittered inside its
  // slot, so creation times ascend with k.
  int64_t CreatedAt(int64_t k) const {
    const double slot = static_cast<double>(options.span_days) * static_cast<double>(kDay) /
                        static_cast<double>(options.orders);
    Rng rng(StreamSeed(options.seed, static_cast<uint64_t>(k), kSaltCreate));
    return options.start_time_us + static_cast<int64_t>((static_cast<double>(k) + rng.Unit()) * slot);
  }

  OrderInfo Derive(uint64_t order) const {
    Rng rng(StreamSeed(options.seed, order, kSaltOrder));
    OrderInfo info;
    // Tenants are skewed: tenant 1 gets the most orders.
    const double skew = rng.Unit();
    info.tenant = static_cast<int>(skew * skew * options.tenants);
    info.user = rng.Below(static_cast<uint64_t>(users_per_tenant));
    info.session = rng.Next();
    info.channel = static_cast<int>(rng.Below(3));
    info.method = static_cast<int>(rng.Below(std::size(kMethods)));
    info.currency = &kCurrencies[info.tenant % std::size(kCurrencies)];
    const double u = rng.Unit();
    info.item_count = u < 0.45 ? 1 : u < 0.75 ? 2 : u < 0.9 ? 3 : u < 0.97 ? 4 : 5;
    info.subtotal_minor = 0;
    for (int i = 0; i < info.item_count; ++i) {
      Item& item = info.items[i];
      item.sku = static_cast<uint32_t>(rng.Below(20000));
      item.quantity = rng.Chance(0.8) ? 1 : static_cast<int>(rng.Between(2, 4));
      // Log-uniform price points from 1.99 to ~500.00, ending in 9.
      const double price = std::exp(std::log(199.0) + rng.Unit() * (std::log(50000.0) - std::log(199.0)));
      item.unit_price_minor = (static_cast<int64_t>(price) / 10 * 10 + 9) * info.currency->scale;
      info.subtotal_minor += item.unit_price_minor * item.quantity;
    }
    info.shipping_minor = info.subtotal_minor >= 5000 * info.currency->scale ? 0 : 499 * info.currency->scale;
    return info;
  }

  // Every emit time is at or after options.start_time_us.
  int64_t BucketOf(int64_t us) const { return (us - options.start_time_us) / kBucketUs; }

  void Push(const Pending& p) {
    const int64_t bucket = BucketOf(p.emit_us);
    if (bucket <= current) {
      heap.push_back(p);
      std::push_heap(heap.begin(), heap.end(), Later());
    } else {
      if (static_cast<int64_t>(later.size()) <= bucket) later.resize(static_cast<size_t>(bucket) + 64);
      later[static_cast<size_t>(bucket)].push_back(p);
      ++later_count;
    }
  }

  // Makes the next non-empty bucket the heap (the heap is empty).
  void OpenNextBucket() {
    do {
      ++current;
    } while (later[static_cast<size_t>(current)].empty());
    std::vector<Pending>& next = later[static_cast<size_t>(current)];
    later_count -= static_cast<int64_t>(next.size());
    heap.swap(next);  // keeps both buffers' capacity for reuse
    next.clear();
    std::make_heap(heap.begin(), heap.end(), Later());
  }

  // Plans order k's lifecycle and pushes its records.
  void StartOrder(int64_t k) {
    const uint64_t order = static_cast<uint64_t>(k);
    Rng rng(StreamSeed(options.seed, order, kSaltPlan));
    const OrderInfo info = Derive(order);
    struct Step {
      Type type;
      uint8_t aux;
      int64_t time;
    };
    std::array<Step, kMaxSteps> steps;
    int n = 0;
    int64_t t = CreatedAt(k);
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
      Pending p{};
      p.event_time_us = steps[i].time;
      if (rng.Chance(options.late_rate)) {
        p.ingest_time_us = p.event_time_us + rng.Between(options.max_lateness_us / 2, options.max_lateness_us);
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
      if (rng.Chance(options.duplicate_rate)) {
        Pending d = p;
        d.kind = Kind::kDuplicate;
        d.emit_us = d.ingest_time_us + rng.Between(1000, 5 * kSecond);
        Push(d);
      }
      if (rng.Chance(options.poison_rate)) {
        Pending q = p;
        q.kind = Kind::kPoison;
        q.poison = static_cast<uint8_t>(rng.Below(static_cast<uint64_t>(Poison::kCount)));
        Push(q);
      }
    }
  }

  // The payload of one event (aux: see Pending).
  void BuildPayload(const Pending& p, const OrderInfo& info, Rng& rng, std::string* out) const {
    out->clear();
    out->append("{\"order_id\":\"");
    AppendOrderId(p.order, out);
    out->push_back('"');
    const uint8_t aux = p.aux;
    switch (p.type) {
      case Type::kCreated: {
        AppendStringField("channel", kChannels[info.channel], out);
        AppendStringField("currency", info.currency->code, out);
        out->append(",\"items\":[");
        for (int i = 0; i < info.item_count; ++i) {
          const Item& item = info.items[i];
          if (i > 0) out->push_back(',');
          out->append("{\"sku\":\"SKU-");
          AppendPadded(item.sku, 5, out);
          out->push_back('"');
          AppendIntField("quantity", item.quantity, out);
          AppendIntField("unit_price_minor", item.unit_price_minor, out);
          out->push_back('}');
        }
        out->push_back(']');
        AppendIntField("subtotal_minor", info.subtotal_minor, out);
        AppendIntField("shipping_minor", info.shipping_minor, out);
        AppendIntField("total_minor", info.total_minor(), out);
        break;
      }
      case Type::kAuthorized:
      case Type::kFailed: {
        AppendField("payment_id", out);
        out->append("\"PAY-");
        AppendPadded(p.order + 1, 11, out);
        out->push_back('-');
        AppendInt(p.step, out);
        out->push_back('"');
        AppendIntField("attempt", aux, out);
        AppendStringField("method", kMethods[info.method], out);
        AppendIntField("amount_minor", info.total_minor(), out);
        AppendStringField("currency", info.currency->code, out);
        if (p.type == Type::kFailed) {
          AppendStringField("failure_code", kFailureCodes[rng.Below(std::size(kFailureCodes))], out);
        }
        break;
      }
      case Type::kCancelled:
        AppendStringField("reason", kCancelReasons[aux & 1], out);
        break;
      case Type::kShipped:
      case Type::kDelivered: {
        // The carrier and tracking number are drawn per shipment, so a
        // shipment's shipped and delivered events agree.
        AppendField("shipment_id", out);
        out->append("\"SHP-");
        AppendPadded(p.order + 1, 11, out);
        out->push_back('-');
        AppendInt(aux, out);
        out->push_back('"');
        Rng carrier(StreamSeed(options.seed, p.order, kSaltEvent, 1000 + aux));
        AppendStringField("carrier", kCarriers[carrier.Below(std::size(kCarriers))], out);
        if (p.type == Type::kShipped) {
          AppendField("tracking_number", out);
          out->push_back('"');
          AppendPadded(carrier.Below(1000000000000ULL), 12, out);
          out->push_back('"');
        } else {
          AppendStringField("delivered_to", kDeliveredTo[rng.Below(std::size(kDeliveredTo))], out);
        }
        break;
      }
      case Type::kRefund: {
        AppendField("refund_id", out);
        out->append("\"RFD-");
        AppendPadded(p.order + 1, 11, out);
        out->push_back('"');
        const bool full = aux == 2 || rng.Chance(0.6);
        const int64_t amount = full ? info.total_minor() : info.items[0].unit_price_minor;
        AppendIntField("amount_minor", amount, out);
        AppendStringField("currency", info.currency->code, out);
        AppendStringField("reason", kRefundReasons[aux], out);
        break;
      }
    }
    out->push_back('}');
  }

  void Render(const Pending& p, Record* out) {
    const OrderInfo info = Derive(p.order);
    Rng rng(StreamSeed(options.seed, p.order, kSaltEvent, p.step));
    ev::Event& e = event;
    const uint64_t id_salt = p.kind == Kind::kPoison ? kSaltPoisonId : kSaltId;
    e.event_id.clear();
    AppendUuid(StreamSeed(options.seed, p.order, id_salt, 2 * p.step),
               StreamSeed(options.seed, p.order, id_salt, 2 * p.step + 1), &e.event_id);
    e.event_type.assign(kTypeNames[static_cast<int>(p.type)]);
    e.schema_version = ev::kSchemaVersion;
    e.event_time_us = p.event_time_us;
    e.ingest_time_us = p.ingest_time_us;
    scratch.clear();
    scratch.append("tenant-");
    AppendPadded(static_cast<uint64_t>(info.tenant) + 1, 2, &scratch);
    SetString(&e.tenant_id, scratch);
    scratch.clear();
    scratch.append("t");
    AppendPadded(static_cast<uint64_t>(info.tenant) + 1, 2, &scratch);
    scratch.append("-u");
    AppendPadded(info.user + 1, 7, &scratch);
    SetString(&e.user_id, scratch);
    const bool by_customer = p.type == Type::kCreated || p.type == Type::kAuthorized || p.type == Type::kFailed ||
                             (p.type == Type::kCancelled && p.aux == 1);
    if (by_customer) {
      scratch.clear();
      scratch.append("sess-");
      AppendHex(info.session, 16, &scratch);
      SetString(&e.session_id, scratch);
    } else {
      e.session_id.reset();
    }
    const char* system = "order-service";
    switch (p.type) {
      case Type::kCreated: system = kChannelSystems[info.channel]; break;
      case Type::kAuthorized:
      case Type::kFailed:
      case Type::kRefund: system = "payment-gateway"; break;
      case Type::kShipped:
      case Type::kDelivered: system = "fulfillment"; break;
      case Type::kCancelled: break;
    }
    SetString(&e.source_system, system);
    BuildPayload(p, info, rng, &e.payload);
    ev::SetChecksum(&e);

    out->line.clear();
    if (p.kind == Kind::kPoison) {
      RenderPoison(static_cast<Poison>(p.poison), &out->line);
      out->poison_reason.assign(kPoisonReasons[p.poison]);
    } else {
      ev::EncodeLine(e, &out->line);
      out->poison_reason.clear();
    }
    out->key.clear();
    AppendOrderId(p.order, &out->key);
    out->ingest_date.resize(ev::kDateLength);
    ev::IngestDateTo(p.ingest_time_us, out->ingest_date.data());
    out->ingest_time_us = p.ingest_time_us;
    out->kind = p.kind;
  }

  // Removes `,"<name>":<value>` (a string or null value) from a line encoded by EncodeLine.
  static void EraseField(std::string* line, std::string_view name) {
    std::string pattern = ",\"" + std::string(name) + "\":";
    size_t at = line->find(pattern);
    if (at == std::string::npos) {  // the first field has no leading comma
      pattern = "{\"" + std::string(name) + "\":";
      at = line->find(pattern);
      ++at;  // keep the '{'
      size_t end = line->find("\",", at + pattern.size());
      line->erase(at, end + 2 - at);
      return;
    }
    size_t value = at + pattern.size();
    size_t end;
    if ((*line)[value] == '"') {
      end = line->find('"', value + 1) + 1;
    } else if ((*line)[value] == '{') {
      end = line->find(",\"checksum\"", value);
    } else {
      end = line->find_first_of(",}", value);
    }
    line->erase(at, end - at);
  }

  // Replaces the string value of `name` (an EncodeLine line) with `value` (raw JSON text).
  static void ReplaceValue(std::string* line, std::string_view name, std::string_view value) {
    const std::string pattern = "\"" + std::string(name) + "\":";
    const size_t start = line->find(pattern) + pattern.size();
    size_t end;
    if ((*line)[start] == '"') {
      end = line->find('"', start + 1) + 1;
    } else if ((*line)[start] == '{') {
      end = line->find(",\"checksum\"", start);
    } else {
      end = line->find_first_of(",}", start);
    }
    line->replace(start, end - start, value);
  }

  // Writes a line breaking exactly one rule into *line, from the event in `event`.
  void RenderPoison(Poison variant, std::string* line) {
    ev::Event& e = event;
    switch (variant) {
      case Poison::kNotAnObject:
        // The event wrapped in an array, as a batching producer might send it.
        line->push_back('[');
        ev::EncodeLine(e, line);
        line->push_back(']');
        return;
      case Poison::kInvalidUtf8:
        // A Latin-1 byte in a payload string; the checksum covers those bytes.
        e.payload.insert(e.payload.size() - 1, ",\"note\":\"caf\xe9\"");
        ev::SetChecksum(&e);
        break;
      case Poison::kBadTypePayload:
        // The payload double-encoded as a JSON string.
        scratch.clear();
        AppendJsonString(e.payload, &scratch);
        e.payload = scratch;
        e.checksum.reset();
        break;
      default:
        break;
    }
    ev::EncodeLine(e, line);
    switch (variant) {
      case Poison::kTruncated: line->pop_back(); break;  // the closing brace is lost
      case Poison::kMissingEventId: EraseField(line, "event_id"); break;
      case Poison::kMissingEventTime: EraseField(line, "event_time"); break;
      case Poison::kMissingIngestTime: EraseField(line, "ingest_time"); break;
      case Poison::kMissingPayload: EraseField(line, "payload"); break;
      case Poison::kBadTypeEventId: ReplaceValue(line, "event_id", "12345"); break;
      case Poison::kBadTypeSchemaVersion: ReplaceValue(line, "schema_version", "\"1\""); break;
      case Poison::kBadEventTime:
      case Poison::kBadIngestTime: {
        // An impossible calendar day: February 30th of the same year.
        const std::string pattern = variant == Poison::kBadEventTime ? "\"event_time\":\"" : "\"ingest_time\":\"";
        const size_t at = line->find(pattern) + pattern.size();
        line->replace(at + 5, 5, "02-30");
        break;
      }
      case Poison::kChecksumMismatch: {
        // One flipped hex digit, as a corrupted byte would give.
        const size_t at = line->find("\"checksum\":\"") + 12;
        (*line)[at] = (*line)[at] == '0' ? '1' : '0';
        break;
      }
      default:
        break;
    }
  }

  static void AppendJsonString(std::string_view s, std::string* out) {
    out->push_back('"');
    for (char c : s) {
      if (c == '"' || c == '\\') out->push_back('\\');
      out->push_back(c);
    }
    out->push_back('"');
  }
};

Simulator::Simulator(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Simulator::~Simulator() = default;

int64_t Simulator::orders_started() const { return impl_->next_order; }

bool Simulator::Next(Record* out) {
  Impl& s = *impl_;
  while (true) {
    if (s.heap.empty() && s.later_count > 0) s.OpenNextBucket();
    // Every record of an order not yet started is ingested at or after its creation.
    if (!s.heap.empty() && s.heap.front().emit_us <= s.next_created_us) {
      std::pop_heap(s.heap.begin(), s.heap.end(), Later());
      const Pending p = s.heap.back();
      s.heap.pop_back();
      s.Render(p, out);
      return true;
    }
    if (s.next_order >= s.options.orders) return false;
    s.StartOrder(s.next_order++);
    s.next_created_us = s.next_order < s.options.orders ? s.CreatedAt(s.next_order) : INT64_MAX;
  }
}

}  // namespace evpipe::sim
