// Encode/decode of Produce, Fetch and ListOffsets (see messages_data.h).
#include "evpipe/broker/protocol/messages_data.h"

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

// ---- Produce ----

bool ProduceRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  if (v >= 3) transactional_id = r.NullableString(fx);
  acks = r.Int16();
  timeout_ms = r.Int32();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 8);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.index = r.Int32();
      p.records = r.NullableBytes(fx);
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

void ProduceRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  if (v >= 3) w.NullableString(transactional_id, fx);
  w.Int16(acks);
  w.Int32(timeout_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.index);
      w.NullableBytes(p.records, fx);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

void ProduceResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.index);
      w.Int16(p.error_code);
      w.Int64(p.base_offset);
      if (v >= 2) w.Int64(p.log_append_time_ms);
      if (v >= 5) w.Int64(p.log_start_offset);
      if (v >= 8) {
        w.ArrayLength(0, fx);  // record_errors
        w.NullableString(p.error_message, fx);
      }
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  if (v >= 1) w.Int32(throttle_time_ms);
  Tags(w, fx);
}

bool ProduceResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kProduce), v);
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 14);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.index = r.Int32();
      p.error_code = r.Int16();
      p.base_offset = r.Int64();
      if (v >= 2) p.log_append_time_ms = r.Int64();
      if (v >= 5) p.log_start_offset = r.Int64();
      if (v >= 8) {
        int32_t ne = r.ArrayLength(fx, 6);
        for (int32_t k = 0; k < ne && r.ok(); ++k) {
          r.Int32();
          r.NullableString(fx);
          Tags(r, fx);
        }
        p.error_message = r.NullableString(fx);
      }
      Tags(r, fx);
      t.partitions.push_back(std::move(p));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  if (v >= 1) throttle_time_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

// ---- Fetch ----

bool FetchRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  replica_id = r.Int32();
  max_wait_ms = r.Int32();
  min_bytes = r.Int32();
  if (v >= 3) max_bytes = r.Int32();
  if (v >= 4) isolation_level = r.Int8();
  if (v >= 7) {
    session_id = r.Int32();
    session_epoch = r.Int32();
  }
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.topic = r.String(fx);
    int32_t np = r.ArrayLength(fx, 16);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition = r.Int32();
      if (v >= 9) p.current_leader_epoch = r.Int32();
      p.fetch_offset = r.Int64();
      if (v >= 5) p.log_start_offset = r.Int64();
      p.partition_max_bytes = r.Int32();
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  if (v >= 7) {
    int32_t nf = r.ArrayLength(fx, 6);
    for (int32_t i = 0; i < nf && r.ok(); ++i) {
      Forgotten f;
      f.topic = r.String(fx);
      f.partitions = Int32Array(r, fx);
      Tags(r, fx);
      forgotten.push_back(std::move(f));
    }
  }
  if (v >= 11) rack_id = r.String(fx);
  Tags(r, fx);
  return r.ok();
}

void FetchRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  w.Int32(replica_id);
  w.Int32(max_wait_ms);
  w.Int32(min_bytes);
  if (v >= 3) w.Int32(max_bytes);
  if (v >= 4) w.Int8(isolation_level);
  if (v >= 7) {
    w.Int32(session_id);
    w.Int32(session_epoch);
  }
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.topic, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition);
      if (v >= 9) w.Int32(p.current_leader_epoch);
      w.Int64(p.fetch_offset);
      if (v >= 5) w.Int64(p.log_start_offset);
      w.Int32(p.partition_max_bytes);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  if (v >= 7) {
    w.ArrayLength(static_cast<int32_t>(forgotten.size()), fx);
    for (const Forgotten& f : forgotten) {
      w.String(f.topic, fx);
      Int32Array(w, f.partitions, fx);
      Tags(w, fx);
    }
  }
  if (v >= 11) w.String(rack_id, fx);
  Tags(w, fx);
}

void FetchResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  if (v >= 7) {
    w.Int16(error_code);
    w.Int32(session_id);
  }
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.topic, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition);
      w.Int16(p.error_code);
      w.Int64(p.high_watermark);
      if (v >= 4) {
        w.Int64(p.last_stable_offset);
        if (v >= 5) w.Int64(p.log_start_offset);
        w.ArrayLength(0, fx);  // aborted_transactions: none (no transactions)
      }
      if (v >= 11) w.Int32(p.preferred_read_replica);
      w.Bytes(p.records, fx);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

bool FetchResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kFetch), v);
  if (v >= 1) throttle_time_ms = r.Int32();
  if (v >= 7) {
    error_code = r.Int16();
    session_id = r.Int32();
  }
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.topic = r.String(fx);
    int32_t np = r.ArrayLength(fx, 18);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition = r.Int32();
      p.error_code = r.Int16();
      p.high_watermark = r.Int64();
      if (v >= 4) {
        p.last_stable_offset = r.Int64();
        if (v >= 5) p.log_start_offset = r.Int64();
        int32_t na = r.ArrayLength(fx, 16);
        for (int32_t k = 0; k < na && r.ok(); ++k) {
          r.Int64();
          r.Int64();
          Tags(r, fx);
        }
      }
      if (v >= 11) p.preferred_read_replica = r.Int32();
      p.records = std::string(r.Bytes(fx));
      Tags(r, fx);
      t.partitions.push_back(std::move(p));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

// ---- ListOffsets ----

bool ListOffsetsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  replica_id = r.Int32();
  if (v >= 2) isolation_level = r.Int8();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 12);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition_index = r.Int32();
      if (v >= 4) p.current_leader_epoch = r.Int32();
      p.timestamp = r.Int64();
      if (v == 0) r.Int32();  // max_num_offsets
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

void ListOffsetsRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  w.Int32(replica_id);
  if (v >= 2) w.Int8(isolation_level);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition_index);
      if (v >= 4) w.Int32(p.current_leader_epoch);
      w.Int64(p.timestamp);
      if (v == 0) w.Int32(1);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

void ListOffsetsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  if (v >= 2) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()), fx);
    for (const Partition& p : t.partitions) {
      w.Int32(p.partition_index);
      w.Int16(p.error_code);
      if (v == 0) {
        w.ArrayLength(p.offset >= 0 ? 1 : 0, fx);
        if (p.offset >= 0) w.Int64(p.offset);
      } else {
        w.Int64(p.timestamp);
        w.Int64(p.offset);
      }
      if (v >= 4) w.Int32(p.leader_epoch);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

bool ListOffsetsResponse::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kListOffsets), v);
  if (v >= 2) throttle_time_ms = r.Int32();
  int32_t nt = r.ArrayLength(fx, 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    int32_t np = r.ArrayLength(fx, 6);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      Partition p;
      p.partition_index = r.Int32();
      p.error_code = r.Int16();
      if (v >= 1) {
        p.timestamp = r.Int64();
        p.offset = r.Int64();
      }
      if (v >= 4) p.leader_epoch = r.Int32();
      Tags(r, fx);
      t.partitions.push_back(p);
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  Tags(r, fx);
  return r.ok();
}

}  // namespace evpipe::kafka_protocol
