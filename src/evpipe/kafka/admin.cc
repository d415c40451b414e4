// Admin.
#include "evpipe/kafka/admin.h"

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>

#include "evpipe/kafka/admin_internal.h"

namespace evpipe::kafka {
namespace internal {

Result<OptionsPtr> Options(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms) {
  OptionsPtr options(rd_kafka_AdminOptions_new(rk, op));
  char errstr[256];
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, errstr, sizeof(errstr)) != 0 ||
      ((op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS) &&
       rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, errstr, sizeof(errstr)) != 0)) {
    return Status::InvalidArgument(std::string("admin options: ") + errstr);
  }
  return options;
}

Result<EventPtr> Await(rd_kafka_queue_t* queue, int timeout_ms) {
  EventPtr event(rd_kafka_queue_poll(queue, timeout_ms + 1000));
  if (!event) return Status::Timeout("the broker did not answer the admin request in time");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(rd_kafka_event_error_string(event.get()));
  }
  return event;
}

}  // namespace internal

using internal::Call;
using internal::EventPtr;
using internal::Owned;

namespace {

struct TopicError {
  rd_kafka_resp_err_t code;
  std::string why;  // the broker's message, else the code's text
};

// The first topic of a CreateTopics or DeleteTopics result that failed, if any.
std::optional<TopicError> FirstTopicError(const rd_kafka_topic_result_t** topics, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(topics[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const char* msg = rd_kafka_topic_result_error_string(topics[i]);
    return TopicError{err, msg != nullptr && *msg != '\0' ? msg : ErrorText(err)};
  }
  return std::nullopt;
}

}  // namespace

Result<Config> AdminConfig(const std::string& bootstrap, const std::vector<std::string>& properties) {
  Config config;
  EVPIPE_RETURN_IF_ERROR(config.Set("bootstrap.servers", bootstrap).WithContext("--bootstrap"));
  EVPIPE_RETURN_IF_ERROR(config.Set("client.id", "evpipe-admin"));
  EVPIPE_RETURN_IF_ERROR(config.SetProperties(properties));
  return config;
}

Result<std::unique_ptr<Admin>> Admin::Create(Config config) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Create(Client::Kind::kProducer, std::move(config)));
  return std::unique_ptr<Admin>(new Admin(std::move(client)));
}

Status Admin::CreateTopic(const std::string& topic, int partitions, int replication,
                          const std::vector<std::pair<std::string, std::string>>& configs, int timeout_ms) {
  rd_kafka_t* rk = client_->handle();
  char errstr[512];
  Owned<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy> new_topic(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, errstr, sizeof(errstr)));
  if (new_topic == nullptr) return Status::InvalidArgument("topic " + topic + ": " + errstr);
  for (const auto& [name, value] : configs) {
    rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(new_topic.get(), name.c_str(), value.c_str());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::InvalidArgument("topic config " + name + "=" + value + ": " + ErrorText(err));
    }
  }
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event,
                          Call(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms, rd_kafka_CreateTopics, new_topic.get()));
  size_t n = 0;
  const rd_kafka_topic_result_t** topics =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &n);
  const std::optional<TopicError> failed = FirstTopicError(topics, n);
  if (!failed) return Status::Ok();
  const auto& [err, why] = *failed;
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return Status::AlreadyExists("topic " + topic + " already exists");
  if (err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR || err == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS ||
      err == RD_KAFKA_RESP_ERR_INVALID_CONFIG || err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION ||
      err == RD_KAFKA_RESP_ERR_POLICY_VIOLATION) {
    return Status::InvalidArgument("topic " + topic + ": " + why);
  }
  return Status::Unavailable("creating topic " + topic + ": " + why);
}

Status Admin::DeleteTopic(const std::string& topic, int timeout_ms) {
  rd_kafka_t* rk = client_->handle();
  Owned<rd_kafka_DeleteTopic_t, rd_kafka_DeleteTopic_destroy> del(rd_kafka_DeleteTopic_new(topic.c_str()));
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event,
                          Call(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms, rd_kafka_DeleteTopics, del.get()));
  size_t n = 0;
  const rd_kafka_topic_result_t** topics =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &n);
  const std::optional<TopicError> failed = FirstTopicError(topics, n);
  if (!failed) return Status::Ok();
  const auto& [err, why] = *failed;
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return Status::NotFound("topic " + topic + " does not exist at " + client_->bootstrap());
  }
  return Status::Unavailable("deleting topic " + topic + ": " + why);
}

Result<std::vector<ConfigEntry>> Admin::DescribeTopicConfigs(const std::string& topic, int timeout_ms) {
  rd_kafka_t* rk = client_->handle();
  Owned<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  EVPIPE_ASSIGN_OR_RETURN(EventPtr event,
                          Call(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms,
                               rd_kafka_DescribeConfigs, resource.get()));
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(event.get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &n);
  std::vector<ConfigEntry> out;
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_ConfigResource_error_string(resources[i]);
      return Status::Unavailable("describe configs of topic " + topic + ": " +
                                 (msg != nullptr && *msg != '\0' ? std::string(msg) : ErrorText(err)));
    }
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &m);
    for (size_t j = 0; j < m; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      out.push_back({rd_kafka_ConfigEntry_name(entries[j]), value != nullptr ? value : "",
                     rd_kafka_ConfigEntry_is_default(entries[j]) != 0,
                     rd_kafka_ConfigEntry_is_sensitive(entries[j]) != 0});
    }
  }
  return out;
}

}  // namespace evpipe::kafka
