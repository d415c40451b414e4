// `evpipe topic create|list|describe|delete`: topics through the Kafka Admin API.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/core/json_writer.h"
#include "evpipe/kafka/admin.h"

namespace evpipe::cli {
namespace {

// One per sub-subcommand: with a shared struct, the environment fallback of
// one (KAFKA_BOOTSTRAP, TOPIC) overwrote the explicit flag given to another.
struct TopicFlags {
  std::string bootstrap;
  std::string topic;
  int partitions = kDefaultPartitions;
  int replication = kDefaultReplication;
  std::vector<std::string> topic_configs;  // --config key=value
  std::vector<std::string> properties;     // -X
  int timeout_ms = kafka::kDefaultConnectTimeoutMs;
  bool json = false;
  std::string topic_arg;  // describe/delete: the topic as a positional argument (rpk style)
  const std::string& Topic() const { return topic_arg.empty() ? topic : topic_arg; }
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
  std::string out;
  if (f.json) {
    JsonWriter w;
    w.BeginArray();
    for (const kafka::TopicMetadata& t : md.topics) {
      size_t replicas = t.partitions.empty() ? 0 : t.partitions[0].replicas.size();
      w.BeginObject()
          .Field("topic", t.name)
          .Field("partitions", static_cast<int64_t>(t.partitions.size()))
          .Field("replication", static_cast<int64_t>(replicas))
          .EndObject();
    }
    w.EndArray();
    out = w.Take() + "\n";
    std::fputs(out.c_str(), stdout);
    return Status::Ok();
  }
  out = fmt::format("{:<40} {:>10} {:>11}\n", "TOPIC", "PARTITIONS", "REPLICATION");
  for (const kafka::TopicMetadata& t : md.topics) {
    size_t replicas = t.partitions.empty() ? 0 : t.partitions[0].replicas.size();
    out += fmt::format("{:<40} {:>10} {:>11}\n", t.name, t.partitions.size(), replicas);
  }
  std::fputs(out.c_str(), stdout);
  return Status::Ok();
}

Status Describe(const TopicFlags& f) {
  const std::string& topic = f.Topic();
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_ASSIGN_OR_RETURN(kafka::TopicMetadata t, admin->client().DescribeTopic(topic, f.timeout_ms));
  rd_kafka_t* rk = admin->client().handle();
  struct Row {
    const kafka::PartitionMetadata* p;
    int64_t low = -1;
    int64_t high = -1;
  };
  std::vector<Row> rows;
  for (const kafka::PartitionMetadata& p : t.partitions) {
    Row row{&p};
    if (rd_kafka_query_watermark_offsets(rk, t.name.c_str(), p.id, &row.low, &row.high, f.timeout_ms) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      row.low = row.high = -1;
    }
    rows.push_back(row);
  }
  auto configs = admin->DescribeTopicConfigs(topic, f.timeout_ms);
  std::string out;
  if (f.json) {
    JsonWriter w;
    auto ids = [&w](const std::vector<int32_t>& v) {
      w.BeginArray();
      for (int32_t id : v) w.Int(id);
      w.EndArray();
    };
    auto offset = [&w](int64_t v) { v < 0 ? w.Null() : w.Int(v); };
    w.BeginObject().Field("topic", t.name).Key("partitions").BeginArray();
    for (const Row& r : rows) {
      w.BeginObject().Field("partition", r.p->id).Field("leader", r.p->leader);
      w.Key("log_start");
      offset(r.low);
      w.Key("log_end");
      offset(r.high);
      w.Key("replicas");
      ids(r.p->replicas);
      w.Key("isr");
      ids(r.p->isrs);
      w.EndObject();
    }
    w.EndArray().Key("configs");
    if (configs.ok()) {
      w.BeginArray();
      for (const kafka::ConfigEntry& c : *configs) {
        w.BeginObject().Field("name", c.name).Key("value");
        c.is_sensitive ? w.Null() : w.String(c.value);
        w.Field("default", c.is_default).Field("sensitive", c.is_sensitive).EndObject();
      }
      w.EndArray();
    } else {
      w.Null();
    }
    w.EndObject();
    out = w.Take() + "\n";
    std::fputs(out.c_str(), stdout);
    return Status::Ok();
  }
  out = fmt::format("topic {}: {} partitions\n\n", t.name, t.partitions.size());
  out += fmt::format("{:>9} {:>6} {:>12} {:>12} {:>10} {:>10}\n", "PARTITION", "LEADER", "LOW", "HIGH", "REPLICAS",
                     "ISR");
  for (const Row& r : rows) {
    std::string low_text = r.low < 0 ? "?" : std::to_string(r.low);
    std::string high_text = r.high < 0 ? "?" : std::to_string(r.high);
    out += fmt::format("{:>9} {:>6} {:>12} {:>12} {:>10} {:>10}\n", r.p->id, r.p->leader, low_text, high_text,
                       Join(r.p->replicas), Join(r.p->isrs));
  }
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

Status Delete(const TopicFlags& f) {
  const std::string& topic = f.Topic();
  if (topic.empty()) return Status::InvalidArgument("name the topic to delete: evpipe topic delete TOPIC");
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_RETURN_IF_ERROR(admin->DeleteTopic(topic, f.timeout_ms * 2));
  std::printf("deleted topic %s\n", topic.c_str());
  return Status::Ok();
}

void AddCommon(CLI::App* sub, TopicFlags& f) {
  AddBootstrap(sub, f.bootstrap);
  AddKafkaProperties(sub, f.properties);
  AddConnectTimeout(sub, f.timeout_ms);
}

}  // namespace

void RegisterTopic(CLI::App& root, Context& ctx) {
  static TopicFlags create_flags, list_flags, describe_flags, delete_flags;
  CLI::App* topic = root.add_subcommand("topic", "create, list, describe and delete topics (Kafka Admin API)");
  topic->require_subcommand(1);

  TopicFlags& c = create_flags;
  CLI::App* create = topic->add_subcommand("create", "create a topic (an existing one is left as it is, exit 0)");
  AddCommon(create, c);
  AddTopic(create, c.topic);
  AddPartitions(create, c.partitions);
  AddReplication(create, c.replication);
  create->add_option("-c,--config", c.topic_configs, "Topic config key=value (repeatable), e.g. retention.ms=-1");
  SetRun(create, ctx, "topic create", c, Create);

  CLI::App* list = topic->add_subcommand("list", "list topics with their partition counts");
  AddCommon(list, list_flags);
  list->add_flag("--json", list_flags.json, "a JSON array on stdout instead of the table");
  SetRun(list, ctx, "topic list", list_flags, List);

  TopicFlags& d = describe_flags;
  CLI::App* describe = topic->add_subcommand("describe", "partitions (leaders, offsets) and configs of a topic");
  AddCommon(describe, d);
  AddTopic(describe, d.topic);
  describe->add_option("name", d.topic_arg, "The topic (instead of --topic)");
  describe->add_flag("--json", d.json, "one JSON object on stdout instead of the tables");
  SetRun(describe, ctx, "topic describe", d, Describe);

  TopicFlags& x = delete_flags;
  x.topic.clear();
  CLI::App* del = topic->add_subcommand("delete", "delete a topic and its records (no undo)");
  AddCommon(del, x);
  del->add_option("-t,--topic", x.topic, "The topic (no TOPIC environment fallback here)");
  del->add_option("name", x.topic_arg, "The topic");
  SetRun(del, ctx, "topic delete", x, Delete);
}

}  // namespace evpipe::cli
