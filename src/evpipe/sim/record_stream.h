// The simulator with its rendering spread over several threads: records come out
// in batches, in exactly the order and with exactly the bytes Simulator::Next
// gives for the same options, whatever the thread count.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "evpipe/core/status.h"
#include "evpipe/sim/simulator.h"

namespace evpipe::sim {

// Planning (sequential, about a fifth of the work) runs in the caller's thread
// inside NextBatch, rendering (the JSON text and the payload's SHA-256) on
// `threads` worker threads a few batches ahead of the caller. ConsumeAll
// instead shares all three steps among `threads` threads and the caller.
// With threads <= 1 everything runs in the caller's thread. One caller thread
// at a time.
class RecordStream {
 public:
  static constexpr int kBatchRecords = 512;

  // Consecutive records of a batch with the same ingest_date, their lines each
  // followed by '\n', in order (joined by the render threads, for writers).
  struct LineRun {
    std::string_view ingest_date;
    std::string_view text;
  };

  // threads: render threads; 0 picks one per hardware thread. join_lines: the
  // lines go to Runs() instead of the records (whose line is left empty).
  explicit RecordStream(const Options& options, int threads = 0, bool join_lines = false);
  ~RecordStream();  // stops and joins the workers
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;

  // The next records (at least one), or an empty span at the end or after a
  // failure (then error() says why). The records stay valid, and may be
  // modified, until the next call.
  std::span<Record> NextBatch();
  // The batch NextBatch last returned as runs of joined lines (join_lines only;
  // else empty). Valid until the next NextBatch; ingest_date views the record's.
  std::span<const LineRun> Runs() const;
  // Instead of NextBatch: hands every batch, in order, to `consume` with its
  // runs (join_lines; else empty), and returns once all are consumed or one
  // step failed (the consumer's Status, or Internal "simulator: ..." for a
  // render failure).
  // With several threads, each thread (`threads` and this one) plans
  // the next batch when few planned ones wait (one thread at a time), else
  // renders the earliest planned batch; `consume` runs on the thread that
  // finished the batch whose turn it is (so a batch's text is usually still in
  // that core's cache when it is written), never on two threads at once, in
  // batch order. Call it once, instead of NextBatch.
  struct Batch {
    std::span<Record> records;
    std::span<const LineRun> runs;
    int64_t orders_started;  // when the batch was planned (for progress)
  };
  using Consumer = std::function<Status(const Batch& batch)>;
  Status ConsumeAll(const Consumer& consume);
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
