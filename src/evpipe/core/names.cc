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

void AppendPrometheusLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      default: *out += c;
    }
  }
}

}  // namespace evpipe
