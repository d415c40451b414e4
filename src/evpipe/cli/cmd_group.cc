// `evpipe group list|describe|reset-offsets|delete`: consumer groups and their
// lag through the Kafka Admin API (kafka/groups.h), like rpk group and
// kafka-consumer-groups.
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "evpipe/cli/command.h"
#include "evpipe/cli/kafka_common.h"
#include "evpipe/cli/options.h"
#include "evpipe/cli/table.h"
#include "evpipe/event/event.h"
#include "evpipe/core/json_writer.h"
#include "evpipe/kafka/admin.h"
#include "evpipe/kafka/group_json.h"
#include "evpipe/kafka/groups.h"

namespace evpipe::cli {
namespace {

// The flags of one sub-subcommand (each has its own: a shared struct would let
// one subcommand's environment fallback overwrite another's explicit flag).
struct GroupFlags {
  std::string bootstrap;
  std::vector<std::string> properties;
  int timeout_ms = kafka::kDefaultConnectTimeoutMs;
  std::string group;
  bool json = false;
  // reset-offsets
  std::string topic;
  bool to_earliest = false;
  bool to_latest = false;
  int64_t to_offset = 0;
  std::string to_datetime;
  int64_t shift_by = 0;
  bool execute = false;
  CLI::Option* to_offset_opt = nullptr;
  CLI::Option* to_datetime_opt = nullptr;
  CLI::Option* shift_by_opt = nullptr;
};

Result<std::unique_ptr<kafka::Admin>> Connect(const GroupFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(kafka::Config config, kafka::AdminConfig(f.bootstrap, f.properties));
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, kafka::Admin::Create(std::move(config)));
  EVPIPE_RETURN_IF_ERROR(admin->client().WaitForBroker(f.timeout_ms));
  return admin;
}

std::string OffsetText(int64_t v) { return v < 0 ? "-" : std::to_string(v); }

Status List(const GroupFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_ASSIGN_OR_RETURN(std::vector<kafka::GroupListing> groups, kafka::ListGroups(*admin, f.timeout_ms));
  std::string out;
  if (f.json) {
    out = kafka::GroupListJson(groups) + "\n";
  } else {
    Table t({"GROUP", "STATE", "PROTOCOL", "MEMBERS"});
    for (const kafka::GroupListing& g : groups) {
      t.Add({g.group, g.state, g.protocol_type.empty() ? "-" : g.protocol_type, std::to_string(g.members)});
    }
    out = t.Render();
  }
  std::fputs(out.c_str(), stdout);
  return Status::Ok();
}

std::string AssignmentText(const std::vector<std::pair<std::string, int32_t>>& assignment) {
  // events:0,1,2 other:0
  std::string out;
  std::string topic;
  for (const auto& [t, p] : assignment) {
    if (t != topic) {
      out += (out.empty() ? "" : " ") + t + ":" + std::to_string(p);
      topic = t;
    } else {
      out += "," + std::to_string(p);
    }
  }
  return out.empty() ? "-" : out;
}

std::string DescriptionText(const kafka::GroupDescription& g) {
  Table head({"GROUP", g.group});
  head.Add({"COORDINATOR", g.coordinator_id >= 0 ? fmt::format("{} ({}:{})", g.coordinator_id, g.coordinator_host,
                                                                g.coordinator_port)
                                                  : "-"});
  head.Add({"STATE", g.state});
  head.Add({"ASSIGNOR", g.assignor.empty() ? "-" : g.assignor});
  head.Add({"MEMBERS", std::to_string(g.members.size())});
  head.Add({"TOTAL-LAG", std::to_string(g.total_lag)});
  std::string out = head.Render();
  if (!g.members.empty()) {
    Table members({"MEMBER-ID", "CLIENT-ID", "HOST", "ASSIGNED"});
    for (const kafka::GroupMember& m : g.members) {
      members.Add({m.member_id, m.client_id, m.host, AssignmentText(m.assignment)});
    }
    out += "\n" + members.Render();
  }
  if (g.partitions.empty()) {
    out += "\nno committed offsets and no assigned partitions\n";
    return out;
  }
  Table parts({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-START-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID",
               "CLIENT-ID", "HOST"});
  bool any_from_start = false;
  for (const kafka::GroupPartition& p : g.partitions) {
    std::string lag = OffsetText(p.lag);
    if (p.lag_from_log_start) {
      lag += "*";
      any_from_start = true;
    }
    parts.Add({p.topic, std::to_string(p.partition), OffsetText(p.committed), OffsetText(p.log_start),
               OffsetText(p.log_end), lag, p.member_id.empty() ? "-" : p.member_id,
               p.client_id.empty() ? "-" : p.client_id, p.host.empty() ? "-" : p.host});
  }
  out += "\n" + parts.Render();
  if (any_from_start) out += "* nothing committed on this partition: lag counted from the log start\n";
  return out;
}

Status Describe(const GroupFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_ASSIGN_OR_RETURN(kafka::GroupDescription g, kafka::DescribeGroup(*admin, f.group, f.timeout_ms));
  std::string out = f.json ? kafka::GroupDescriptionJson(g) + "\n" : DescriptionText(g);
  std::fputs(out.c_str(), stdout);
  return Status::Ok();
}

// --to-datetime: RFC 3339, a bare date (midnight UTC), or ms since the epoch.
Result<int64_t> ParseDatetimeMs(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    try {
      return static_cast<int64_t>(std::stoll(text));
    } catch (const std::exception&) {
    }
  }
  if (text.size() == 10) {
    if (auto d = event::ParseDate(text); d.ok()) return *d / 1000;
  }
  auto t = event::ParseTimestamp(text);
  if (!t.ok()) {
    return Status::InvalidArgument("--to-datetime " + text +
                                   ": expected 2026-02-01T10:00:00Z, 2026-02-01 or milliseconds since the epoch");
  }
  return *t / 1000;
}

Status Reset(const GroupFlags& f) {
  kafka::OffsetReset reset;
  int chosen = (f.to_earliest ? 1 : 0) + (f.to_latest ? 1 : 0) + (f.to_offset_opt->count() ? 1 : 0) +
               (f.to_datetime_opt->count() ? 1 : 0) + (f.shift_by_opt->count() ? 1 : 0);
  if (chosen != 1) {
    return Status::InvalidArgument(
        "give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime T, --shift-by N");
  }
  if (f.to_earliest) reset.kind = kafka::OffsetReset::Kind::kEarliest;
  if (f.to_latest) reset.kind = kafka::OffsetReset::Kind::kLatest;
  if (f.to_offset_opt->count()) reset = {kafka::OffsetReset::Kind::kOffset, f.to_offset};
  if (f.shift_by_opt->count()) reset = {kafka::OffsetReset::Kind::kShiftBy, f.shift_by};
  if (f.to_datetime_opt->count()) {
    EVPIPE_ASSIGN_OR_RETURN(int64_t ms, ParseDatetimeMs(f.to_datetime));
    reset = {kafka::OffsetReset::Kind::kDatetime, ms};
  }
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_ASSIGN_OR_RETURN(std::vector<kafka::OffsetResetRow> plan,
                          kafka::PlanOffsetReset(*admin, f.group, f.topic, reset, f.timeout_ms));
  if (f.execute) EVPIPE_RETURN_IF_ERROR(kafka::ApplyOffsetReset(*admin, f.group, plan, f.timeout_ms));
  std::string out;
  if (f.json) {
    JsonWriter w;
    w.BeginObject().Field("group", f.group).Field("topic", f.topic).Field("executed", f.execute);
    w.Key("partitions").BeginArray();
    for (const kafka::OffsetResetRow& r : plan) {
      w.BeginObject().Field("partition", r.partition).Key("current");
      r.current < 0 ? w.Null() : w.Int(r.current);
      w.Field("target", r.target).Field("log_start", r.log_start).Field("log_end", r.log_end).EndObject();
    }
    w.EndArray().EndObject();
    out = w.Take() + "\n";
  } else {
    Table t({"TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET", "LOG-START-OFFSET", "LOG-END-OFFSET"});
    for (const kafka::OffsetResetRow& r : plan) {
      t.Add({r.topic, std::to_string(r.partition), OffsetText(r.current), std::to_string(r.target),
             std::to_string(r.log_start), std::to_string(r.log_end)});
    }
    out = t.Render();
  }
  std::fputs(out.c_str(), stdout);
  if (f.execute) {
    std::fprintf(stderr, "group %s: committed the new offsets on %zu partition(s) of %s\n", f.group.c_str(),
                 plan.size(), f.topic.c_str());
  } else {
    std::fprintf(stderr, "dry run: nothing changed; add --execute to commit these offsets for group %s\n",
                 f.group.c_str());
  }
  return Status::Ok();
}

Status Delete(const GroupFlags& f) {
  EVPIPE_ASSIGN_OR_RETURN(std::unique_ptr<kafka::Admin> admin, Connect(f));
  EVPIPE_RETURN_IF_ERROR(kafka::DeleteGroup(*admin, f.group, f.timeout_ms));
  std::printf("deleted group %s and its committed offsets\n", f.group.c_str());
  return Status::Ok();
}

CLI::App* AddSub(CLI::App* parent, const char* name, const char* help, GroupFlags& f) {
  CLI::App* sub = parent->add_subcommand(name, help);
  AddBootstrap(sub, f.bootstrap);
  AddKafkaProperties(sub, f.properties);
  AddConnectTimeout(sub, f.timeout_ms);
  return sub;
}

void AddGroupArg(CLI::App* sub, GroupFlags& f) { sub->add_option("group", f.group, "Consumer group")->required(); }

}  // namespace

void RegisterGroup(CLI::App& root, Context& ctx) {
  static GroupFlags list_flags, describe_flags, reset_flags, delete_flags;
  CLI::App* group = root.add_subcommand("group", "list, describe (lag), reset and delete consumer groups");
  group->require_subcommand(1);

  CLI::App* list = AddSub(group, "list", "every consumer group with its state and member count", list_flags);
  list->add_flag("--json", list_flags.json, "a JSON array on stdout instead of the table");
  SetRun(list, ctx, "group list", list_flags, List);

  CLI::App* describe = AddSub(group, "describe", "a group's members and, per partition, committed offset and lag",
                              describe_flags);
  AddGroupArg(describe, describe_flags);
  describe->add_flag("--json", describe_flags.json, "one JSON object on stdout instead of the tables");
  SetRun(describe, ctx, "group describe", describe_flags, Describe);

  GroupFlags& r = reset_flags;
  CLI::App* reset = AddSub(group, "reset-offsets",
                           "move a group's committed offsets on a topic (a dry-run plan unless --execute)", r);
  AddGroupArg(reset, r);
  reset->add_option("-t,--topic", r.topic, "Topic whose partitions are reset")->required();
  reset->add_flag("--to-earliest", r.to_earliest, "to the log start of each partition");
  reset->add_flag("--to-latest", r.to_latest, "to the log end (skip everything there now)");
  r.to_offset_opt = reset->add_option("--to-offset", r.to_offset, "to offset N (clamped to the log)");
  r.to_datetime_opt = reset->add_option("--to-datetime", r.to_datetime,
                                        "to the first record at or after T (2026-02-01T10:00:00Z, a date, or ms)");
  r.shift_by_opt = reset->add_option("--shift-by", r.shift_by, "by N from the committed offset (negative: back)");
  reset->add_flag("--execute", r.execute, "commit the new offsets (refused while the group has members)");
  reset->add_flag("--json", r.json, "the plan as one JSON object on stdout");
  SetRun(reset, ctx, "group reset-offsets", r, Reset);

  CLI::App* del = AddSub(group, "delete", "delete a group and its committed offsets (it must have no members)",
                         delete_flags);
  AddGroupArg(del, delete_flags);
  SetRun(del, ctx, "group delete", delete_flags, Delete);
}

}  // namespace evpipe::cli
