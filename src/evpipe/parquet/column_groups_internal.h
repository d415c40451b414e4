// Private to parquet: the columns of a file split into groups of similar
// encoding cost, and a small team of threads that runs one task per group
// (group 0 on the caller's thread). FileWriter appends, encodes and compresses
// each group's column chunks on its own thread; the file layout stays serial.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::parquet::internal {

// Owned and called by one thread (the FileWriter's); the helper threads live
// as long as the object. With one group no thread is started.
class ColumnGroups {
 public:
  // Splits `columns` columns into min(groups, columns) groups (at least one):
  // heaviest first onto the lightest group, ties by index, so the split is
  // deterministic. `weights` has one entry per column, or is empty (equal).
  ColumnGroups(size_t columns, int groups, const std::vector<double>& weights);
  ~ColumnGroups();
  ColumnGroups(const ColumnGroups&) = delete;
  ColumnGroups& operator=(const ColumnGroups&) = delete;

  size_t size() const { return groups_.size(); }
  size_t group_of(size_t column) const { return group_of_[column]; }
  const std::vector<size_t>& columns(size_t group) const { return groups_[group]; }
  // Runs fn(g) for every group at once and waits; the first error (by group) wins.
  Status Run(const std::function<Status(size_t)>& fn);

 private:
  void WorkerLoop(size_t group);

  std::vector<std::vector<size_t>> groups_;  // column indexes per group, ascending
  std::vector<size_t> group_of_;

  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<Status(size_t)>* task_ = nullptr;  // guarded by mu_
  uint64_t generation_ = 0;                              // guarded by mu_
  size_t pending_ = 0;                                   // guarded by mu_
  bool stop_ = false;                                    // guarded by mu_
  std::vector<Status> results_;                          // guarded by mu_ (entry g by worker g)
  std::vector<std::thread> workers_;                     // groups 1..n-1
};

}  // namespace evpipe::parquet::internal
