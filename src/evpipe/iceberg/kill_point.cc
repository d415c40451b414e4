#include "evpipe/iceberg/kill_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace evpipe::iceberg {
namespace {

// -1: off, 0: list, N > 0: kill at step N.
long Target() {
  static const long target = [] {
    const char* v = std::getenv("EVPIPE_KILL_AT");
    if (v == nullptr || *v == '\0') return -1L;
    if (std::string(v) == "list") return 0L;
    return std::strtol(v, nullptr, 10);
  }();
  return target;
}

std::atomic<long> steps{0};

}  // namespace

void KillPoint(std::string_view where) {
  const long target = Target();
  if (target < 0) return;
  const long n = steps.fetch_add(1) + 1;
  if (target == 0) {
    const auto now = std::chrono::steady_clock::now();
    static const auto first = now;
    const long long us = std::chrono::duration_cast<std::chrono::microseconds>(now - first).count();
    std::fprintf(stderr, "kill-point %ld %.*s +%lld us\n", n, static_cast<int>(where.size()), where.data(), us);
    return;
  }
  if (n == target) ::kill(::getpid(), SIGKILL);
}

}  // namespace evpipe::iceberg
