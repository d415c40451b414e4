// Private to sim: small fast text appenders for the simulator's lines (no
// allocation once `out` has grown). Simulator strings never need JSON escaping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evpipe::sim::internal {

void AppendInt(int64_t v, std::string* out);
// v in decimal, zero-padded to at least `width` digits.
void AppendPadded(uint64_t v, int width, std::string* out);
// The low `digits` hex digits of v, lowercase.
void AppendHex(uint64_t v, int digits, std::string* out);
// "ORD-" and order + 1 in 11 digits.
void AppendOrderId(uint64_t order, std::string* out);
// A random (version 4) UUID from 128 bits.
void AppendUuid(uint64_t hi, uint64_t lo, std::string* out);
// `,"name":` (the value follows).
void AppendField(std::string_view name, std::string* out);
void AppendStringField(std::string_view name, std::string_view value, std::string* out);
void AppendIntField(std::string_view name, int64_t value, std::string* out);
void SetString(std::optional<std::string>* slot, std::string_view value);

}  // namespace evpipe::sim::internal
