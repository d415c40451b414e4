// Idempotent-producer state of one partition: per producer id the epoch and the
// last five batches' sequence ranges, to refuse gaps and answer retries.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "evpipe/broker/batch/record_batch.h"
#include "evpipe/core/status.h"

namespace evpipe::broker::storage {

// Kafka keeps this many batches per producer for duplicate detection (and
// librdkafka keeps at most this many in flight).
inline constexpr size_t kProducerBatchesKept = 5;

struct ProducerBatch {
  int32_t first_sequence = 0;
  int32_t last_sequence = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};

struct ProducerEntry {
  int16_t epoch = 0;
  std::deque<ProducerBatch> batches;  // oldest first, at most kProducerBatchesKept
  int64_t last_append_ms = 0;         // broker time of the last append, for expiry
};

// Not thread-safe: PartitionLog holds its mutex around every call.
class ProducerStateTable {
 public:
  enum class Verdict { kAppend, kDuplicate, kOutOfOrder, kStaleEpoch };
  struct CheckResult {
    Verdict verdict = Verdict::kAppend;
    ProducerBatch duplicate_of;  // when kDuplicate
    std::string message;         // when refused
  };

  // Checks a batch with producer_id >= 0 against the state (Kafka's rules:
  // older epoch -> stale; a new epoch must start at sequence 0; same epoch:
  // an exact repeat of one of the kept batches is a duplicate, anything but
  // last_sequence + 1 is out of order; an unknown producer is accepted).
  CheckResult Check(const batch::BatchHeader& h) const;
  // Records an appended batch (its offsets already assigned in `h`).
  void Update(const batch::BatchHeader& h, int64_t now_ms);
  // Drops producers idle since before now_ms - expiration_ms; returns how many.
  int32_t Expire(int64_t now_ms, int64_t expiration_ms);

  size_t size() const { return producers_.size(); }
  const ProducerEntry* Find(int64_t producer_id) const;
  void Clear() { producers_.clear(); }

  // Snapshot for the checkpoint file (little-endian, format in
  // docs/formats/broker_storage.md).
  std::string Serialize() const;
  Status Parse(std::string_view data);

 private:
  std::unordered_map<int64_t, ProducerEntry> producers_;
};

}  // namespace evpipe::broker::storage
