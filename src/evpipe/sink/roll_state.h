// The per-partition roll state: the write-ahead record that makes one roll
// (several raw and quarantine files) visible atomically and says which offsets
// are durable in RAW_DIR. Format: docs/formats/raw_landing.md, section State.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/io/file_system.h"
#include "evpipe/sink/layout.h"

namespace evpipe::sink {

// One file of a roll: its hidden in-progress name and its final name, in the
// raw folder of `date` (or the quarantine folder of `date`; "" = unknown).
struct RollEntry {
  bool quarantine = false;
  std::string date;
  std::string from;  // in-progress name
  std::string to;    // final name
};

// What RAW_DIR holds for one partition: every offset below next_offset is
// landed (as a raw line, a quarantine line, or a record the topic skipped).
// `entries` are the files of the last roll; once this state is on disk the
// roll counts as published, and recovery finishes its renames.
struct PartitionState {
  int32_t partition = -1;
  int64_t next_offset = 0;
  std::vector<RollEntry> entries;
};

std::string EncodeState(std::string_view topic, const PartitionState& state);
Result<PartitionState> DecodeState(std::string_view text);

// Reads the state of `partition`; nullopt when the partition never rolled here.
Result<std::optional<PartitionState>> LoadState(io::FileSystem& fs, const Layout& layout, int32_t partition);

// Writes the state atomically (temp file, fsync, rename, fsync of the folder).
// This is the instant a roll becomes durable.
Status StoreState(io::FileSystem& fs, const Layout& layout, const PartitionState& state);

// Renames the in-progress files of `state`'s last roll into place (those not
// renamed yet) and fsyncs their folders. Idempotent.
Status RollForward(io::FileSystem& fs, const Layout& layout, const PartitionState& state);

// Removes every in-progress file of `partition` that belongs to no published
// roll (raw and quarantine folders of every date). Call after RollForward.
Status RemoveLeftovers(io::FileSystem& fs, const Layout& layout, int32_t partition);

// The folder of an entry.
std::string EntryDir(const Layout& layout, const RollEntry& entry);

// Takes the exclusive advisory lock on a partition's lock file (a FileLock
// through the file system seam; waits for another holder), held while a roll
// is published or a partition is recovered, so that two sinks sharing RAW_DIR
// never publish the same partition at once.
Result<std::unique_ptr<io::FileLock>> LockPartition(io::FileSystem& fs, const Layout& layout, int32_t partition);

}  // namespace evpipe::sink
