// `evpipe gen`: simulate orders into NDJSON files in the raw layout (no broker).
#include <cstdio>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/clock.h"
#include "evpipe/core/format.h"
#include "evpipe/core/names.h"
#include "evpipe/core/progress.h"
#include "evpipe/io/date_partition.h"
#include "evpipe/jobs/reconcile.h"
#include "evpipe/io/file_system.h"
#include "evpipe/cli/sim_flags.h"
#include "evpipe/sim/record_stream.h"

namespace evpipe::cli {
namespace {

constexpr const char* kPartName = "part-00000.ndjson";

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
};

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

// Streams the simulator into the chosen sink. Date files stay open until the end
// (a run has a few dozen dates) because duplicates can trail across midnight.
Status Generate(const GenArgs& args, Totals* totals, int64_t* dates) {
  io::FileSystem& fs = io::FileSystem::Default();
  sim::RecordStream stream(args.sim.options, args.threads);
  Progress progress("gen", static_cast<uint64_t>(args.sim.options.orders), "orders");

  std::map<std::string, PendingFile> by_date;
  PendingFile single;
  std::string stdout_buffer;
  const bool to_stdout = args.out == "-";
  if (!args.out.empty() && !to_stdout) {
    EVPIPE_ASSIGN_OR_RETURN(single, OpenHidden(fs, args.out));
  }
  const std::string topic_dir = io::JoinPath(args.gen_dir, args.topic);
  // The last date's file, to skip the map look-up for the common case.
  std::string last_date;
  io::WritableFile* last_file = nullptr;

  for (std::span<sim::Record> batch = stream.NextBatch(); !batch.empty(); batch = stream.NextBatch()) {
   for (sim::Record& record : batch) {
    switch (record.kind) {
      case sim::Kind::kEvent: ++totals->events; break;
      case sim::Kind::kDuplicate: ++totals->duplicates; break;
      case sim::Kind::kPoison: ++totals->poison; break;
    }
    record.line.push_back('\n');
    totals->bytes += record.line.size();
    if (to_stdout) {
      stdout_buffer.append(record.line);
      if (stdout_buffer.size() >= (1u << 20)) {
        if (std::fwrite(stdout_buffer.data(), 1, stdout_buffer.size(), stdout) != stdout_buffer.size()) {
          return Status::IoError("write to stdout failed");
        }
        stdout_buffer.clear();
      }
    } else if (single.file) {
      EVPIPE_RETURN_IF_ERROR(single.file->Append(record.line));
    } else {
      if (last_file == nullptr || record.ingest_date != last_date) {
        auto it = by_date.find(record.ingest_date);
        if (it == by_date.end()) {
          const std::string path =
              io::JoinPath(io::JoinPath(topic_dir, io::DatePartitionName(record.ingest_date)), kPartName);
          EVPIPE_ASSIGN_OR_RETURN(PendingFile p, OpenHidden(fs, path));
          it = by_date.emplace(record.ingest_date, std::move(p)).first;
        }
        last_date = record.ingest_date;
        last_file = it->second.file.get();
      }
      EVPIPE_RETURN_IF_ERROR(last_file->Append(record.line));
    }
   }
    progress.Update(static_cast<uint64_t>(stream.orders_started()));
  }
  if (std::string error = stream.error(); !error.empty()) return Status::Internal("simulator: " + error);
  progress.Finish();

  if (to_stdout) {
    if (std::fwrite(stdout_buffer.data(), 1, stdout_buffer.size(), stdout) != stdout_buffer.size() ||
        std::fflush(stdout) != 0) {
      return Status::IoError("write to stdout failed");
    }
  } else if (single.file) {
    EVPIPE_RETURN_IF_ERROR(Publish(fs, single));
  } else {
    for (auto& [date, p] : by_date) EVPIPE_RETURN_IF_ERROR(Publish(fs, p).WithContext("date=" + date));
  }
  *dates = static_cast<int64_t>(by_date.size());
  return Status::Ok();
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
