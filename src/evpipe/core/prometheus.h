// The Prometheus text exposition format (version 0.0.4) as the broker's and the
// sink's /metrics pages write it: each metric family's HELP and TYPE lines, and
// the common case of a counter with one unlabelled sample. Label values:
// AppendPrometheusLabelValue (names.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace evpipe {

// "# HELP <name> <help>\n# TYPE <name> <type>\n"; the samples follow.
void AppendPrometheusHeader(std::string_view name, std::string_view help, std::string_view type, std::string* out);
// The header of a counter and its one sample "<name> <value>\n".
void AppendPrometheusCounter(std::string_view name, std::string_view help, uint64_t value, std::string* out);

}  // namespace evpipe
