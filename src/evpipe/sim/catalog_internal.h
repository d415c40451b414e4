// Private to sim: what the simulator knows about orders: event types, poison
// variants, currencies and the other catalogues, and each order's derived facts.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "evpipe/event/event.h"
#include "evpipe/sim/simulator.h"

namespace evpipe::sim::internal {

namespace ev = evpipe::event;

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

struct Currency {
  std::string_view code;
  int64_t scale;  // minor units per "price point" (JPY has no minor unit)
};
constexpr Currency kCurrencies[] = {{"EUR", 1}, {"USD", 1}, {"GBP", 1}, {"SEK", 10}, {"JPY", 1}};

constexpr std::string_view kChannels[] = {"web", "ios", "android"};
constexpr std::string_view kChannelSystems[] = {"web-shop", "ios-app", "android-app"};
constexpr std::string_view kMethods[] = {"card", "card", "card", "paypal", "klarna", "apple_pay"};
constexpr std::string_view kFailureCodes[] = {"insufficient_funds", "card_declined", "expired_card", "authentication_failed"};
constexpr std::string_view kCarriers[] = {"DHL", "UPS", "PostNord", "DPD", "GLS"};
constexpr std::string_view kCancelReasons[] = {"payment_failed", "customer_request"};
constexpr std::string_view kRefundReasons[] = {"returned", "damaged", "cancelled"};
constexpr std::string_view kDeliveredTo[] = {"recipient", "front_door", "neighbour", "parcel_locker"};

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
  std::array<Item, 5> items{};
  int64_t subtotal_minor = 0;
  int64_t shipping_minor = 0;
  int64_t total_minor() const { return subtotal_minor + shipping_minor; }
};

// How much DeriveOrder works out. kParties stops after item_count (the tenant,
// user, session, channel, method and currency: what every event mentions),
// leaving the items and amounts zero; kAll adds them. The values both give are
// the same (the items are drawn last).
enum class Facts { kParties, kAll };

class Streams;

// The facts of order `order` (a pure function of the seed, the order and
// users_per_tenant); streams: the seed's (rng_internal.h).
OrderInfo DeriveOrder(const Streams& streams, int64_t users_per_tenant, int tenants, uint64_t order,
                      Facts facts = Facts::kAll);
// Users per tenant for these options (at least 20).
int64_t UsersPerTenant(const Options& options);

}  // namespace evpipe::sim::internal
