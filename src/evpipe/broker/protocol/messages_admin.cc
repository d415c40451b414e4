// The admin APIs, each message described once (see messages_internal.h and
// messages_admin.h).
#include "evpipe/broker/protocol/messages_admin.h"

#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

// ---- CreateTopics ----

template <class Io>
void Visit(Io& io, CreateTopicsRequest& m, int16_t v) {
  io.Array(m.topics, 10, [&](CreateTopicsRequest::Topic& t) {
    io.String(t.name);
    io.Int32(t.num_partitions);
    io.Int16(t.replication_factor);
    io.Array(t.assignments, 8, [&](std::pair<int32_t, std::vector<int32_t>>& a) {
      io.Int32(a.first);
      io.Int32Array(a.second);
      io.Tags();
    });
    io.Array(t.configs, 4, [&](CreateTopicsRequest::Config& c) {
      io.String(c.name);
      io.NullableString(c.value);
      io.Tags();
    });
    io.Tags();
  });
  io.Int32(m.timeout_ms);
  if (v >= 1) io.Bool(m.validate_only);
  io.Tags();
}

template <class Io>
void Visit(Io& io, CreateTopicsResponse& m, int16_t v) {
  if (v >= 2) io.Int32(m.throttle_time_ms);
  io.Array(m.topics, 3, [&](CreateTopicsResponse::Topic& t) {
    io.String(t.name);
    io.Int16(t.error_code);
    if (v >= 1) io.NullableString(t.error_message);
    io.Tags();
  });
  io.Tags();
}

// ---- DeleteTopics ----

template <class Io>
void Visit(Io& io, DeleteTopicsRequest& m, int16_t) {
  io.StringArray(m.topic_names);
  io.Int32(m.timeout_ms);
  io.Tags();
}

template <class Io>
void Visit(Io& io, DeleteTopicsResponse& m, int16_t v) {
  if (v >= 1) io.Int32(m.throttle_time_ms);
  io.Array(m.responses, 4, [&](DeleteTopicsResponse::Topic& t) {
    io.String(t.name);
    io.Int16(t.error_code);
    io.Tags();
  });
  io.Tags();
}

// ---- InitProducerId ----

template <class Io>
void Visit(Io& io, InitProducerIdRequest& m, int16_t) {
  io.NullableString(m.transactional_id);
  io.Int32(m.transaction_timeout_ms);
  io.Tags();
}

template <class Io>
void Visit(Io& io, InitProducerIdResponse& m, int16_t) {
  io.Int32(m.throttle_time_ms);
  io.Int16(m.error_code);
  io.Int64(m.producer_id);
  io.Int16(m.producer_epoch);
  io.Tags();
}

// ---- DescribeConfigs ----

template <class Io>
void Visit(Io& io, DescribeConfigsRequest& m, int16_t v) {
  io.Array(m.resources, 7, [&](DescribeConfigsRequest::Resource& res) {
    io.Int8(res.resource_type);
    io.String(res.resource_name);
    io.NullableArray(res.configuration_keys, 2, [&](std::string& key) { io.String(key); });
    io.Tags();
  });
  if (v >= 1) io.Bool(m.include_synonyms);
  if (v >= 3) io.Bool(m.include_documentation);
  io.Tags();
}

template <class Io>
void Visit(Io& io, DescribeConfigsResponse& m, int16_t v) {
  struct Synonym {
    std::string name;
    std::optional<std::string> value;
    int8_t source = 0;
  };
  io.Int32(m.throttle_time_ms);
  io.Array(m.results, 7, [&](DescribeConfigsResponse::Result& res) {
    io.Int16(res.error_code);
    io.NullableString(res.error_message);
    io.Int8(res.resource_type);
    io.String(res.resource_name);
    io.Array(res.configs, 5, [&](DescribeConfigsResponse::Config& c) {
      io.String(c.name);
      io.NullableString(c.value);
      io.Bool(c.read_only);
      if (v == 0) {
        io.Bool(c.is_default);
      } else {
        io.Int8(c.config_source);
      }
      io.Bool(c.is_sensitive);
      if (v >= 1) {
        std::vector<Synonym> synonyms;  // never sent
        io.Array(synonyms, 4, [&](Synonym& s) {
          io.String(s.name);
          io.NullableString(s.value);
          io.Int8(s.source);
          io.Tags();
        });
      }
      if (v >= 3) {
        io.Int8(c.config_type);
        std::optional<std::string> documentation;  // never sent
        io.NullableString(documentation);
      }
      io.Tags();
    });
    io.Tags();
  });
  io.Tags();
}

// ---- Decode and Encode, from the descriptions above ----

EVPIPE_MESSAGE_CODEC(CreateTopicsRequest, ApiKey::kCreateTopics)
EVPIPE_MESSAGE_CODEC(CreateTopicsResponse, ApiKey::kCreateTopics)
EVPIPE_MESSAGE_CODEC(DeleteTopicsRequest, ApiKey::kDeleteTopics)
EVPIPE_MESSAGE_CODEC(DeleteTopicsResponse, ApiKey::kDeleteTopics)
EVPIPE_MESSAGE_CODEC(InitProducerIdRequest, ApiKey::kInitProducerId)
EVPIPE_MESSAGE_CODEC(InitProducerIdResponse, ApiKey::kInitProducerId)
EVPIPE_MESSAGE_CODEC(DescribeConfigsRequest, ApiKey::kDescribeConfigs)
EVPIPE_MESSAGE_CODEC(DescribeConfigsResponse, ApiKey::kDescribeConfigs)

}  // namespace evpipe::kafka_protocol
