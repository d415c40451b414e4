// Small pieces for the --json outputs of the CLI (field names: docs/readme/json.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evpipe/core/text.h"

namespace evpipe::cli {

// `s` as a JSON string literal; bytes that are not UTF-8 become U+FFFD.
inline std::string JsonStr(std::string_view s) {
  std::string out;
  if (IsValidUtf8(s)) {
    AppendJsonString(s, &out);
  } else {
    std::string clean;
    for (unsigned char c : s) clean += c < 0x80 ? std::string(1, static_cast<char>(c)) : std::string("\xEF\xBF\xBD");
    AppendJsonString(clean, &out);
  }
  return out;
}

// An offset, or null for a negative (absent) one.
inline std::string JsonOffset(int64_t v) { return v < 0 ? "null" : std::to_string(v); }

}  // namespace evpipe::cli
