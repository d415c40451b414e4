// Validation on its own thread for sink-raw: the classifier runs one batch
// ahead of the thread that writes and publishes. Private to the sink module.
#pragma once

#include <condition_variable>
#include <cstring>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/kafka/consumer.h"
#include "evpipe/sink/sink.h"

namespace evpipe::sink {

// What the classifier said about one record.
struct Verdict {
  int64_t ingest_us = -1;
  std::optional<std::string> reason;  // nullopt: a valid event
};

// Classifies one batch of records on its own thread while the consumer thread
// lands the previous batch (validation is the sink's largest CPU cost, and
// landing is mostly writing). One batch at a time; Submit and Wait are called
// by the consumer thread only, in turns.
class ClassifyWorker {
 public:
  explicit ClassifyWorker(RecordClassifier& classifier) : classifier_(classifier), thread_([this] { Loop(); }) {}
  ~ClassifyWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  ClassifyWorker(const ClassifyWorker&) = delete;
  ClassifyWorker& operator=(const ClassifyWorker&) = delete;

  // Starts classifying `batch` into `out`; both must live until Wait returns.
  void Submit(const kafka::MessageBatch* batch, std::vector<Verdict>* out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch_ = batch;
      out_ = out;
      done_ = false;
    }
    cv_.notify_all();
  }
  // Waits for the submitted batch; an error when the classifier threw.
  Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_ || batch_ == nullptr; });
    return error_;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return quit_ || (batch_ != nullptr && !done_); });
      if (quit_) return;
      const kafka::MessageBatch* batch = batch_;
      std::vector<Verdict>* out = out_;
      lock.unlock();
      Status error;
      try {
        out->resize(batch->size());
        for (size_t i = 0; i < batch->size(); ++i) Classify(batch->value(i), &(*out)[i]);
      } catch (const std::exception& e) {
        error = Status::Internal(std::string("classifying records: ") + e.what());
      }
      lock.lock();
      if (!error.ok() && error_.ok()) error_ = error;
      done_ = true;
      cv_.notify_all();
    }
  }

  void Classify(std::string_view value, Verdict* v) {
    v->ingest_us = -1;
    if (!value.empty() && std::memchr(value.data(), '\n', value.size()) != nullptr) {
      v->reason = "line_break_in_record";  // one record must stay one line
      return;
    }
    v->reason = classifier_.Classify(value, &v->ingest_us);
  }

  RecordClassifier& classifier_;
  std::mutex mu_;
  std::condition_variable cv_;
  const kafka::MessageBatch* batch_ = nullptr;  // guarded by mu_
  std::vector<Verdict>* out_ = nullptr;         // guarded by mu_
  bool done_ = true;                            // guarded by mu_
  bool quit_ = false;                           // guarded by mu_
  Status error_;                                // guarded by mu_
  std::thread thread_;
};

}  // namespace evpipe::sink
