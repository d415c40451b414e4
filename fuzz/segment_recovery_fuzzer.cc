// libFuzzer target: partition log recovery (PartitionLog::Open) over damaged
// segment files. The input becomes two segment files (bytes [2, 2+n) and the
// rest, n from the first two bytes); the log must open, serve every offset it
// claims, take a new batch at its high watermark and reopen to the same state.
//   cmake --preset fuzz && cmake --build build/fuzz --target segment_recovery_fuzzer
//   build/fuzz/segment_recovery_fuzzer -max_total_time=60 fuzz/corpus/segment_recovery
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/broker/storage/partition_log.h"
#include "evpipe/core/logging.h"

namespace fs = std::filesystem;
namespace st = evpipe::broker::storage;
namespace rb = evpipe::broker::batch;

namespace {

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A one-record batch, CRC filled in (offset assigned by the log).
std::string OneRecordBatch() {
  std::string rec;
  rec += '\0';
  rb::AppendVarlong(rec, 0);
  rb::AppendVarint(rec, 0);
  rb::AppendVarint(rec, -1);
  rb::AppendVarint(rec, 1);
  rec += 'x';
  rb::AppendVarint(rec, 0);
  std::string b(rb::kBatchHeaderBytes, '\0');
  rb::AppendVarint(b, static_cast<int32_t>(rec.size()));
  b += rec;
  b[rb::kMagicPos] = 2;
  rb::StoreBe32(&b[rb::kRecordCountPos], 1);
  rb::StoreBe64(&b[rb::kProducerIdPos], -1);
  rb::StoreBe32(&b[rb::kBaseSequencePos], -1);
  rb::StoreBe32(&b[rb::kBatchLengthPos], static_cast<int32_t>(b.size() - rb::kBatchLogOverhead));
  rb::StoreBeU32(&b[rb::kCrcPos], rb::ComputeBatchCrc(b));
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    evpipe::log::SetLevel(evpipe::log::Level::kError);
    return true;
  }();
  (void)quiet;
  if (size < 3 || size > (1 << 16)) return 0;
  static const std::string root = "/dev/shm/evpipe-segment-fuzz-" + std::to_string(::getpid());
  const std::string dir = root + "/p";
  fs::remove_all(root);
  fs::create_directories(dir);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t n = std::min<size_t>((static_cast<uint8_t>(in[0]) << 8 | static_cast<uint8_t>(in[1])), size - 3);
  WriteFile(dir + "/00000000000000000000.log", in.substr(3, n));
  if (3 + n < size) {
    const int64_t second_base = 1 + static_cast<uint8_t>(in[2]);
    char name[32];
    std::snprintf(name, sizeof name, "/%020lld.log", static_cast<long long>(second_base));
    WriteFile(dir + name, in.substr(3 + n));
  }
  auto& fsys = evpipe::io::FileSystem::Default();
  int64_t hwm = -1;
  {
    auto log = st::PartitionLog::Open(fsys, dir, {}, "fuzz-0");
    if (!log.ok()) __builtin_trap();  // recovery cuts; it never refuses to open
    hwm = (*log)->high_watermark();
    if ((*log)->log_start_offset() > hwm) __builtin_trap();
    int64_t next = (*log)->log_start_offset();
    while (next < hwm) {
      auto r = (*log)->Read(next, 1 << 20);
      if (!r.ok() || r->empty()) __builtin_trap();  // every claimed offset is served
      int64_t last = -1;
      for (std::string_view b : rb::SplitBatches(*r)) last = rb::DecodeBatchHeader(b.data()).last_offset();
      if (last < next) __builtin_trap();
      next = last + 1;
    }
    auto a = (*log)->Append(OneRecordBatch());
    if (!a.ok() || a->error != st::AppendError::kNone || a->base_offset != hwm) __builtin_trap();
  }
  auto again = st::PartitionLog::Open(fsys, dir, {}, "fuzz-0");
  if (!again.ok() || (*again)->high_watermark() != hwm + 1) __builtin_trap();
  again->reset();
  fs::remove_all(root);
  return 0;
}
