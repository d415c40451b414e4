// Private to sim: the counter-based random streams every simulated value is drawn from.
// A value depends only on (seed, order, salt, index), never on emission order, which
// is what lets planning and rendering run apart (and rendering on several threads).
#pragma once

#include <cstdint>

namespace evpipe::sim::internal {

// splitmix64's finaliser: a good 64-bit mix, also used as a counter-based PRNG.
constexpr uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A splitmix64 stream: tiny state, fast, plenty for a simulation.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;  // Lemire's multiply-shift, no division
    return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  bool Chance(double p) { return Unit() < p; }

 private:
  uint64_t state_;
};

// Salts that keep the per-order and per-event streams independent.
enum Salt : uint64_t {
  kSaltPlan = 1,
  kSaltOrder = 2,
  kSaltEvent = 3,
  kSaltId = 4,
  kSaltPoisonId = 5,
  kSaltCreate = 6,
};

// The seed of one random stream: Seed(order, salt, index) is
// Mix(Mix(Mix(seed ^ (salt << 56)) ^ order) ^ index). The first step depends
// only on the seed and the salt, so it is done once per salt: the renderer and
// the planner draw several streams per record.
class Streams {
 public:
  explicit Streams(uint64_t seed) {
    for (uint64_t salt = 0; salt < kSalts; ++salt) salted_[salt] = Mix(seed ^ (salt << 56));
  }
  uint64_t Seed(uint64_t order, Salt salt, uint64_t index = 0) const { return Mix(Mix(salted_[salt] ^ order) ^ index); }

 private:
  static constexpr uint64_t kSalts = kSaltCreate + 1;
  uint64_t salted_[kSalts];
};

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

}  // namespace evpipe::sim::internal
