// Progress bar.
#include "evpipe/core/progress.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"

namespace evpipe {

bool Progress::Enabled() {
  const char* env = std::getenv("EVPIPE_PROGRESS");
  if (env != nullptr && std::strcmp(env, "0") == 0) return false;
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)), enabled_(Enabled()),
      start_us_(MonotonicMicros()) {}

std::string Progress::Rate(double per_second) const {
  return FormatRate(per_second, unit_.empty() ? "" : unit_);
}

std::string Progress::Amount(double n) const {
  if (unit_ == "B") return FormatBytes(n);
  return FormatCount(n);
}

Progress::~Progress() { Finish(); }

void Progress::Update(uint64_t done) {
  if (!enabled_) return;
  int64_t now = MonotonicMicros();
  if (now - last_draw_us_ < 100000) return;
  last_draw_us_ = now;
  Draw(done);
}

void Progress::Update(uint64_t done, uint64_t total) {
  total_ = total;
  Update(done);
}

void Progress::Draw(uint64_t done) {
  double secs = static_cast<double>(MonotonicMicros() - start_us_) / 1e6;
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  std::string line;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    double frac = static_cast<double>(done) / static_cast<double>(total_);
    if (frac > 1) frac = 1;
    int filled = static_cast<int>(frac * kWidth);
    std::string eta;
    if (rate > 0 && done < total_) eta = fmt::format(" ETA {:.0f} s", static_cast<double>(total_ - done) / rate);
    line = fmt::format("\r{} [{}{}] {:5.1f}% {}/{} {}{} ", label_, std::string(filled, '#'),
                       std::string(kWidth - filled, '.'), frac * 100, Amount(static_cast<double>(done)),
                       Amount(static_cast<double>(total_)), Rate(rate), eta);
  } else {
    line = fmt::format("\r{} {} {} ", label_, Amount(static_cast<double>(done)), Rate(rate));
  }
  line += "\033[K";  // the rest of a longer earlier line
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  drawn_ = true;
}

void Progress::Finish() {
  if (!drawn_) return;
  static constexpr char kClear[] = "\r\033[K";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, kClear, sizeof(kClear) - 1);
  drawn_ = false;
}

}  // namespace evpipe
