// The renderer: one planned record to its JSON line (payload, checksum, envelope).
#include "evpipe/sim/render_internal.h"

#include "evpipe/sim/append_internal.h"
#include "evpipe/sim/rng_internal.h"

namespace evpipe::sim::internal {

Renderer::Renderer(const Options& options)
    : options_(options), users_per_tenant_(UsersPerTenant(options)) {
  event_.environment = options_.environment.empty() ? std::nullopt : std::optional(options_.environment);
  event_.record_source = "evpipe-sim";
}

// The payload of one event (aux: see Planned).
void Renderer::BuildPayload(const Planned& p, const OrderInfo& info, Rng& rng, std::string* out) const {
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
      Rng carrier(StreamSeed(options_.seed, p.order, kSaltEvent, 1000 + aux));
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

void Renderer::Render(const Planned& p, Record* out, std::string* joined) {
  const OrderInfo info = DeriveOrder(options_.seed, users_per_tenant_, options_.tenants, p.order);
  Rng rng(StreamSeed(options_.seed, p.order, kSaltEvent, p.step));
  ev::Event& e = event_;
  const uint64_t id_salt = p.kind == Kind::kPoison ? kSaltPoisonId : kSaltId;
  e.event_id.clear();
  AppendUuid(StreamSeed(options_.seed, p.order, id_salt, 2 * p.step),
             StreamSeed(options_.seed, p.order, id_salt, 2 * p.step + 1), &e.event_id);
  e.event_type.assign(kTypeNames[static_cast<int>(p.type)]);
  e.schema_version = ev::kSchemaVersion;
  e.event_time_us = p.event_time_us;
  e.ingest_time_us = p.ingest_time_us;
  scratch_.clear();
  scratch_.append("tenant-");
  AppendPadded(static_cast<uint64_t>(info.tenant) + 1, 2, &scratch_);
  SetString(&e.tenant_id, scratch_);
  scratch_.clear();
  scratch_.append("t");
  AppendPadded(static_cast<uint64_t>(info.tenant) + 1, 2, &scratch_);
  scratch_.append("-u");
  AppendPadded(info.user + 1, 7, &scratch_);
  SetString(&e.user_id, scratch_);
  const bool by_customer = p.type == Type::kCreated || p.type == Type::kAuthorized || p.type == Type::kFailed ||
                           (p.type == Type::kCancelled && p.aux == 1);
  if (by_customer) {
    scratch_.clear();
    scratch_.append("sess-");
    AppendHex(info.session, 16, &scratch_);
    SetString(&e.session_id, scratch_);
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
    RenderPoison(static_cast<Poison>(p.poison), &out->line);  // edits a line of its own
    out->poison_reason.assign(kPoisonReasons[p.poison]);
    if (joined != nullptr) {
      joined->append(out->line);
      out->line.clear();
    }
  } else {
    ev::EncodeLine(e, joined != nullptr ? joined : &out->line);  // EncodeLine appends
    out->poison_reason.clear();
  }
  if (joined != nullptr) joined->push_back('\n');
  out->key.clear();
  AppendOrderId(p.order, &out->key);
  out->ingest_date.resize(ev::kDateLength);
  ev::IngestDateTo(p.ingest_time_us, out->ingest_date.data());
  out->ingest_time_us = p.ingest_time_us;
  out->kind = p.kind;
}

}  // namespace evpipe::sim::internal
