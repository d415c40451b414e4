// RecordStream: a ring of batch slots; the caller plans into free slots, workers
// render planned slots, the caller takes rendered slots back in order.
#include "evpipe/sim/record_stream.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "evpipe/sim/plan_internal.h"
#include "evpipe/sim/render_internal.h"

namespace evpipe::sim {

namespace {

struct Slot {
  std::vector<internal::Planned> planned;
  std::vector<Record> records;  // kept between uses: their strings keep their capacity
  size_t size = 0;
  bool rendered = false;
  std::string text;                            // join_lines: every line and its '\n' (a buffer: see RenderSlot)
  std::vector<RecordStream::LineRun> runs;     // join_lines: views into text and records
  std::vector<size_t> run_ends;                // join_lines: where each run's text ends
  int64_t orders_started = 0;                  // the planner's count once this slot was planned
};

}  // namespace

struct RecordStream::Impl {
  Options options;
  internal::Planner planner;
  internal::Renderer inline_renderer;  // threads <= 1
  int threads;
  bool join_lines;
  bool planner_done = false;  // NextBatch: caller thread only; ConsumeAll: (mu)
  uint64_t planned_seq = 0;   // slots planned so far (caller thread only)
  uint64_t consumed_seq = 0;  // slots handed back to the caller so far (caller thread only)
  bool holding = false;       // the caller holds slot consumed_seq
  std::vector<Slot> slots;
  const Slot* current = nullptr;  // the slot NextBatch last returned (caller thread only)

  std::mutex mu;
  std::condition_variable work_cv;  // workers wait for planned slots (ConsumeAll: for any step)
  std::condition_variable done_cv;  // NextBatch: the caller waits for a rendered slot
  std::deque<size_t> queue;         // planned slots not yet taken by a worker, in order (mu)
  bool stopping = false;            // (mu)
  std::string error;                // first worker failure (mu)
  std::vector<std::thread> workers; // NextBatch: started by the first call; ConsumeAll: joined before it returns
  // ConsumeAll only: the consumer, whether a thread is running it or the
  // planner, its first failure, and the slot counters the threads share.
  const Consumer* consumer = nullptr;
  bool consuming = false;           // (mu)
  bool planning = false;            // (mu)
  Status consume_status;            // (mu)
  uint64_t shared_planned = 0;      // slots planned and queued (mu)
  uint64_t shared_consumed = 0;     // slots consumed and free again (mu)

  // The ring is deep enough that a thread the scheduler takes off its core for
  // a while (a loaded machine) does not stall the others: while its slot waits
  // to be consumed, they can plan and render this many slots ahead.
  Impl(const Options& o, int t, bool join) : options(o), planner(o), inline_renderer(o), threads(t), join_lines(join) {
    slots.resize(threads <= 1 ? 1 : static_cast<size_t>(std::max(8, 4 * threads)));
    for (Slot& s : slots) {
      s.planned.reserve(kBatchRecords);
      if (join_lines) s.text.resize(static_cast<size_t>(kBatchRecords) * 1024);  // once: never cleared
    }
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    work_cv.notify_all();
    for (std::thread& w : workers) w.join();
  }

  void RenderSlot(internal::Renderer& renderer, Slot& s) const {
    if (s.records.size() < s.planned.size()) s.records.resize(s.planned.size());
    s.size = s.planned.size();
    if (!join_lines) {
      for (size_t i = 0; i < s.size; ++i) renderer.Render(s.planned[i], &s.records[i]);
      return;
    }
    // Lines go straight into the slot's text (its size is its capacity, the
    // lines fill [0, used)); runs split it where ingest_date changes.
    s.runs.clear();
    std::vector<size_t>& ends = s.run_ends;  // the views are made once text stops growing
    ends.clear();
    size_t used = 0;
    for (size_t i = 0; i < s.size; ++i) {
      const size_t at = used;
      used = renderer.RenderJoined(s.planned[i], &s.records[i], &s.text, at);
      const Record& r = s.records[i];
      if (s.runs.empty() || s.runs.back().ingest_date != r.ingest_date) {
        if (!s.runs.empty()) ends.push_back(at);
        s.runs.push_back({r.ingest_date, {}});
      }
    }
    if (!s.runs.empty()) ends.push_back(used);
    size_t begin = 0;
    for (size_t k = 0; k < s.runs.size(); ++k) {
      s.runs[k].text = std::string_view(s.text).substr(begin, ends[k] - begin);
      begin = ends[k];
    }
  }

  // NextBatch's render threads (a thread entry point: never lets an exception out).
  void WorkerMain() {
    try {
      internal::Renderer renderer(options);
      while (true) {
        size_t index;
        {
          std::unique_lock<std::mutex> lock(mu);
          work_cv.wait(lock, [this] { return stopping || !queue.empty(); });
          if (stopping) return;
          index = queue.front();
          queue.pop_front();
        }
        RenderSlot(renderer, slots[index]);
        {
          std::lock_guard<std::mutex> lock(mu);
          slots[index].rendered = true;
        }
        done_cv.notify_one();
      }
    } catch (const std::exception& e) {
      Fail(e.what());
    } catch (...) {
      Fail("unknown error in a render thread");
    }
  }

  // The consumer on slot `s`; an exception becomes a failure (this thread must
  // go on to clear `consuming`).
  Status CallConsumer(Slot& s) const {
    try {
      return (*consumer)(Batch{std::span<Record>(s.records.data(), s.size), s.runs, s.orders_started});
    } catch (const std::exception& e) {
      return Status::Internal(std::string("consuming a batch: ") + e.what());
    } catch (...) {
      return Status::Internal("consuming a batch: unknown error");
    }
  }

  // Marks slot `index` rendered; unless another thread is consuming, consumes
  // every rendered slot whose turn has come.
  void ConsumeRendered(size_t index) {
    std::unique_lock<std::mutex> lock(mu);
    slots[index].rendered = true;
    if (consuming) return;
    consuming = true;
    while (consume_status.ok() && error.empty() && shared_consumed < shared_planned) {
      Slot& s = slots[shared_consumed % slots.size()];
      if (!s.rendered) break;
      lock.unlock();
      Status st = CallConsumer(s);
      lock.lock();
      s.rendered = false;
      ++shared_consumed;
      if (!st.ok() && consume_status.ok()) consume_status = std::move(st);
      work_cv.notify_all();  // a free slot to plan into, or the end
    }
    consuming = false;
  }

  // One of ConsumeAll's threads (the caller too): each plans the next
  // batch while fewer than `threads` planned slots wait to be rendered (one
  // thread at a time: the planner is sequential), else renders the earliest
  // planned slot, and consumes rendered slots in order (ConsumeRendered).
  // Returns at the end or after a failure.
  void ConsumeLoop(internal::Renderer& renderer) {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      if (stopping || !consume_status.ok() || !error.empty()) return;
      const bool can_plan = !planning && !planner_done && shared_planned - shared_consumed < slots.size();
      if (can_plan && queue.size() < static_cast<size_t>(threads)) {
        planning = true;
        const size_t index = shared_planned % slots.size();  // free: consumed, and no thread touches it until queued
        lock.unlock();
        const bool more = PlanInto(slots[index]);
        lock.lock();
        planning = false;
        if (more) {
          slots[index].rendered = false;
          queue.push_back(index);
          ++shared_planned;
        } else {
          planner_done = true;
        }
        work_cv.notify_all();
        continue;
      }
      if (!queue.empty()) {
        const size_t index = queue.front();
        queue.pop_front();
        lock.unlock();
        RenderSlot(renderer, slots[index]);
        ConsumeRendered(index);
        lock.lock();
        continue;
      }
      if (planner_done && !planning && shared_consumed == shared_planned) return;
      work_cv.wait(lock);
    }
  }

  // A thread entry point (and the caller's share of ConsumeAll): never lets an exception out.
  void GuardedConsumeLoop() {
    try {
      internal::Renderer renderer(options);
      ConsumeLoop(renderer);
    } catch (const std::exception& e) {
      Fail(e.what());
    } catch (...) {
      Fail("unknown error in a render thread");
    }
  }

  Status ConsumeAll(const Consumer& consume) {
    if (threads <= 1) {
      for (std::span<Record> batch = NextInline(); !batch.empty(); batch = NextInline()) {
        EVPIPE_RETURN_IF_ERROR(consume(Batch{batch, slots[0].runs, planner.orders_started()}));
      }
      return Status::Ok();
    }
    consumer = &consume;
    // `threads` threads and the caller, all alike: none waits for a thread
    // with a role of its own (a planner) that has no core. One thread more
    // than --threads gave the same wall time with nothing else running
    // (SCHED_FIFO runs) and keeps the cores busy when the scheduler takes one
    // of the threads away for a while (a loaded machine).
    for (int i = 0; i < threads; ++i) {
      try {
        workers.emplace_back([this] { GuardedConsumeLoop(); });
      } catch (const std::system_error&) {
        break;  // fewer threads: the same bytes, later
      }
    }
    GuardedConsumeLoop();
    for (std::thread& w : workers) w.join();  // after this no thread runs the consumer
    workers.clear();
    std::lock_guard<std::mutex> lock(mu);
    if (!consume_status.ok()) return consume_status;
    if (!error.empty()) return Status::Internal("simulator: " + error);
    return Status::Ok();
  }

  void Fail(const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (error.empty()) error = why;
    }
    done_cv.notify_all();
    work_cv.notify_all();
  }

  // Plans the next batch into `s`; false when the planner has nothing left.
  bool PlanInto(Slot& s) {
    s.planned.clear();
    internal::Planned p;
    while (s.planned.size() < static_cast<size_t>(kBatchRecords) && planner.Next(&p)) s.planned.push_back(p);
    s.orders_started = planner.orders_started();
    return !s.planned.empty();
  }

  std::span<Record> NextInline() {
    Slot& s = slots[0];
    if (planner_done || !PlanInto(s)) {
      planner_done = true;
      return {};
    }
    RenderSlot(inline_renderer, s);
    current = &s;
    return {s.records.data(), s.size};
  }

  std::span<Record> Next() {
    current = nullptr;
    if (threads <= 1) return NextInline();
    if (workers.empty()) {
      for (int i = 0; i < threads; ++i) workers.emplace_back([this] { WorkerMain(); });
    }
    if (holding) {  // the caller is done with its slot: free it
      holding = false;
      ++consumed_seq;
    }
    // Keep every free slot planned and queued.
    while (!planner_done && planned_seq - consumed_seq < slots.size()) {
      Slot& s = slots[planned_seq % slots.size()];
      if (!PlanInto(s)) {
        planner_done = true;
        break;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        s.rendered = false;
        queue.push_back(planned_seq % slots.size());
      }
      work_cv.notify_one();
      ++planned_seq;
    }
    if (consumed_seq == planned_seq) return {};
    Slot& s = slots[consumed_seq % slots.size()];
    std::unique_lock<std::mutex> lock(mu);
    done_cv.wait(lock, [&] { return s.rendered || !error.empty(); });
    if (!error.empty()) return {};
    holding = true;
    current = &s;
    return {s.records.data(), s.size};
  }
};

RecordStream::RecordStream(const Options& options, int threads, bool join_lines) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl_ = std::make_unique<Impl>(options, threads, join_lines);
}

RecordStream::~RecordStream() = default;

std::span<Record> RecordStream::NextBatch() { return impl_->Next(); }

Status RecordStream::ConsumeAll(const Consumer& consume) { return impl_->ConsumeAll(consume); }

std::span<const RecordStream::LineRun> RecordStream::Runs() const {
  if (impl_->current == nullptr) return {};
  return impl_->current->runs;
}

std::string RecordStream::error() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->error;
}

int64_t RecordStream::orders_started() const { return impl_->planner.orders_started(); }

int RecordStream::threads() const { return impl_->threads; }

}  // namespace evpipe::sim
