// Prometheus text lines (see prometheus.h).
#include "evpipe/core/prometheus.h"

#include <iterator>

#include <fmt/core.h>

namespace evpipe {

void AppendPrometheusHeader(std::string_view name, std::string_view help, std::string_view type, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "# HELP {0} {1}\n# TYPE {0} {2}\n", name, help, type);
}

void AppendPrometheusCounter(std::string_view name, std::string_view help, uint64_t value, std::string* out) {
  AppendPrometheusHeader(name, help, "counter", out);
  fmt::format_to(std::back_inserter(*out), "{} {}\n", name, value);
}

}  // namespace evpipe
