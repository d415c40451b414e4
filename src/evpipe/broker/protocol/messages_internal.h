// Helpers shared by the messages_*.cc codecs: tagged-field sections and
// arrays of strings and int32s. Private to broker/protocol.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/wire.h"

namespace evpipe::kafka_protocol {

inline constexpr int16_t K(ApiKey k) { return static_cast<int16_t>(k); }

inline void Tags(Reader& r, bool fx) {
  if (fx) r.SkipTaggedFields();
}
inline void Tags(Writer& w, bool fx) {
  if (fx) w.EmptyTaggedFields();
}

inline std::vector<std::string> StringArray(Reader& r, bool fx) {
  std::vector<std::string> out;
  int32_t n = r.ArrayLength(fx, 2);
  for (int32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.String(fx));
  return out;
}

inline std::vector<int32_t> Int32Array(Reader& r, bool fx) {
  std::vector<int32_t> out;
  int32_t n = r.ArrayLength(fx, 4);
  for (int32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.Int32());
  return out;
}

inline void Int32Array(Writer& w, const std::vector<int32_t>& v, bool fx) {
  w.ArrayLength(static_cast<int32_t>(v.size()), fx);
  for (int32_t x : v) w.Int32(x);
}

}  // namespace evpipe::kafka_protocol
