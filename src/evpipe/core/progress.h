// A progress bar on stderr, drawn only when stderr is a terminal.
#pragma once

#include <cstdint>
#include <string>

namespace evpipe {

// Owned by one thread (the one that calls Update/Finish). Redraws at most ten
// times a second, so Update is cheap to call per record.
class Progress {
 public:
  // total 0 means unknown: shows a count and a rate instead of a bar. `unit`
  // names what is counted ("orders"); "B" shows bytes (FormatBytes).
  Progress(std::string label, uint64_t total, std::string unit = "");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Update(uint64_t done);
  // With a total that moves (records landed + lag): shows the percent and an ETA.
  void Update(uint64_t done, uint64_t total);
  // Clears the bar line (no-op when not on a terminal).
  void Finish();

  // Forces drawing on or off (tests; EVPIPE_PROGRESS=0 turns it off too).
  static bool Enabled();

 private:
  void Draw(uint64_t done);

  std::string Amount(double n) const;
  std::string Rate(double per_second) const;

  std::string label_;
  uint64_t total_;
  std::string unit_;
  bool enabled_;
  bool drawn_ = false;
  int64_t start_us_;
  int64_t last_draw_us_ = 0;
};

}  // namespace evpipe
