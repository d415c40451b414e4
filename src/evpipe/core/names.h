// Rules for names that become paths or labels: Kafka topic names and
// Prometheus label values. One home for each (STYLE.md).
#pragma once

#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe {

// Longest topic name Kafka accepts.
inline constexpr size_t kMaxTopicNameLength = 249;

// Checks a topic name the way Kafka's broker does: 1..249 characters of
// [a-zA-Z0-9._-], and not "." or "..". A valid name is also a safe path
// component. InvalidArgument names the rule that failed.
Status ValidateTopicName(std::string_view name);

// Appends `value` as a Prometheus text-format label value (without the
// quotes): backslash, double quote and line feed escaped as the exposition
// format requires, and each byte that does not start a UTF-8 sequence
// replaced by U+FFFD (label values must be UTF-8). The broker's and the
// sink's /metrics both write labels with it (core/prometheus.h: the rest of
// the text format).
void AppendPrometheusLabelValue(std::string_view value, std::string* out);

}  // namespace evpipe
