// raw-to-parquet under injected I/O failures (the file-system seam): every failing
// create, write, fsync, rename or directory fsync leaves the date's previous
// output whole (or, past the swap, the new one whole), and the next run cleans up.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "evpipe/event/event.h"
#include "evpipe/io/fault_fs.h"
#include "evpipe/jobs/raw_input.h"
#include "evpipe/jobs/raw_to_parquet.h"
#include "support/temp_dir.h"

namespace evpipe::jobs {
namespace {

constexpr const char* kDate = "2026-02-05";

class FaultTest : public ::testing::Test {
 protected:
  FaultTest() {
    options_.raw_dir = io::JoinPath(tmp_.path(), "raw");
    options_.parquet_dir = io::JoinPath(tmp_.path(), "parquet");
    options_.quarantine_dir = io::JoinPath(tmp_.path(), "quarantine");
    options_.rows_per_file = 700;  // several files per date
    options_.progress = false;
    options_.threads = 2;
  }

  // n events (every 10th repeats an earlier id) plus one bad line.
  void WriteRaw(const std::string& name, int first, int n) {
    std::string text;
    event::Event e;
    for (int i = first; i < first + n; ++i) {
      e.event_id = "id-" + std::to_string(i % 10 == 9 ? i - 5 : i);
      e.event_type = "order_created";
      e.event_time_us = 1770249600000000LL + (i * 7919LL % 86400) * 1000000LL;
      e.ingest_time_us = 1770249600000000LL + i * 1000LL;
      e.tenant_id = i % 3 == 0 ? std::optional<std::string>() : "tenant-" + std::to_string(i % 5);
      e.payload = "{\"order_id\":\"o-" + std::to_string(i) + "\",\"pad\":\"" + std::string(i % 200, 'x') + "\"}";
      event::SetChecksum(&e);
      event::EncodeLine(e, &text);
      text += '\n';
    }
    text += "{not json\n";
    const std::string dir = io::DatePartitionDir(options_.raw_dir, "events", kDate);
    ASSERT_TRUE(fs_.CreateDirs(dir).ok());
    ASSERT_TRUE(io::WriteFileAtomically(fs_, io::JoinPath(dir, name), text).ok());
  }

  // Name -> bytes, with the run id cut out of part names
  // (part-00000-<run>.parquet -> part-00000.parquet): every run names its files anew.
  std::map<std::string, std::string> Snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    auto entries = fs_.ListDir(dir);
    if (!entries.ok()) return out;
    for (const auto& e : *entries) {
      std::string name = e.name;
      if (name.rfind("part-", 0) == 0 && name.size() > 18) name = name.substr(0, 10) + ".parquet";
      out[name] = *fs_.ReadFile(io::JoinPath(dir, e.name));
    }
    return out;
  }
  std::string DateDir() { return io::DatePartitionDir(options_.parquet_dir, "events", kDate); }
  std::string QuarantineDateDir() {
    return io::JoinPath(options_.quarantine_dir, std::string("events/raw-to-parquet/ingest_date=") + kDate);
  }
  std::vector<std::string> Hidden(const std::string& dir) {
    std::vector<std::string> out;
    auto entries = fs_.ListDir(dir);
    if (!entries.ok()) return out;
    for (const auto& e : *entries) {
      if (e.name[0] == '.' && e.name != ".raw-to-parquet.lock") out.push_back(e.name);
    }
    return out;
  }

  testing::TempDir tmp_;
  io::FileSystem& fs_ = io::FileSystem::Default();
  Options options_;
};

// Security audit finding 18: a raw file starting with a UTF-8 BOM lost its first event to quarantine.
TEST_F(FaultTest, ByteOrderMarkAtTheStartOfARawFileIsStrippedAndTheEventKept) {
  WriteRaw("part-00000.ndjson", 0, 3);  // three events and one bad line
  const std::string path = io::JoinPath(io::DatePartitionDir(options_.raw_dir, "events", kDate), "part-00000.ndjson");
  std::string text = *fs_.ReadFile(path);
  ASSERT_TRUE(io::WriteFileAtomically(fs_, path, "\xEF\xBB\xBF" + text).ok());
  EXPECT_EQ(RawDataStart("\xEF\xBB\xBF{}"), 3u);
  EXPECT_EQ(RawDataStart("{}\xEF\xBB\xBF"), 0u);  // only at the start of a file
  auto report = ConvertDate(fs_, options_, kDate);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows_out, 3);
  EXPECT_EQ(report->quarantined, 1);  // only "{not json"
}

TEST_F(FaultTest, ReRunIsByteIdentical) {
  WriteRaw("part-00000.ndjson", 0, 2000);
  auto first = ConvertDate(fs_, options_, kDate);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rows_in, 2001);
  EXPECT_EQ(first->quarantined, 1);
  EXPECT_EQ(first->duplicates_removed, 200);
  EXPECT_EQ(first->rows_out, 1800);
  EXPECT_EQ(first->output_files, 3);
  const auto before = Snapshot(DateDir());
  ASSERT_EQ(before.size(), 3u);  // 3 parts (the job manifest is in _evpipe/)
  for (int threads : {1, 2, 3}) {
    options_.threads = threads;
    auto again = ConvertDate(fs_, options_, kDate);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(Snapshot(DateDir()), before) << "threads=" << threads;
  }
}

TEST_F(FaultTest, EveryFailurePointLeavesAWholeOutput) {
  WriteRaw("part-00000.ndjson", 0, 1500);
  ASSERT_TRUE(ConvertDate(fs_, options_, kDate).ok());
  const auto old_out = Snapshot(DateDir());
  const auto old_q = Snapshot(QuarantineDateDir());
  WriteRaw("part-00001.ndjson", 1500, 600);
  // The new output, built once without faults elsewhere.
  Options ref = options_;
  ref.parquet_dir = io::JoinPath(tmp_.path(), "ref");
  ref.quarantine_dir = io::JoinPath(tmp_.path(), "ref-q");
  ASSERT_TRUE(ConvertDate(fs_, ref, kDate).ok());
  const auto new_out = Snapshot(io::DatePartitionDir(ref.parquet_dir, "events", kDate));
  ASSERT_NE(old_out, new_out);

  int failures = 0;
  for (io::FaultOp op : {io::FaultOp::kCreate, io::FaultOp::kAppend, io::FaultOp::kSync, io::FaultOp::kRename,
                         io::FaultOp::kSyncDir}) {
    for (int after = 0;; after = after < 4 ? after + 1 : after * 2) {
      io::FaultInjectingFileSystem faulty(fs_);
      faulty.Arm(op, after, EIO);
      auto r = ConvertDate(faulty, options_, kDate);
      faulty.Disarm();
      const auto now = Snapshot(DateDir());
      if (faulty.fired() == 0) {  // this op happens fewer times than `after`
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(now, new_out);
        break;
      }
      ++failures;
      EXPECT_FALSE(r.ok()) << "op " << static_cast<int>(op) << " after " << after;
      EXPECT_TRUE(now == old_out || now == new_out) << "op " << static_cast<int>(op) << " after " << after
                                                    << ": the date is neither the old nor the new output";
      if (now == old_out) {
        // The quarantine folder may be the new one already (it is swapped first), never a partial one.
        const auto q = Snapshot(QuarantineDateDir());
        EXPECT_EQ(q.size(), old_q.size());
      }
      // Back to the old output for the next failure point.
      ASSERT_TRUE(fs_.RemoveAll(DateDir()).ok());
      ASSERT_TRUE(fs_.Rename(io::JoinPath(io::DatePartitionDir(options_.raw_dir, "events", kDate), "part-00001.ndjson"),
                             io::JoinPath(tmp_.path(), "aside.ndjson")).ok());
      ASSERT_TRUE(ConvertDate(fs_, options_, kDate).ok());
      ASSERT_EQ(Snapshot(DateDir()), old_out);
      ASSERT_TRUE(fs_.Rename(io::JoinPath(tmp_.path(), "aside.ndjson"),
                             io::JoinPath(io::DatePartitionDir(options_.raw_dir, "events", kDate), "part-00001.ndjson")).ok());
      ASSERT_LT(after, 100000) << "fault never stopped firing";
    }
  }
  EXPECT_GT(failures, 10);
  auto last = ConvertDate(fs_, options_, kDate);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(Snapshot(DateDir()), new_out);
  EXPECT_TRUE(Hidden(io::JoinPath(options_.parquet_dir, "events")).empty());
}

TEST_F(FaultTest, BadDateAndMissingPartition) {
  EXPECT_EQ(ConvertDate(fs_, options_, "2026-02-30").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConvertDate(fs_, options_, "02/05/2026").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConvertDate(fs_, options_, "2026-02-05").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs_.Exists(options_.parquet_dir));
}

}  // namespace
}  // namespace evpipe::jobs
