// The admin handlers (see handle_admin.h).
#include "evpipe/broker/handle_admin.h"

#include <fmt/core.h>

#include <algorithm>
#include <set>

#include "evpipe/broker/handle_data.h"
#include "evpipe/broker/protocol/api.h"
#include "evpipe/core/logging.h"

namespace evpipe::broker {
kp::ApiVersionsResponse HandleApiVersions(HandlerContext& ctx, int16_t version, bool decoded) {
  kp::ApiVersionsResponse resp;
  for (const kp::ApiSupport& a : kp::SupportedApis()) {
    resp.api_keys.push_back({static_cast<int16_t>(a.key), a.min_version, a.max_version});
  }
  if (version > 3 || version < 0) {
    resp.error_code = Code(ErrorCode::kUnsupportedVersion);
  } else if (!decoded) {
    resp.error_code = Code(ErrorCode::kInvalidRequest);
  }
  if (resp.error_code != 0) ctx.CountError(ApiKey::kApiVersions);
  return resp;
}

kp::CreateTopicsResponse HandleCreateTopics(HandlerContext& ctx, const kp::CreateTopicsRequest& req) {
  kp::CreateTopicsResponse resp;
  for (const auto& t : req.topics) {
    kp::CreateTopicsResponse::Topic rt;
    rt.name = t.name;
    int32_t partitions = t.num_partitions == -1 ? ctx.options.default_partitions : t.num_partitions;
    if (!t.assignments.empty()) partitions = static_cast<int32_t>(t.assignments.size());
    if (!ValidTopicName(t.name)) {
      rt.error_code = Code(ErrorCode::kInvalidTopicException);
      rt.error_message = "topic names use [a-zA-Z0-9._-], 1 to 249 characters";
    } else if (partitions <= 0 || partitions > kMaxPartitionsPerTopic) {
      rt.error_code = Code(ErrorCode::kInvalidPartitions);
      rt.error_message = fmt::format("partitions must be 1..{}", kMaxPartitionsPerTopic);
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      rt.error_code = Code(ErrorCode::kInvalidReplicationFactor);
      rt.error_message = "this single-node broker supports replication factor 1 only";
    } else if (ctx.store->PartitionCount(t.name) >= 0) {
      rt.error_code = Code(ErrorCode::kTopicAlreadyExists);
      rt.error_message = "topic " + t.name + " already exists";
    } else {
      TopicConfigs configs;
      for (const auto& cfg : t.configs) {
        if (cfg.value) configs[cfg.name] = *cfg.value;  // null: the default
      }
      Status st = ctx.store->CreateTopic(t.name, partitions, configs, req.validate_only);
      if (!st.ok()) {
        rt.error_code = st.code() == StatusCode::kInvalidArgument ? Code(ErrorCode::kInvalidConfig)
                                                                  : Code(ErrorCode::kUnknownServerError);
        rt.error_message = st.ToString();
      } else if (!req.validate_only) {
        log::Info("topic={} created with {} partitions", t.name, partitions);
        for (int32_t p = 0; p < partitions; ++p) ctx.metrics->SetHighWatermark(t.name, p, 0);
      }
    }
    if (rt.error_code != 0) ctx.CountError(ApiKey::kCreateTopics);
    resp.topics.push_back(std::move(rt));
  }
  return resp;
}

kp::DeleteTopicsResponse HandleDeleteTopics(HandlerContext& ctx, const kp::DeleteTopicsRequest& req,
                                            const std::function<void(const std::string&)>& before_delete) {
  kp::DeleteTopicsResponse resp;
  for (const std::string& t : req.topic_names) {
    kp::DeleteTopicsResponse::Topic rt;
    rt.name = t;
    if (ctx.store->PartitionCount(t) < 0) {
      rt.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
    } else {
      before_delete(t);
      Status st = ctx.store->DeleteTopic(t);
      if (!st.ok()) {
        rt.error_code = Code(ErrorCode::kUnknownServerError);
      } else {
        log::Info("topic={} deleted", t);
        ctx.metrics->RemoveTopic(t);
      }
    }
    if (rt.error_code != 0) ctx.CountError(ApiKey::kDeleteTopics);
    resp.responses.push_back(std::move(rt));
  }
  return resp;
}

kp::InitProducerIdResponse HandleInitProducerId(HandlerContext& ctx, const kp::InitProducerIdRequest& req) {
  kp::InitProducerIdResponse resp;
  if (req.transactional_id) {
    resp.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
  } else {
    auto id = ctx.store->AllocateProducerId();
    if (id.ok()) {
      resp.producer_id = *id;
      resp.producer_epoch = 0;
    } else {
      log::Error("allocate producer id: {}", id.status().ToString());
      resp.error_code = Code(ErrorCode::kCoordinatorNotAvailable);
    }
  }
  if (resp.error_code != 0) ctx.CountError(ApiKey::kInitProducerId);
  return resp;
}

kp::DescribeConfigsResponse HandleDescribeConfigs(HandlerContext& ctx, const kp::DescribeConfigsRequest& req) {
  kp::DescribeConfigsResponse resp;
  for (const auto& res : req.resources) {
    kp::DescribeConfigsResponse::Result out;
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    std::vector<std::pair<std::string, std::string>> configs;
    std::set<std::string> topic_set;  // set on the topic (TOPIC_CONFIG), not defaults
    if (res.resource_type == 2) {  // TOPIC
      auto entries = ctx.store->DescribeTopicConfigs(res.resource_name);
      if (!entries.ok()) {
        out.error_code = Code(ErrorCode::kUnknownTopicOrPartition);
        out.error_message = "unknown topic " + res.resource_name;
      } else {
        for (const ConfigEntry& e : *entries) {
          configs.emplace_back(e.name, e.value);
          if (!e.is_default) topic_set.insert(e.name);
        }
      }
    } else if (res.resource_type == 4) {  // BROKER
      configs = {{"num.partitions", std::to_string(ctx.options.default_partitions)},
                 {"auto.create.topics.enable", ctx.options.auto_create_topics ? "true" : "false"},
                 {"log.retention.ms", std::to_string(ctx.options.retention_ms)},
                 {"log.retention.bytes", std::to_string(ctx.options.retention_bytes)},
                 {"log.segment.bytes", std::to_string(ctx.options.segment_bytes)},
                 {"message.max.bytes", std::to_string(kMaxRequestBytes)},
                 {"default.replication.factor", "1"}};
    } else {
      out.error_code = Code(ErrorCode::kInvalidRequest);
      out.error_message = "only topic and broker resources are described";
    }
    for (auto& [name, value] : configs) {
      if (res.configuration_keys &&
          std::find(res.configuration_keys->begin(), res.configuration_keys->end(), name) ==
              res.configuration_keys->end()) {
        continue;
      }
      kp::DescribeConfigsResponse::Config cfg;
      cfg.name = name;
      cfg.value = value;
      cfg.read_only = true;
      // TOPIC_CONFIG (1) / DEFAULT_CONFIG (5) / STATIC_BROKER_CONFIG (4)
      cfg.config_source = res.resource_type == 2 ? (topic_set.contains(name) ? 1 : 5) : 4;
      out.configs.push_back(std::move(cfg));
    }
    if (out.error_code != 0) ctx.CountError(ApiKey::kDescribeConfigs);
    resp.results.push_back(std::move(out));
  }
  return resp;
}

}  // namespace evpipe::broker
