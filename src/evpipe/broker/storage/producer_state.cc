// Idempotent-producer sequence checks and their snapshot.
#include "evpipe/broker/storage/producer_state.h"

#include <cstring>
#include <limits>

#include "fmt/core.h"
#include "evpipe/broker/storage/byte_io.h"

namespace evpipe::broker::storage {
namespace {

int32_t NextSequence(int32_t seq) {
  return seq == std::numeric_limits<int32_t>::max() ? 0 : seq + 1;
}

}  // namespace

ProducerStateTable::CheckResult ProducerStateTable::Check(const batch::BatchHeader& h) const {
  CheckResult r;
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) return r;  // unknown: first batch, or state expired
  const ProducerEntry& e = it->second;
  if (h.producer_epoch < e.epoch) {
    r.verdict = Verdict::kStaleEpoch;
    r.message = fmt::format("producer {} epoch {} is older than the current epoch {}", h.producer_id,
                            h.producer_epoch, e.epoch);
    return r;
  }
  if (h.producer_epoch > e.epoch) {
    if (h.base_sequence != 0) {
      r.verdict = Verdict::kOutOfOrder;
      r.message = fmt::format("producer {} new epoch {} must start at sequence 0, got {}", h.producer_id,
                              h.producer_epoch, h.base_sequence);
    }
    return r;
  }
  const int32_t last_seq = h.last_sequence();
  for (const ProducerBatch& b : e.batches) {
    if (b.first_sequence == h.base_sequence && b.last_sequence == last_seq) {
      r.verdict = Verdict::kDuplicate;
      r.duplicate_of = b;
      return r;
    }
  }
  if (!e.batches.empty() && h.base_sequence != NextSequence(e.batches.back().last_sequence)) {
    r.verdict = Verdict::kOutOfOrder;
    r.message = fmt::format("producer {} epoch {}: expected sequence {}, got {}", h.producer_id,
                            h.producer_epoch, NextSequence(e.batches.back().last_sequence), h.base_sequence);
  }
  return r;
}

void ProducerStateTable::Update(const batch::BatchHeader& h, int64_t now_ms) {
  ProducerEntry& e = producers_[h.producer_id];
  if (h.producer_epoch != e.epoch) {
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back({h.base_sequence, h.last_sequence(), h.base_offset, h.last_offset()});
  while (e.batches.size() > kProducerBatchesKept) e.batches.pop_front();
  e.last_append_ms = now_ms;
}

int32_t ProducerStateTable::Expire(int64_t now_ms, int64_t expiration_ms) {
  if (expiration_ms < 0) return 0;
  int32_t n = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    if (it->second.last_append_ms < now_ms - expiration_ms) {
      it = producers_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

const ProducerEntry* ProducerStateTable::Find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

std::string ProducerStateTable::Serialize() const {
  std::string out;
  Put<uint32_t>(out, static_cast<uint32_t>(producers_.size()));
  for (const auto& [id, e] : producers_) {
    Put<int64_t>(out, id);
    Put<int16_t>(out, e.epoch);
    Put<int64_t>(out, e.last_append_ms);
    Put<uint8_t>(out, static_cast<uint8_t>(e.batches.size()));
    for (const ProducerBatch& b : e.batches) {
      Put<int32_t>(out, b.first_sequence);
      Put<int32_t>(out, b.last_sequence);
      Put<int64_t>(out, b.base_offset);
      Put<int64_t>(out, b.last_offset);
    }
  }
  return out;
}

Status ProducerStateTable::Parse(std::string_view in) {
  producers_.clear();
  uint32_t count = 0;
  if (!Get(in, &count)) return Status::Corruption("producer snapshot: short");
  for (uint32_t i = 0; i < count; ++i) {
    int64_t id = 0;
    ProducerEntry e;
    uint8_t n = 0;
    if (!Get(in, &id) || !Get(in, &e.epoch) || !Get(in, &e.last_append_ms) || !Get(in, &n) ||
        n > kProducerBatchesKept) {
      producers_.clear();
      return Status::Corruption("producer snapshot: bad entry");
    }
    for (uint8_t k = 0; k < n; ++k) {
      ProducerBatch b;
      if (!Get(in, &b.first_sequence) || !Get(in, &b.last_sequence) || !Get(in, &b.base_offset) ||
          !Get(in, &b.last_offset)) {
        producers_.clear();
        return Status::Corruption("producer snapshot: bad batch");
      }
      e.batches.push_back(b);
    }
    producers_[id] = std::move(e);
  }
  if (!in.empty()) {
    producers_.clear();
    return Status::Corruption("producer snapshot: trailing bytes");
  }
  return Status::Ok();
}

}  // namespace evpipe::broker::storage
