// Each order's derived facts: tenant, user, session, channel, payment method, items.
#include <algorithm>
#include <cmath>

#include "evpipe/sim/catalog_internal.h"
#include "evpipe/sim/rng_internal.h"

namespace evpipe::sim::internal {

int64_t UsersPerTenant(const Options& options) {
  return std::max<int64_t>(20, options.orders / (3 * options.tenants));
}

OrderInfo DeriveOrder(const Streams& streams, int64_t users_per_tenant, int tenants, uint64_t order, Facts facts) {
  Rng rng(streams.Seed(order, kSaltOrder));
  OrderInfo info;
  // Tenants are skewed: tenant 1 gets the most orders.
  const double skew = rng.Unit();
  info.tenant = static_cast<int>(skew * skew * tenants);
  info.user = rng.Below(static_cast<uint64_t>(users_per_tenant));
  info.session = rng.Next();
  info.channel = static_cast<int>(rng.Below(3));
  info.method = static_cast<int>(rng.Below(std::size(kMethods)));
  info.currency = &kCurrencies[info.tenant % std::size(kCurrencies)];
  const double u = rng.Unit();
  info.item_count = u < 0.45 ? 1 : u < 0.75 ? 2 : u < 0.9 ? 3 : u < 0.97 ? 4 : 5;
  if (facts == Facts::kParties) return info;
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

}  // namespace evpipe::sim::internal
