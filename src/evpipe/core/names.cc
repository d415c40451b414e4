// Topic names and Prometheus label values.
#include "evpipe/core/names.h"

#include <fmt/core.h>

namespace evpipe {

Status ValidateTopicName(std::string_view name) {
  if (name.empty() || name.size() > kMaxTopicNameLength || name == "." || name == "..") {
    return Status::InvalidArgument(fmt::format("invalid topic name '{}': 1 to {} characters, not '.' or '..'", name,
                                               kMaxTopicNameLength));
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return Status::InvalidArgument(fmt::format("invalid topic name '{}': only [a-zA-Z0-9._-]", name));
  }
  return Status::Ok();
}

namespace {

// Length of the valid UTF-8 sequence at the start of `v`, 0 when invalid.
size_t Utf8SequenceLength(std::string_view v) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(v[i]); };
  unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || n > v.size() || (n == 2 && c < 0xc2)) return n == 1 ? 1 : 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

void AppendPrometheusLabelValue(std::string_view value, std::string* out) {
  for (size_t i = 0; i < value.size();) {
    size_t n = Utf8SequenceLength(value.substr(i));
    if (n == 0) {
      *out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    if (n > 1) {
      out->append(value.substr(i, n));
      i += n;
      continue;
    }
    char c = value[i++];
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      default: *out += c;
    }
  }
}

}  // namespace evpipe
