// The renderer: one planned record to its JSON line (payload, checksum, envelope).
#include "evpipe/sim/render_internal.h"

#include <algorithm>
#include <cstring>

#include "evpipe/sim/append_internal.h"
#include "evpipe/sim/rng_internal.h"

namespace evpipe::sim::internal {

Renderer::Renderer(const Options& options)
    : options_(options),
      streams_(options.seed),
      users_per_tenant_(UsersPerTenant(options)),
      clean_environment_(ev::IsCleanString(options.environment)),
      fields_(kFieldsCapacity, '\0') {}

// The payload of one event (aux: see Planned).
void Renderer::BuildPayload(const Planned& p, const OrderInfo& info, std::string_view order_number, Rng& rng,
                            Writer& w) const {
  w.Raw("{\"order_id\":\"ORD-");
  w.Raw(order_number);
  w.Char('"');
  const uint8_t aux = p.aux;
  switch (p.type) {
    case Type::kCreated: {
      w.StringField("channel", kChannels[info.channel]);
      w.StringField("currency", info.currency->code);
      w.Raw(",\"items\":[");
      for (int i = 0; i < info.item_count; ++i) {
        const Item& item = info.items[i];
        if (i > 0) w.Char(',');
        w.Raw("{\"sku\":\"SKU-");
        w.Padded(item.sku, 5);
        w.Char('"');
        w.IntField("quantity", item.quantity);
        w.IntField("unit_price_minor", item.unit_price_minor);
        w.Char('}');
      }
      w.Char(']');
      w.IntField("subtotal_minor", info.subtotal_minor);
      w.IntField("shipping_minor", info.shipping_minor);
      w.IntField("total_minor", info.total_minor());
      break;
    }
    case Type::kAuthorized:
    case Type::kFailed: {
      w.Field("payment_id");
      w.Raw("\"PAY-");
      w.Raw(order_number);
      w.Char('-');
      w.Int(p.step);
      w.Char('"');
      w.IntField("attempt", aux);
      w.StringField("method", kMethods[info.method]);
      w.IntField("amount_minor", info.total_minor());
      w.StringField("currency", info.currency->code);
      if (p.type == Type::kFailed) {
        w.StringField("failure_code", kFailureCodes[rng.Below(std::size(kFailureCodes))]);
      }
      break;
    }
    case Type::kCancelled:
      w.StringField("reason", kCancelReasons[aux & 1]);
      break;
    case Type::kShipped:
    case Type::kDelivered: {
      // The carrier and tracking number are drawn per shipment, so a
      // shipment's shipped and delivered events agree.
      w.Field("shipment_id");
      w.Raw("\"SHP-");
      w.Raw(order_number);
      w.Char('-');
      w.Int(aux);
      w.Char('"');
      Rng carrier(streams_.Seed(p.order, kSaltEvent, 1000 + aux));
      w.StringField("carrier", kCarriers[carrier.Below(std::size(kCarriers))]);
      if (p.type == Type::kShipped) {
        w.Field("tracking_number");
        w.Char('"');
        w.Padded(carrier.Below(1000000000000ULL), 12);
        w.Char('"');
      } else {
        w.StringField("delivered_to", kDeliveredTo[rng.Below(std::size(kDeliveredTo))]);
      }
      break;
    }
    case Type::kRefund: {
      w.Field("refund_id");
      w.Raw("\"RFD-");
      w.Raw(order_number);
      w.Char('"');
      const bool full = aux == 2 || rng.Chance(0.6);
      const int64_t amount = full ? info.total_minor() : info.items[0].unit_price_minor;
      w.IntField("amount_minor", amount);
      w.StringField("currency", info.currency->code);
      w.StringField("reason", kRefundReasons[aux]);
      break;
    }
  }
  w.Char('}');
}

// Writes the envelope's strings of p's event into fields_, viewed by
// *out_event (all but payload and checksum), sets *parts for BuildPayload and
// everything of *out but its line and poison reason. Returns the end of the
// strings in fields_.
char* Renderer::BuildEnvelope(const Planned& p, Record* out, ev::EventView* out_event, Parts* parts) {
  const bool needs_items =
      p.type == Type::kCreated || p.type == Type::kAuthorized || p.type == Type::kFailed || p.type == Type::kRefund;
  parts->info = DeriveOrder(streams_, users_per_tenant_, options_.tenants, p.order,
                            needs_items ? Facts::kAll : Facts::kParties);
  const OrderInfo& info = parts->info;
  parts->rng = Rng(streams_.Seed(p.order, kSaltEvent, p.step));
  // The envelope's strings are written into fields_ and viewed from `e`.
  char* const base = fields_.data();
  Writer w(base);
  auto view = [&](char* begin) { return std::string_view(begin, static_cast<size_t>(w.end() - begin)); };
  ev::EventView& e = *out_event;
  const Salt id_salt = p.kind == Kind::kPoison ? kSaltPoisonId : kSaltId;
  char* at = w.end();
  w.OrderNumber(p.order);
  const std::string_view order_number = view(at);
  parts->order_number = order_number;
  at = w.end();
  w.Padded(static_cast<uint64_t>(info.tenant) + 1, 2);
  const std::string_view tenant_number = view(at);
  at = w.end();
  w.Uuid(streams_.Seed(p.order, id_salt, 2 * p.step), streams_.Seed(p.order, id_salt, 2 * p.step + 1));
  e.event_id = view(at);
  e.event_type = kTypeNames[static_cast<int>(p.type)];
  e.schema_version = ev::kSchemaVersion;
  e.event_time_us = p.event_time_us;
  e.ingest_time_us = p.ingest_time_us;
  at = w.end();
  w.Raw("tenant-");
  w.Raw(tenant_number);
  e.tenant_id = view(at);
  at = w.end();
  w.Char('t');
  w.Raw(tenant_number);
  w.Raw("-u");
  w.Padded(info.user + 1, 7);
  e.user_id = view(at);
  const bool by_customer = p.type == Type::kCreated || p.type == Type::kAuthorized || p.type == Type::kFailed ||
                           (p.type == Type::kCancelled && p.aux == 1);
  if (by_customer) {
    at = w.end();
    w.Raw("sess-");
    w.Hex(info.session, 16);
    e.session_id = view(at);
  }
  std::string_view system = "order-service";
  switch (p.type) {
    case Type::kCreated: system = kChannelSystems[info.channel]; break;
    case Type::kAuthorized:
    case Type::kFailed:
    case Type::kRefund: system = "payment-gateway"; break;
    case Type::kShipped:
    case Type::kDelivered: system = "fulfillment"; break;
    case Type::kCancelled: break;
  }
  e.source_system = system;
  if (!options_.environment.empty()) e.environment = options_.environment;
  e.record_source = kRecordSource;
  out->key.assign("ORD-");
  out->key.append(order_number);
  out->ingest_date.resize(ev::kDateLength);
  ev::IngestDateTo(p.ingest_time_us, out->ingest_date.data());
  out->ingest_time_us = p.ingest_time_us;
  out->kind = p.kind;
  return w.end();
}

// BuildEnvelope, then the payload and its checksum into fields_ too.
void Renderer::Build(const Planned& p, Record* out, ev::EventView* out_event) {
  Parts parts;
  char* const payload = BuildEnvelope(p, out, out_event, &parts);
  Writer w(payload);
  BuildPayload(p, parts.info, parts.order_number, parts.rng, w);
  out_event->payload = std::string_view(payload, static_cast<size_t>(w.end() - payload));
  ev::Sha256HexTo(out_event->payload, w.end());
  out_event->checksum = std::string_view(w.end(), 64);
}

void Renderer::Render(const Planned& p, Record* out) {
  ev::EventView e;
  Build(p, out, &e);
  out->line.clear();
  if (p.kind == Kind::kPoison) {
    RenderPoison(static_cast<Poison>(p.poison), e, &out->line);  // edits a line of its own
    out->poison_reason.assign(kPoisonReasons[p.poison]);
  } else {
    ev::EncodeLine(e, &out->line);  // EncodeLine appends
    out->poison_reason.clear();
  }
}

size_t Renderer::RenderJoined(const Planned& p, Record* out, std::string* text, size_t at) {
  if (p.kind != Kind::kPoison && clean_environment_) {
    // Every string is the simulator's own text: the envelope goes straight
    // into *text, the payload after it (hashed where it lies), then its checksum.
    ev::EventView e;
    Parts parts;
    BuildEnvelope(p, out, &e, &parts);
    out->line.clear();
    out->poison_reason.clear();
    const size_t need = ev::MaxCleanHeadSize(e) + kMaxPayloadSize + ev::kChecksumTailSize + 1;
    if (text->size() - at < need) text->resize(std::max(at + need, 2 * text->size()));
    char* const begin = text->data();
    char* const payload = ev::EncodeCleanHeadTo(e, begin + at);
    Writer w(payload);
    BuildPayload(p, parts.info, parts.order_number, parts.rng, w);
    char* end = ev::EncodeChecksumTailTo(std::string_view(payload, static_cast<size_t>(w.end() - payload)), w.end());
    *end++ = '\n';
    return static_cast<size_t>(end - begin);
  }
  // A poison line (an edit of the valid one), or one whose --environment needs
  // escaping (EncodeLine's general path): made in scratch_line_, copied in.
  ev::EventView e;
  Build(p, out, &e);
  out->line.clear();
  scratch_line_.clear();
  if (p.kind == Kind::kPoison) {
    RenderPoison(static_cast<Poison>(p.poison), e, &scratch_line_);
    out->poison_reason.assign(kPoisonReasons[p.poison]);
  } else {
    ev::EncodeLine(e, &scratch_line_);
    out->poison_reason.clear();
  }
  const size_t need = scratch_line_.size() + 1;
  if (text->size() - at < need) text->resize(std::max(at + need, 2 * text->size()));
  char* const begin = text->data();
  std::memcpy(begin + at, scratch_line_.data(), scratch_line_.size());
  char* end = begin + at + scratch_line_.size();
  *end++ = '\n';
  return static_cast<size_t>(end - begin);
}

}  // namespace evpipe::sim::internal
