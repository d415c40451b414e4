// The hand-written parts of the message codec (see messages_common.h).
#include "evpipe/broker/protocol/messages_common.h"

#include "evpipe/broker/protocol/api.h"

namespace evpipe::kafka_protocol {

bool RequestHeader::Decode(Reader& r) {
  api_key = r.Int16();
  api_version = r.Int16();
  correlation_id = r.Int32();
  client_id = r.NullableString(false);  // never compact, even in header v2
  if (!r.ok()) return false;
  if (IsFlexible(api_key, api_version)) r.SkipTaggedFields();
  return r.ok();
}

void RequestHeader::Encode(Writer& w) const {
  w.Int16(api_key);
  w.Int16(api_version);
  w.Int32(correlation_id);
  w.NullableString(client_id, false);
  if (IsFlexible(api_key, api_version)) w.EmptyTaggedFields();
}

void EncodeResponseHeader(Writer& w, int16_t api_key, int16_t api_version, int32_t correlation_id) {
  w.Int32(correlation_id);
  if (api_key != static_cast<int16_t>(ApiKey::kApiVersions) && IsFlexible(api_key, api_version)) {
    w.EmptyTaggedFields();
  }
}

void SimpleErrorResponse::Encode(Writer& w, int16_t v, int16_t throttle_from_version) const {
  if (v >= throttle_from_version) w.Int32(throttle_time_ms);
  w.Int16(error_code);
}

}  // namespace evpipe::kafka_protocol
