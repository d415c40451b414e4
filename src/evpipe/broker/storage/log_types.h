// The values the broker's storage seam (broker/log_store.h) shares with this
// module: an append's outcome in Kafka error codes, and topic configs. The
// codes are the protocol's, so the handlers answer with them unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "evpipe/broker/batch/record_batch.h"

namespace evpipe::broker::storage {

// Kafka error codes an append can be refused with (values are the protocol's).
enum class AppendError : int16_t {
  kNone = 0,
  kCorruptMessage = 2,               // bad length, magic, CRC or records
  kMessageTooLarge = 10,             // batch above max_message_bytes, or inflates too much
  kPolicyViolation = 44,             // the partition is at its segment limit (LogOptions::max_segments)
  kOutOfOrderSequence = 45,          // idempotent producer: sequence gap
  kInvalidProducerEpoch = 47,        // idempotent producer: epoch older than the last seen
  kKafkaStorageError = 56,           // the disk failed (never from PartitionLog itself: it returns a Status)
  kUnsupportedCompressionType = 76,  // a codec this broker cannot check
  kInvalidRecord = 87,               // well-formed but not acceptable (count/delta, sequence -1, transactional)
};

// A refused batch's code, unchanged (batch::BatchError uses the same values).
inline AppendError ToAppendError(batch::BatchError e) { return static_cast<AppendError>(static_cast<int16_t>(e)); }
static_assert(static_cast<int16_t>(batch::BatchError::kCorruptMessage) ==
              static_cast<int16_t>(AppendError::kCorruptMessage));
static_assert(static_cast<int16_t>(batch::BatchError::kMessageTooLarge) ==
              static_cast<int16_t>(AppendError::kMessageTooLarge));
static_assert(static_cast<int16_t>(batch::BatchError::kUnsupportedCompressionType) ==
              static_cast<int16_t>(AppendError::kUnsupportedCompressionType));
static_assert(static_cast<int16_t>(batch::BatchError::kInvalidRecord) ==
              static_cast<int16_t>(AppendError::kInvalidRecord));

struct AppendResult {
  int64_t base_offset = -1;      // of the first batch (or of its original, for a retry)
  int64_t last_offset = -1;      // of the last batch
  bool duplicate = false;        // every batch was an idempotent retry: nothing appended
  int64_t log_append_time = -1;  // ms, when the log stamps time; -1 for CreateTime
  int64_t log_start_offset = 0;
  int32_t batches_appended = 0;  // batches, records and bytes actually written (retries excluded)
  int64_t records_appended = 0;
  int64_t bytes_appended = 0;
  AppendError error = AppendError::kNone;  // when not kNone, nothing was appended
  std::string error_message;               // for logs and the response's error message
};

// Topic configs as Kafka names them ("retention.ms" -> "604800000").
using TopicConfigs = std::map<std::string, std::string>;

// One config of a topic as DescribeConfigs shows it.
struct ConfigEntry {
  std::string name;
  std::string value;
  bool is_default = true;
};

}  // namespace evpipe::broker::storage
