// `evpipe topic create|list|describe`: topics through the Kafka Admin API.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/kafka/admin.h"

namespace evpipe::cli {
namespace {

struct TopicFlags {
  std::string bootstrap;
  std::string topic;
  int partitions = kDefaultPartitions;
  int replication = kDefaultReplication;
  std::vector<std::string> topic_configs;  // --config key=value
  std::vector<std::string> properties;     // -X
  int timeout_ms = kafka::kDefaultConnectTimeoutMs;
};

Result<std::unique_ptr<kafka::Admin>> Connect(const TopicFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::AdminConfig(f.bootstrap, f.properties));
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, kafka::Admin::Create(std::move(config)));
  EVPIPE_RETURN_IF_ERROR(admin->client().WaitForBroker(f.timeout_ms));
  return admin;
}

std::string Join(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

Status Create(const TopicFlags& f) {
  std::vector<std::pair<std::string, std::string>> configs;
  for (const std::string& kv : f.topic_configs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--config " + kv + ": expected key=value (a topic config)");
    }
    configs.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  Status s = admin->CreateTopic(f.topic, f.partitions, f.replication, configs, f.timeout_ms * 2);
  if (s.code() == StatusCode::kAlreadyExists) {
    auto md = admin->client().DescribeTopic(f.topic, f.timeout_ms);
    if (md.ok() && static_cast<int>(md->partitions.size()) != f.partitions) {
      std::printf("topic %s already exists with %zu partitions (asked for %d); left unchanged\n", f.topic.c_str(),
                  md->partitions.size(), f.partitions);
    } else {
      std::printf("topic %s already exists; left unchanged\n", f.topic.c_str());
    }
    return Status::Ok();
  }
  EVPIPE_RETURN_IF_ERROR(s);
  std::printf("created topic %s: %d partitions, replication %d\n", f.topic.c_str(), f.partitions, f.replication);
  return Status::Ok();
}

Status List(const TopicFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_ASSIGN_OR_RETURN(kafka::ClusterMetadata md, admin->client().Metadata(f.timeout_ms));
  std::string out = fmt::format("{:<40} {:>10} {:>11}\n", "TOPIC", "PARTITIONS", "REPLICATION");
  for (const kafka::TopicMetadata& t : md.topics) {
    size_t replicas = t.partitions.empty() ? 0 : t.partitions[0].replicas.size();
    out += fmt::format("{:<40} {:>10} {:>11}\n", t.name, t.partitions.size(), replicas);
  }
  std::fputs(out.c_str(), stdout);
  return Status::Ok();
}

Status Describe(const TopicFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_ASSIGN_OR_RETURN(kafka::TopicMetadata t, admin->client().DescribeTopic(f.topic, f.timeout_ms));
  std::string out = fmt::format("topic {}: {} partitions\n\n", t.name, t.partitions.size());
  out += fmt::format("{:>9} {:>6} {:>12} {:>12} {:>10} {:>10}\n", "PARTITION", "LEADER", "LOW", "HIGH", "REPLICAS",
                     "ISR");
  rd_kafka_t* rk = admin->client().handle();
  for (const kafka::PartitionMetadata& p : t.partitions) {
    int64_t low = -1;
    int64_t high = -1;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, t.name.c_str(), p.id, &low, &high, f.timeout_ms);
    std::string low_text = err ? "?" : std::to_string(low);
    std::string high_text = err ? "?" : std::to_string(high);
    out += fmt::format("{:>9} {:>6} {:>12} {:>12} {:>10} {:>10}\n", p.id, p.leader, low_text, high_text,
                       Join(p.replicas), Join(p.isrs));
  }
  auto configs = admin->DescribeTopicConfigs(f.topic, f.timeout_ms);
  if (configs.ok()) {
    out += "\nCONFIG (* = set on the topic, else the broker default)\n";
    for (const kafka::ConfigEntry& c : *configs) {
      out += fmt::format("{} {} = {}\n", c.is_default ? " " : "*", c.name, c.is_sensitive ? "(sensitive)" : c.value);
    }
  } else {
    out += "\nCONFIG: not available (" + configs.status().message() + ")\n";
  }
  std::fputs(out.c_str(), stdout);
  return Status::Ok();
}

void AddCommon(CLI::App* sub, TopicFlags& f) {
  AddBootstrap(sub, f.bootstrap);
  AddKafkaProperties(sub, f.properties);
  AddConnectTimeout(sub, f.timeout_ms);
}

}  // namespace

void RegisterTopic(CLI::App& root, Context& ctx) {
  static TopicFlags f;
  CLI::App* topic = root.add_subcommand("topic", "create, list and describe topics (Kafka Admin API)");
  topic->require_subcommand(1);

  CLI::App* create = topic->add_subcommand("create", "create a topic (an existing one is left as it is, exit 0)");
  AddCommon(create, f);
  AddTopic(create, f.topic);
  AddPartitions(create, f.partitions);
  AddReplication(create, f.replication);
  create->add_option("-c,--config", f.topic_configs, "Topic config key=value (repeatable), e.g. retention.ms=-1");
  create->callback([&ctx] {
    Status s = Create(f);
    ctx.exit_code = s.ok() ? kExitOk : Fail("topic create", s);
  });

  CLI::App* list = topic->add_subcommand("list", "list topics with their partition counts");
  AddCommon(list, f);
  list->callback([&ctx] {
    Status s = List(f);
    ctx.exit_code = s.ok() ? kExitOk : Fail("topic list", s);
  });

  CLI::App* describe = topic->add_subcommand("describe", "partitions (leaders, offsets) and configs of a topic");
  AddCommon(describe, f);
  AddTopic(describe, f.topic);
  describe->callback([&ctx] {
    Status s = Describe(f);
    ctx.exit_code = s.ok() ? kExitOk : Fail("topic describe", s);
  });
}

}  // namespace evpipe::cli
