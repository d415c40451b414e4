// Produce, Fetch and ListOffsets, each message described once (see
// messages_internal.h and messages_data.h).
#include "evpipe/broker/protocol/messages_data.h"

#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

// ---- Produce ----

template <class Io>
void Visit(Io& io, ProduceRequest& m, int16_t v) {
  if (v >= 3) io.NullableString(m.transactional_id);
  io.Int16(m.acks);
  io.Int32(m.timeout_ms);
  TopicList<6, 8>(io, m.topics, [&](ProduceRequest::Partition& p) {
    io.Int32(p.index);
    io.NullableBytes(p.records);  // a view into the request, not copied
    io.Tags();
  });
  io.Tags();
}

template <class Io>
void Visit(Io& io, ProduceResponse& m, int16_t v) {
  struct RecordError {
    int32_t batch_index = 0;
    std::optional<std::string> message;
  };
  TopicList<6, 14>(io, m.topics, [&](ProduceResponse::Partition& p) {
    io.Int32(p.index);
    io.Int16(p.error_code);
    io.Int64(p.base_offset);
    if (v >= 2) io.Int64(p.log_append_time_ms);
    if (v >= 5) io.Int64(p.log_start_offset);
    if (v >= 8) {
      std::vector<RecordError> record_errors;  // never sent
      io.Array(record_errors, 6, [&](RecordError& e) {
        io.Int32(e.batch_index);
        io.NullableString(e.message);
        io.Tags();
      });
      io.NullableString(p.error_message);
    }
    io.Tags();
  });
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Tags();
}

// ---- Fetch ----

template <class Io>
void Visit(Io& io, FetchRequest& m, int16_t v) {
  io.Int32(m.replica_id);
  io.Int32(m.max_wait_ms);
  io.Int32(m.min_bytes);
  if (v >= 3) io.Int32(m.max_bytes);
  if (v >= 4) io.Int8(m.isolation_level);
  if (v >= 7) {
    io.Int32(m.session_id);
    io.Int32(m.session_epoch);
  }
  TopicList<6, 16>(io, m.topics, [&](FetchRequest::Partition& p) {
    io.Int32(p.partition);
    if (v >= 9) io.Int32(p.current_leader_epoch);
    io.Int64(p.fetch_offset);
    if (v >= 5) io.Int64(p.log_start_offset);
    io.Int32(p.partition_max_bytes);
    io.Tags();
  });
  if (v >= 7) {
    io.Array(m.forgotten, 6, [&](FetchRequest::Forgotten& f) {
      io.String(f.topic);
      io.Int32Array(f.partitions);
      io.Tags();
    });
  }
  if (v >= 11) io.String(m.rack_id);
  io.Tags();
}

template <class Io>
void Visit(Io& io, FetchResponse& m, int16_t v) {
  struct AbortedTransaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
  };
  if (v >= 1) io.Int32(m.throttle_time_ms);
  if (v >= 7) {
    io.Int16(m.error_code);
    io.Int32(m.session_id);
  }
  TopicList<6, 18>(io, m.topics, [&](FetchResponse::Partition& p) {
    io.Int32(p.partition);
    io.Int16(p.error_code);
    io.Int64(p.high_watermark);
    if (v >= 4) {
      io.Int64(p.last_stable_offset);
      if (v >= 5) io.Int64(p.log_start_offset);
      std::vector<AbortedTransaction> aborted;  // none: no transactions
      io.Array(aborted, 16, [&](AbortedTransaction& a) {
        io.Int64(a.producer_id);
        io.Int64(a.first_offset);
        io.Tags();
      });
    }
    if (v >= 11) io.Int32(p.preferred_read_replica);
    io.Bytes(p.records);
    io.Tags();
  });
  io.Tags();
}

// ---- ListOffsets ----

template <class Io>
void Visit(Io& io, ListOffsetsRequest& m, int16_t v) {
  io.Int32(m.replica_id);
  if (v >= 2) io.Int8(m.isolation_level);
  TopicList<6, 12>(io, m.topics, [&](ListOffsetsRequest::Partition& p) {
    io.Int32(p.partition_index);
    if (v >= 4) io.Int32(p.current_leader_epoch);
    io.Int64(p.timestamp);
    if (v == 0) {
      int32_t max_num_offsets = 1;
      io.Int32(max_num_offsets);
    }
    io.Tags();
  });
  io.Tags();
}

template <class Io>
void Visit(Io& io, ListOffsetsResponse& m, int16_t v) {
  if (v >= 2) io.Int32(m.throttle_time_ms);
  TopicList<6, 6>(io, m.topics, [&](ListOffsetsResponse::Partition& p) {
    io.Int32(p.partition_index);
    io.Int16(p.error_code);
    if (v == 0) {  // old_style_offsets: the offset, or none
      std::vector<int64_t> offsets;
      if (!Io::kDecoding && p.offset >= 0) offsets.push_back(p.offset);
      io.Array(offsets, 8, [&](int64_t& o) { io.Int64(o); });
      if (Io::kDecoding && !offsets.empty()) p.offset = offsets[0];
    } else {
      io.Int64(p.timestamp);
      io.Int64(p.offset);
    }
    if (v >= 4) io.Int32(p.leader_epoch);
    io.Tags();
  });
  io.Tags();
}

// ---- Decode and Encode, from the descriptions above ----

EVPIPE_MESSAGE_CODEC(ProduceRequest, ApiKey::kProduce)
EVPIPE_MESSAGE_CODEC(ProduceResponse, ApiKey::kProduce)
EVPIPE_MESSAGE_CODEC(FetchRequest, ApiKey::kFetch)
EVPIPE_MESSAGE_CODEC(FetchResponse, ApiKey::kFetch)
EVPIPE_MESSAGE_CODEC(ListOffsetsRequest, ApiKey::kListOffsets)
EVPIPE_MESSAGE_CODEC(ListOffsetsResponse, ApiKey::kListOffsets)

}  // namespace evpipe::kafka_protocol
