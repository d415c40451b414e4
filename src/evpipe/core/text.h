// Small text helpers shared by every module: JSON string escaping, UTF-8 checks,
// base64 (the one encoder and decoder).
#pragma once

#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Appends `s` as a JSON string literal (quotes included). `s` must be valid UTF-8;
// control characters are escaped, everything else is copied.
void AppendJsonString(std::string_view s, std::string* out);
// The same without the quotes: the body of a JSON string.
void AppendJsonEscaped(std::string_view s, std::string* out);
// Standard base64 with padding (RFC 4648, section 4).
void AppendBase64(std::string_view bytes, std::string* out);
std::string Base64Encode(std::string_view bytes);
// The bytes of standard base64 text with padding; InvalidArgument for a length
// that is not a multiple of 4 or a character outside the alphabet (padding only
// at the very end).
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace evpipe
