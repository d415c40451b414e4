// Tests for `evpipe gen` (the real binary from EVPIPE_BIN, in a temp dir): file layout, contents, re-runs, bad flags.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "evpipe/event/event.h"
#include "support/temp_dir.h"

namespace evpipe::sim {
namespace {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code;
  std::string out;  // stdout and stderr
};

RunResult RunEvpipe(const std::string& args, bool keep_stderr = true) {
  const char* bin = std::getenv("EVPIPE_BIN");
  if (bin == nullptr) bin = "build/release/evpipe";
  const std::string cmd = "EVPIPE_PROGRESS=0 '" + std::string(bin) + "' " + args + (keep_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = ::popen(cmd.c_str(), "r");
  RunResult r{-1, ""};
  if (p == nullptr) return r;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Every file under root, relative, sorted.
std::vector<std::string> Tree(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Gen, WritesTheRawLayout) {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/gen";
  const std::string flags = "--orders 400 --seed 7 --poison-rate 0.02 --topic orders-t";
  RunResult r = RunEvpipe("gen " + flags + " --gen-dir '" + dir + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // One summary line naming the counts.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find(" events ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" dates"), std::string::npos) << r.out;

  // The run's simulator flags are kept beside the data, for reconcile (_evpipe/);
  // everything else is the date layout.
  std::vector<std::string> files = Tree(dir);
  const auto sidecar = std::find(files.begin(), files.end(), "_evpipe/orders-t/simulator.json");
  ASSERT_NE(sidecar, files.end()) << "no _evpipe/orders-t/simulator.json";
  files.erase(sidecar);
  ASSERT_GE(files.size(), 3u);
  std::vector<std::string> all_lines;
  event::LineParser parser;
  event::EventView v;
  int64_t valid = 0;
  for (const std::string& f : files) {
    // orders-t/ingest_date=YYYY-MM-DD/part-00000.ndjson, nothing else (no temp files left).
    ASSERT_EQ(f.size(), std::string("orders-t/ingest_date=2026-02-01/part-00000.ndjson").size()) << f;
    ASSERT_EQ(f.rfind("orders-t/ingest_date=", 0), 0u) << f;
    ASSERT_EQ(f.substr(31), "/part-00000.ndjson") << f;
    const std::string date = f.substr(21, 10);
    ASSERT_TRUE(event::ParseDate(date).ok()) << f;
    const std::string text = ReadAll(fs::path(dir) / f);
    ASSERT_FALSE(text.empty());
    ASSERT_EQ(text.back(), '\n');
    for (const std::string& line : Lines(text)) {
      all_lines.push_back(line);
      if (!parser.Parse(line, &v)) {
        ++valid;
        EXPECT_EQ(event::IngestDate(v.ingest_time_us), date) << line;
      }
    }
  }
  EXPECT_GT(valid, 1500);
  EXPECT_GT(all_lines.size(), static_cast<size_t>(valid));  // poison lines are there too

  // The same run to stdout gives the same lines.
  RunResult out = RunEvpipe("gen " + flags + " --out -", /*keep_stderr=*/false);
  ASSERT_EQ(out.exit_code, 0);
  std::vector<std::string> stdout_lines = Lines(out.out);
  std::sort(stdout_lines.begin(), stdout_lines.end());
  std::sort(all_lines.begin(), all_lines.end());
  EXPECT_TRUE(stdout_lines == all_lines);

  // A re-run replaces the files of the same dates with the same bytes.
  const std::string before = ReadAll(fs::path(dir) / files[0]);
  std::ofstream(fs::path(dir) / files[0], std::ios::app) << "junk\n";
  r = RunEvpipe("gen " + flags + " --gen-dir '" + dir + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::string> again = Tree(dir);
  again.erase(std::remove(again.begin(), again.end(), "_evpipe/orders-t/simulator.json"), again.end());
  EXPECT_EQ(again, files);
  EXPECT_EQ(ReadAll(fs::path(dir) / files[0]), before);
}

TEST(Gen, OneFileWithOut) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/sub/all.ndjson";
  RunResult r = RunEvpipe("gen --orders 50 --out '" + path + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> lines = Lines(ReadAll(path));
  EXPECT_GT(lines.size(), 150u);
  EXPECT_EQ(Tree(tmp.path()), std::vector<std::string>{"sub/all.ndjson"});
}

// --out naming a FIFO (or /dev/null) writes into it; it is not replaced by a
// regular file renamed over it.
TEST(Gen, OutIntoAFifoKeepsTheFifo) {
  testing::TempDir tmp;
  const std::string fifo = tmp.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string copy = tmp.path() + "/copy.ndjson";
  // The reader ends with the writer; timeout bounds it if gen never opens the FIFO.
  RunResult r = RunEvpipe("gen --orders 50 --seed 3 --out '" + fifo + "' & timeout 20 cat '" + fifo + "' > '" + copy +
                          "'; wait $!");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::is_fifo(fifo));
  RunResult out = RunEvpipe("gen --orders 50 --seed 3 --out -", /*keep_stderr=*/false);
  ASSERT_EQ(out.exit_code, 0);
  EXPECT_FALSE(out.out.empty());
  EXPECT_TRUE(ReadAll(copy) == out.out);
}

TEST(Gen, BadArgumentsExitTwoWithOneLine) {
  testing::TempDir tmp;
  for (const char* bad : {"--orders -1", "--orders many", "--tenants 0", "--start 2026-02-30T00:00:00Z",
                          "--max-lateness 5w", "--duplicate-rate 2", "--span-days 0", "--topic a/b",
                          "--no-such-flag"}) {
    RunResult r = RunEvpipe("gen --gen-dir '" + tmp.path() + "/g' " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << bad << ": " << r.out;
  }
  EXPECT_FALSE(fs::exists(tmp.path() + "/g"));
}

}  // namespace
}  // namespace evpipe::sim
