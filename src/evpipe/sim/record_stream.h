// The simulator with its rendering spread over several threads: records come out
// in batches, in exactly the order and with exactly the bytes Simulator::Next
// gives for the same options, whatever the thread count.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "evpipe/sim/simulator.h"

namespace evpipe::sim {

// Planning (cheap, sequential) runs in the caller's thread inside NextBatch;
// rendering (the JSON text and the payload's SHA-256, ~90% of the work) runs on
// `threads` worker threads a few batches ahead of the caller. With threads <= 1
// everything runs in the caller's thread. One caller thread at a time.
class RecordStream {
 public:
  static constexpr int kBatchRecords = 2048;

  // threads: render threads; 0 picks one per hardware thread.
  explicit RecordStream(const Options& options, int threads = 0);
  ~RecordStream();  // stops and joins the workers
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;

  // The next records (at least one), or an empty span at the end or after a
  // failure (then error() says why). The records stay valid, and may be
  // modified, until the next call.
  std::span<Record> NextBatch();
  // Empty unless a render thread failed (for example out of memory).
  std::string error() const;
  // Orders planned so far (for progress).
  int64_t orders_started() const;
  int threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evpipe::sim
