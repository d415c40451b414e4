// Bytes as lowercase hex for byte-exact test expectations ("0a ff" with
// sep " ", "0aff" without). Header-only; tests only.
#pragma once

#include <string>
#include <string_view>

namespace evpipe::testing {

inline std::string HexBytes(std::string_view bytes, std::string_view sep = "") {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.append(sep);
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace evpipe::testing
