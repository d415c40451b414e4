// `evpipe gen`: simulate orders into NDJSON files in the raw layout (no broker).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/names.h"
#include "evpipe/core/progress.h"
#include "evpipe/event/event.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/jobs/reconcile.h"
#include "evpipe/io/file_system.h"
#include "evpipe/cli/sim_flags.h"
#include "evpipe/sim/record_stream.h"

namespace evpipe::cli {
namespace {

constexpr const char* kPartName = "part-00000.ndjson";
constexpr int64_t kDayUs = 24LL * 3600 * 1000000;

struct GenArgs {
  SimulatorFlags sim;
  std::string topic;
  std::string gen_dir;
  std::string out;  // "-" for stdout, a path for one file, empty for the date layout
  int threads = 0;  // render threads; 0: one per hardware thread
};

struct Totals {
  int64_t events = 0, duplicates = 0, poison = 0;
  uint64_t bytes = 0;
};

// One output file written under a hidden name and renamed into place when complete.
struct PendingFile {
  std::string final_path;
  std::unique_ptr<io::WritableFile> file;
  uint64_t written_back = 0;  // file->Size() when StartWriteback last ran
};

// Without a push the kernel leaves gen's dirty pages in memory (far below its
// dirty thresholds) until each date's fsync, which then writes the whole date
// while rendering is over: the first three dates hold two thirds of the bytes.
// Starting the writeback every few MiB keeps the disk busy while we render.
constexpr uint64_t kWritebackBytes = 8u << 20;

Status KeepWritingBack(PendingFile& p) {
  if (p.file->Size() - p.written_back < kWritebackBytes) return Status::Ok();
  p.written_back = p.file->Size();
  return p.file->StartWriteback();
}

Result<PendingFile> OpenHidden(io::FileSystem& fs, const std::string& final_path) {
  const std::string dir = io::DirName(final_path);
  EVPIPE_RETURN_IF_ERROR(fs.CreateDirs(dir));
  PendingFile p;
  p.final_path = final_path;
  EVPIPE_ASSIGN_OR_RETURN(p.file, fs.NewWritableFile(io::JoinPath(dir, "." + io::BaseName(final_path) + ".tmp")));
  return p;
}

Status Publish(io::FileSystem& fs, PendingFile& p) {
  EVPIPE_RETURN_IF_ERROR(p.file->Sync());
  const std::string tmp = p.file->path();
  EVPIPE_RETURN_IF_ERROR(p.file->Close());
  EVPIPE_RETURN_IF_ERROR(fs.Rename(tmp, p.final_path));
  return fs.SyncDir(io::DirName(p.final_path));
}

// Publishes finished date files on a thread of its own, in the order given, so
// that the disk syncs one date while the simulator still renders the next.
class Publisher {
 public:
  explicit Publisher(io::FileSystem& fs) : fs_(fs), thread_([this] { Main(); }) {}
  ~Publisher() { (void)Finish(); }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void Submit(std::string date, PendingFile file) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back({std::move(date), std::move(file)});
    }
    cv_.notify_one();
  }

  // Waits until everything submitted is published (or one failed); the first failure.
  Status Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  struct Item {
    std::string date;
    PendingFile file;
  };

  void Main() {
    while (true) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;  // done_ and drained
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      // After a failure the rest stay under their hidden names, as when gen stops.
      if (status_.ok()) status_ = Publish(fs_, item.file).WithContext("date=" + item.date);
    }
  }

  io::FileSystem& fs_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // (mu_)
  bool done_ = false;       // (mu_)
  Status status_;           // the publisher thread's until it is joined
  std::thread thread_;      // last: starts once the members above exist
};

// --out naming an existing file that is not a regular file (/dev/null, a FIFO,
// a terminal) is written as a stream: a hidden file renamed over it would
// replace the device.
bool IsStream(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

Status WriteStream(std::FILE* stream, std::string_view text, const std::string& name) {
  if (std::fwrite(text.data(), 1, text.size(), stream) != text.size()) return Status::IoError("write to " + name + " failed");
  return Status::Ok();
}

// Streams the simulator into the chosen sink. The threads that plan and render
// (this one among them) join each batch's lines by date and write them too
// (RecordStream::ConsumeAll: one batch at a time, in order), each run straight
// from the text the thread has just rendered (AppendAndFlush: no copy into the
// file's buffer). A date's file is published (fsync, rename, fsync of its
// directory, on the Publisher's thread) as soon as no later record can belong
// to that date (sim::kMaxDuplicateDelayUs), the last ones at the end.
Status Generate(const GenArgs& args, Totals* totals, int64_t* dates) {
  io::FileSystem& fs = io::FileSystem::Default();
  sim::RecordStream stream(args.sim.options, args.threads, /*join_lines=*/true);
  Progress progress("gen", static_cast<uint64_t>(args.sim.options.orders), "orders");

  struct OpenDate {
    PendingFile file;
    int64_t midnight_us;  // of the date
  };
  std::map<std::string, OpenDate, std::less<>> open;
  std::set<std::string, std::less<>> published;
  Publisher publisher(fs);
  PendingFile single;
  const bool layout = args.out.empty();
  const std::string stream_name = args.out == "-" ? "stdout" : args.out;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> opened(nullptr, std::fclose);
  std::FILE* out_stream = nullptr;  // stdout, or --out when it is a device or FIFO
  if (args.out == "-") {
    out_stream = stdout;
  } else if (!layout && IsStream(args.out)) {
    opened.reset(std::fopen(args.out.c_str(), "w"));
    if (opened == nullptr) return Status::FromErrno("--out " + args.out, errno);
    out_stream = opened.get();
  } else if (!layout) {
    EVPIPE_ASSIGN_OR_RETURN(single, OpenHidden(fs, args.out));
  }
  const std::string topic_dir = io::JoinPath(args.gen_dir, args.topic);
  int64_t newest_ingest_us = INT64_MIN;  // of every record written so far

  // Runs on a render thread, one batch at a time, in order (RecordStream::ConsumeAll).
  auto write_batch = [&](const sim::RecordStream::Batch& batch) -> Status {
    for (const sim::Record& record : batch.records) {
      switch (record.kind) {
        case sim::Kind::kEvent: ++totals->events; break;
        case sim::Kind::kDuplicate: ++totals->duplicates; break;
        case sim::Kind::kPoison: ++totals->poison; break;
      }
      newest_ingest_us = std::max(newest_ingest_us, record.ingest_time_us);
    }
    for (const sim::RecordStream::LineRun& run : batch.runs) {
      totals->bytes += run.text.size();
      if (out_stream != nullptr) {
        EVPIPE_RETURN_IF_ERROR(WriteStream(out_stream, run.text, stream_name));
        continue;
      }
      if (!layout) {
        EVPIPE_RETURN_IF_ERROR(single.file->AppendAndFlush(run.text, {}));
        EVPIPE_RETURN_IF_ERROR(KeepWritingBack(single));
        continue;
      }
      auto it = open.find(run.ingest_date);
      if (it == open.end()) {
        if (published.contains(run.ingest_date)) {
          return Status::Internal(fmt::format("a record for {} came after its file was published", run.ingest_date));
        }
        EVPIPE_ASSIGN_OR_RETURN(int64_t midnight_us, event::ParseDate(run.ingest_date));
        const std::string path =
            io::JoinPath(io::JoinPath(topic_dir, io::DatePartitionName(std::string(run.ingest_date))), kPartName);
        EVPIPE_ASSIGN_OR_RETURN(PendingFile p, OpenHidden(fs, path));
        it = open.emplace(std::string(run.ingest_date), OpenDate{std::move(p), midnight_us}).first;
        ++*dates;
      }
      EVPIPE_RETURN_IF_ERROR(it->second.file.file->AppendAndFlush(run.text, {}));
      EVPIPE_RETURN_IF_ERROR(KeepWritingBack(it->second.file));
    }
    // Dates no later record can belong to are complete.
    for (auto it = open.begin(); it != open.end();) {
      if (it->second.midnight_us + kDayUs + sim::kMaxDuplicateDelayUs > newest_ingest_us) {
        ++it;
        continue;
      }
      published.insert(it->first);
      publisher.Submit(it->first, std::move(it->second.file));
      it = open.erase(it);
    }
    progress.Update(static_cast<uint64_t>(batch.orders_started));
    return Status::Ok();
  };
  EVPIPE_RETURN_IF_ERROR(stream.ConsumeAll(write_batch));
  progress.Finish();

  if (out_stream != nullptr) {
    if (std::fflush(out_stream) != 0) return Status::IoError("write to " + stream_name + " failed");
    if (opened != nullptr && std::fclose(opened.release()) != 0) {
      return Status::IoError("closing " + stream_name + " failed");
    }
  } else if (!layout) {
    EVPIPE_RETURN_IF_ERROR(Publish(fs, single));
  } else {
    for (auto& [date, d] : open) publisher.Submit(date, std::move(d.file));
    open.clear();
  }
  return publisher.Finish();
}

int RunGen(GenArgs& args) {
  if (std::string error = args.sim.Resolve(); !error.empty()) {
    std::fprintf(stderr, "evpipe gen: %s\n", error.c_str());
    return kExitUsage;
  }
  // The topic names a folder: Kafka's rule (core/names.h) keeps it one safe path component.
  if (Status t = ValidateTopicName(args.topic); !t.ok()) {
    std::fprintf(stderr, "evpipe gen: --topic: %s\n", t.message().c_str());
    return kExitUsage;
  }
  Totals totals;
  int64_t dates = 0;
  const int64_t start = MonotonicMicros();
  Status s = Generate(args, &totals, &dates);
  if (!s.ok()) {
    std::fprintf(stderr, "evpipe gen: %s\n", s.ToString().c_str());
    return kExitFailure;
  }
  if (args.out.empty()) {
    Status recorded =
        jobs::WriteRunRecord(io::FileSystem::Default(), args.gen_dir, args.topic, args.sim.options, "gen");
    if (!recorded.ok()) {
      std::fprintf(stderr, "evpipe gen: warning: could not record the simulator flags for reconcile: %s\n",
                   recorded.message().c_str());
    }
  }
  const double secs = static_cast<double>(MonotonicMicros() - start) / 1e6;
  const int64_t lines = totals.events + totals.duplicates + totals.poison;
  const std::string where = args.out == "-" ? "stdout"
                            : !args.out.empty() ? args.out
                                                : io::JoinPath(args.gen_dir, args.topic);
  const std::string summary = fmt::format(
      "gen: {} events ({} unique, {} duplicates, {} poison), {}, {} dates, {:.3f} s, {}, {} -> {}\n", lines,
      totals.events, totals.duplicates, totals.poison, FormatBytes(static_cast<double>(totals.bytes)),
      args.out.empty() ? dates : 0, secs, FormatRate(secs > 0 ? static_cast<double>(lines) / secs : 0.0, "events"),
      FormatRate(secs > 0 ? static_cast<double>(totals.bytes) / secs : 0.0, "B"), where);
  // With --out - the data owns stdout, so the summary goes to stderr.
  std::fputs(summary.c_str(), args.out == "-" ? stderr : stdout);
  return kExitOk;
}

}  // namespace

void RegisterGen(CLI::App& root, Context& ctx) {
  CLI::App* sub = root.add_subcommand(
      "gen", "simulate orders into GEN_DIR/<topic>/ingest_date=D/part-00000.ndjson (no broker)");
  auto args = std::make_shared<GenArgs>();
  AddOrders(sub, args->sim.options.orders);
  AddSeed(sub, args->sim.options.seed);
  AddTopic(sub, args->topic);
  AddGenDir(sub, args->gen_dir);
  sub->add_option("-o,--out", args->out,
                  "Write every line to this one file instead of the date layout ('-' for stdout)");
  sub->add_option("--threads", args->threads,
                  "Threads rendering events (0: one per hardware thread); the output is the same for any count")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  args->sim.Add(sub);
  sub->callback([&ctx, args] { ctx.exit_code = RunGen(*args); });
}

}  // namespace evpipe::cli
