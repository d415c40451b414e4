// ColumnGroups: the split of columns into groups, and the threads that run them.
#include "evpipe/parquet/column_groups_internal.h"

#include <algorithm>
#include <exception>
#include <numeric>
#include <string>

namespace evpipe::parquet::internal {

ColumnGroups::ColumnGroups(size_t columns, int groups, const std::vector<double>& weights) {
  const size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(groups, 1)), 1, std::max<size_t>(columns, 1));
  std::vector<double> w = weights.size() == columns ? weights : std::vector<double>(columns, 1.0);
  std::vector<size_t> order(columns);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return w[a] > w[b]; });
  std::vector<double> load(n, 0);
  group_of_.resize(columns);
  for (size_t c : order) {
    const size_t g = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[g] += w[c];
    group_of_[c] = g;
  }
  groups_.resize(n);
  for (size_t c = 0; c < columns; ++c) groups_[group_of_[c]].push_back(c);
  results_.resize(n);
  for (size_t g = 1; g < n; ++g) workers_.emplace_back(&ColumnGroups::WorkerLoop, this, g);
}

ColumnGroups::~ColumnGroups() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ColumnGroups::WorkerLoop(size_t group) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<Status(size_t)>* task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
    }
    Status s;
    try {
      s = (*task)(group);
    } catch (const std::exception& e) {  // a thread entry point never lets an exception out
      s = Status::Internal(std::string("parquet writer thread: ") + e.what());
    } catch (...) {
      s = Status::Internal("parquet writer thread: unknown exception");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      results_[group] = std::move(s);
      --pending_;
    }
    cv_.notify_all();
  }
}

Status ColumnGroups::Run(const std::function<Status(size_t)>& fn) {
  if (!workers_.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    pending_ = workers_.size();
    ++generation_;
  }
  cv_.notify_all();
  Status first = fn(0);
  if (!workers_.empty()) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return pending_ == 0; });
    for (size_t g = 1; g < results_.size(); ++g) {
      if (first.ok() && !results_[g].ok()) first = results_[g];
    }
  }
  return first;
}

}  // namespace evpipe::parquet::internal
