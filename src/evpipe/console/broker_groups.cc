// BrokerViews: consumer groups (kafka/groups.h) as JSON.
#include "evpipe/console/broker_views.h"
#include "evpipe/console/broker_views_internal.h"
#include "evpipe/core/json_writer.h"
#include "evpipe/kafka/groups.h"

namespace evpipe::console {
namespace {

void Offset(JsonWriter& w, std::string_view key, int64_t v) {
  if (v == kafka::kNoOffset) w.Key(key).Null();
  else w.Field(key, v);
}

}  // namespace

ApiResponse BrokerViews::Groups() const {
  Deadline deadline(options_.broker_timeout_ms);
  auto admin = ConnectAdmin(options_, deadline);
  if (!admin.ok()) return ErrorResponse(admin.status());
  auto groups = kafka::ListGroups(**admin, options_.broker_timeout_ms);
  if (!groups.ok()) return ErrorResponse(groups.status());
  JsonWriter w;
  w.BeginObject().Key("groups").BeginArray();
  for (const kafka::GroupListing& g : *groups) {
    w.BeginObject().Field("group", g.group).Field("state", g.state).Field("protocol_type", g.protocol_type)
        .Field("members", g.members).EndObject();
  }
  w.EndArray().EndObject();
  return {200, w.Take()};
}

ApiResponse BrokerViews::Group(const std::string& group) const {
  if (group.empty()) return ErrorResponse(Status::InvalidArgument("a group id is required: /api/groups/{id}"));
  Deadline deadline(options_.broker_timeout_ms);
  auto admin = ConnectAdmin(options_, deadline);
  if (!admin.ok()) return ErrorResponse(admin.status());
  auto d = kafka::DescribeGroup(**admin, group, options_.broker_timeout_ms);
  if (!d.ok()) return ErrorResponse(d.status());
  JsonWriter w;
  w.BeginObject().Field("group", d->group).Field("state", d->state).Field("assignor", d->assignor);
  w.Key("coordinator").BeginObject().Field("id", d->coordinator_id).Field("host", d->coordinator_host)
      .Field("port", d->coordinator_port).EndObject();
  w.Key("members").BeginArray();
  for (const kafka::GroupMember& m : d->members) {
    w.BeginObject().Field("member_id", m.member_id).Field("client_id", m.client_id).Field("host", m.host);
    w.Key("assignment").BeginArray();
    for (const auto& [topic, partition] : m.assignment) {
      w.BeginObject().Field("topic", topic).Field("partition", partition).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("partitions").BeginArray();
  for (const kafka::GroupPartition& p : d->partitions) {
    w.BeginObject().Field("topic", p.topic).Field("partition", p.partition);
    Offset(w, "committed", p.committed);
    Offset(w, "log_start", p.log_start);
    Offset(w, "log_end", p.log_end);
    Offset(w, "lag", p.lag);
    w.Field("lag_from_log_start", p.lag_from_log_start);
    w.Field("member_id", p.member_id).Field("client_id", p.client_id).Field("host", p.host).EndObject();
  }
  w.EndArray();
  w.Field("total_lag", d->total_lag).EndObject();
  return {200, w.Take()};
}

}  // namespace evpipe::console
