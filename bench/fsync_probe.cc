// The disk's side of the broker's latency, without the broker: FILES files in
// DIR appended at RATE MB/s in all (one write(2) per tick of TICK_MS of the
// bytes due, whole RECORD-byte records), each followed by an fdatasync (or
// fsync), as the broker's group commit does per partition. Prints the sync
// and write latency percentiles, a histogram and when the syncs over 10 ms
// happened. With SECONDS too short to roll, like the bench's 5 s run.
//   fsync_probe DIR [key=value ...]: rate_mb=65 record=650 tick_ms=1 seconds=5
//     files=1 sync=fdatasync|fsync prealloc=none|keep (fallocate KEEP_SIZE of
//     prealloc_mb=512 first, as Kafka's log.preallocate does for a segment)
// docs/readme/broker.md ("Latency") has what it measured here.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Options {
  std::string dir;
  double rate_mb = 65;  // MB/s over all files: 100k records/s of 650 B
  int record = 650;
  double tick_ms = 1;
  double seconds = 5;
  int files = 1;
  bool fsync = false;  // fdatasync by default
  bool preallocate = false;
  long long prealloc_mb = 512;
};

constexpr double kBucketMs[] = {0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 200, 500};

void PrintLatencies(const char* what, std::vector<double> v) {
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]; };
  double sum = 0;
  for (double x : v) sum += x;
  size_t over10 = static_cast<size_t>(v.end() - std::upper_bound(v.begin(), v.end(), 10.0));
  std::printf("%s: n %zu mean %.2f p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms; over 10 ms %zu\n", what,
              v.size(), sum / static_cast<double>(v.size()), q(.5), q(.9), q(.99), q(.999), v.back(), over10);
  std::printf("  count by upper bound (ms):");
  size_t i = 0;
  for (double edge : kBucketMs) {
    size_t n = 0;
    for (; i < v.size() && v[i] <= edge; ++i) ++n;
    if (n > 0) std::printf(" %g:%zu", edge, n);
  }
  if (i < v.size()) std::printf(" more:%zu", v.size() - i);
  std::printf("\n");
}

bool ParseOption(const std::string& arg, Options* o) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos) return false;
  std::string k = arg.substr(0, eq);
  const char* v = arg.c_str() + eq + 1;
  if (k == "rate_mb") o->rate_mb = std::atof(v);
  else if (k == "record") o->record = std::max(1, std::atoi(v));
  else if (k == "tick_ms") o->tick_ms = std::atof(v);
  else if (k == "seconds") o->seconds = std::atof(v);
  else if (k == "files") o->files = std::max(1, std::atoi(v));
  else if (k == "sync") o->fsync = std::strcmp(v, "fsync") == 0;
  else if (k == "prealloc") o->preallocate = std::strcmp(v, "keep") == 0;
  else if (k == "prealloc_mb") o->prealloc_mb = std::atoll(v);
  else return false;
  return true;
}

struct Samples {
  std::vector<double> sync_ms, write_ms;
  std::vector<std::pair<double, double>> slow;  // (ms since start, sync ms) of syncs over 10 ms
  long long bytes = 0;
};

// One file's loop; exits on any error (a probe, not a server).
Samples AppendAndSync(const Options& o, int index, Clock::time_point t0) {
  Samples out;
  std::string path = o.dir + "/fsync-probe-" + std::to_string(index) + ".log";
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || (o.preallocate && ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, o.prealloc_mb << 20) != 0)) {
    std::perror(path.c_str());
    std::exit(1);
  }
  const double bytes_per_ms = o.rate_mb * 1e3 / o.files;
  std::vector<char> buf(64 << 20, 'x');
  const auto start = Clock::now();
  auto next = start;
  for (;;) {
    double elapsed = Ms(Clock::now() - start);
    if (elapsed >= o.seconds * 1000) break;
    long long due = static_cast<long long>(elapsed * bytes_per_ms) / o.record * o.record - out.bytes;
    if (due > 0) {
      due = std::min<long long>(due, static_cast<long long>(buf.size()));
      auto w0 = Clock::now();
      if (::write(fd, buf.data(), static_cast<size_t>(due)) != due) {
        std::perror("write");
        std::exit(1);
      }
      out.write_ms.push_back(Ms(Clock::now() - w0));
      out.bytes += due;
      auto s0 = Clock::now();
      if ((o.fsync ? ::fsync(fd) : ::fdatasync(fd)) != 0) {
        std::perror("sync");
        std::exit(1);
      }
      double d = Ms(Clock::now() - s0);
      out.sync_ms.push_back(d);
      if (d > 10) out.slow.push_back({Ms(s0 - t0), d});
    }
    // Like the group commit, a late sync is followed at once by the next.
    next += std::chrono::microseconds(static_cast<long>(o.tick_ms * 1000));
    if (next > Clock::now()) {
      std::this_thread::sleep_until(next);
    } else {
      next = Clock::now();
    }
  }
  ::close(fd);
  ::unlink(path.c_str());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsync_probe DIR [rate_mb=65 record=650 tick_ms=1 seconds=5 files=1 "
                         "sync=fdatasync|fsync prealloc=none|keep prealloc_mb=512]\n");
    return 2;
  }
  o.dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    if (!ParseOption(argv[i], &o)) {
      std::fprintf(stderr, "fsync_probe: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  std::mutex mu;
  Samples all;
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < o.files; ++i) {
    threads.emplace_back([&, i] {
      Samples s = AppendAndSync(o, i, t0);
      std::lock_guard lock(mu);
      all.sync_ms.insert(all.sync_ms.end(), s.sync_ms.begin(), s.sync_ms.end());
      all.write_ms.insert(all.write_ms.end(), s.write_ms.begin(), s.write_ms.end());
      all.slow.insert(all.slow.end(), s.slow.begin(), s.slow.end());
      all.bytes += s.bytes;
    });
  }
  for (std::thread& t : threads) t.join();
  std::printf("%.0f MB/s into %d file(s) for %.0f s (%.1f MB written), %d-byte records, a %s every %.1f ms, %s\n",
              o.rate_mb, o.files, o.seconds, static_cast<double>(all.bytes) / 1e6, o.record,
              o.fsync ? "fsync" : "fdatasync", o.tick_ms,
              o.preallocate ? "preallocated (FALLOC_FL_KEEP_SIZE)" : "not preallocated");
  PrintLatencies(o.fsync ? "fsync" : "fdatasync", all.sync_ms);
  PrintLatencies("write", all.write_ms);
  std::sort(all.slow.begin(), all.slow.end());
  std::printf("syncs over 10 ms (ms since start: duration):");
  for (const auto& [t, d] : all.slow) std::printf(" %.0f:%.1f", t, d);
  std::printf("\n");
  return 0;
}
