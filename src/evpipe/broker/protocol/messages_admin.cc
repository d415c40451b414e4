// Encode/decode of the admin APIs (see messages_admin.h).
#include "evpipe/broker/protocol/messages_admin.h"

#include "evpipe/broker/protocol/api.h"
#include "evpipe/broker/protocol/messages_internal.h"

namespace evpipe::kafka_protocol {

// ---- CreateTopics ----

bool CreateTopicsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kCreateTopics), v);
  int32_t nt = r.ArrayLength(fx, 10);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    Topic t;
    t.name = r.String(fx);
    t.num_partitions = r.Int32();
    t.replication_factor = r.Int16();
    int32_t na = r.ArrayLength(fx, 8);
    for (int32_t j = 0; j < na && r.ok(); ++j) {
      int32_t index = r.Int32();
      t.assignments.emplace_back(index, Int32Array(r, fx));
      Tags(r, fx);
    }
    int32_t nc = r.ArrayLength(fx, 4);
    for (int32_t j = 0; j < nc && r.ok(); ++j) {
      Config c;
      c.name = r.String(fx);
      c.value = r.NullableString(fx);
      Tags(r, fx);
      t.configs.push_back(std::move(c));
    }
    Tags(r, fx);
    topics.push_back(std::move(t));
  }
  timeout_ms = r.Int32();
  if (v >= 1) validate_only = r.Bool();
  Tags(r, fx);
  return r.ok();
}

void CreateTopicsRequest::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kCreateTopics), v);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.Int32(t.num_partitions);
    w.Int16(t.replication_factor);
    w.ArrayLength(static_cast<int32_t>(t.assignments.size()), fx);
    for (const auto& [index, brokers] : t.assignments) {
      w.Int32(index);
      Int32Array(w, brokers, fx);
      Tags(w, fx);
    }
    w.ArrayLength(static_cast<int32_t>(t.configs.size()), fx);
    for (const Config& c : t.configs) {
      w.String(c.name, fx);
      w.NullableString(c.value, fx);
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  w.Int32(timeout_ms);
  if (v >= 1) w.Bool(validate_only);
  Tags(w, fx);
}

void CreateTopicsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kCreateTopics), v);
  if (v >= 2) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(topics.size()), fx);
  for (const Topic& t : topics) {
    w.String(t.name, fx);
    w.Int16(t.error_code);
    if (v >= 1) w.NullableString(t.error_message, fx);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- DeleteTopics ----

bool DeleteTopicsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDeleteTopics), v);
  topic_names = StringArray(r, fx);
  timeout_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

void DeleteTopicsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDeleteTopics), v);
  if (v >= 1) w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(responses.size()), fx);
  for (const Topic& t : responses) {
    w.String(t.name, fx);
    w.Int16(t.error_code);
    Tags(w, fx);
  }
  Tags(w, fx);
}

// ---- InitProducerId ----

bool InitProducerIdRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kInitProducerId), v);
  transactional_id = r.NullableString(fx);
  transaction_timeout_ms = r.Int32();
  Tags(r, fx);
  return r.ok();
}

void InitProducerIdResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kInitProducerId), v);
  w.Int32(throttle_time_ms);
  w.Int16(error_code);
  w.Int64(producer_id);
  w.Int16(producer_epoch);
  Tags(w, fx);
}

// ---- DescribeConfigs ----

bool DescribeConfigsRequest::Decode(Reader& r, int16_t v) {
  bool fx = IsFlexible(K(ApiKey::kDescribeConfigs), v);
  int32_t n = r.ArrayLength(fx, 7);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    Resource res;
    res.resource_type = r.Int8();
    res.resource_name = r.String(fx);
    int32_t nk = r.ArrayLength(fx, 2);
    if (nk >= 0) {
      res.configuration_keys.emplace();
      for (int32_t j = 0; j < nk && r.ok(); ++j) res.configuration_keys->push_back(r.String(fx));
    }
    Tags(r, fx);
    resources.push_back(std::move(res));
  }
  if (v >= 1) include_synonyms = r.Bool();
  if (v >= 3) include_documentation = r.Bool();
  Tags(r, fx);
  return r.ok();
}

void DescribeConfigsResponse::Encode(Writer& w, int16_t v) const {
  bool fx = IsFlexible(K(ApiKey::kDescribeConfigs), v);
  w.Int32(throttle_time_ms);
  w.ArrayLength(static_cast<int32_t>(results.size()), fx);
  for (const Result& res : results) {
    w.Int16(res.error_code);
    w.NullableString(res.error_message, fx);
    w.Int8(res.resource_type);
    w.String(res.resource_name, fx);
    w.ArrayLength(static_cast<int32_t>(res.configs.size()), fx);
    for (const Config& c : res.configs) {
      w.String(c.name, fx);
      w.NullableString(c.value, fx);
      w.Bool(c.read_only);
      if (v == 0) {
        w.Bool(c.is_default);
      } else {
        w.Int8(c.config_source);
      }
      w.Bool(c.is_sensitive);
      if (v >= 1) w.ArrayLength(0, fx);  // synonyms
      if (v >= 3) {
        w.Int8(c.config_type);
        w.NullableString(std::nullopt, fx);  // documentation
      }
      Tags(w, fx);
    }
    Tags(w, fx);
  }
  Tags(w, fx);
}

}  // namespace evpipe::kafka_protocol
