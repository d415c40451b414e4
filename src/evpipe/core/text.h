// Small text helpers shared by every module: JSON string escaping, UTF-8 checks, base64.
#pragma once

#include <string>
#include <string_view>

namespace evpipe {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Appends `s` as a JSON string literal (quotes included). `s` must be valid UTF-8;
// control characters are escaped, everything else is copied.
void AppendJsonString(std::string_view s, std::string* out);
// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);

}  // namespace evpipe
