// Constants and helpers shared by partition_log.cc and partition_log_recovery.cc
// (private to PartitionLog).
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "evpipe/core/clock.h"

namespace evpipe::broker::storage {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
// Recovery and CRC checks on read accept batches up to this size even if
// max_message_bytes is lower now.
inline constexpr int64_t kRecoveryMaxBatchBytes = int64_t{64} << 20;
// Relative offsets in the index are 32-bit.
inline constexpr int64_t kMaxRelativeOffset = std::numeric_limits<int32_t>::max();

inline int64_t NowMs() { return NowMicros() / 1000; }

}  // namespace evpipe::broker::storage
