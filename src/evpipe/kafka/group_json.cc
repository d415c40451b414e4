// GroupListJson and GroupDescriptionJson.
#include "evpipe/kafka/group_json.h"

#include "evpipe/core/json_writer.h"

namespace evpipe::kafka {
namespace {

void OffsetOrNull(JsonWriter& w, std::string_view key, int64_t v) {
  if (v < 0) w.Key(key).Null();
  else w.Field(key, v);
}

void TextOrNull(JsonWriter& w, std::string_view key, const std::string& v) {
  if (v.empty()) w.Key(key).Null();
  else w.Field(key, v);
}

}  // namespace

std::string GroupListJson(const std::vector<GroupListing>& groups) {
  JsonWriter w;
  w.BeginArray();
  for (const GroupListing& g : groups) {
    w.BeginObject().Field("group", g.group).Field("state", g.state).Field("protocol_type", g.protocol_type)
        .Field("members", g.members).EndObject();
  }
  w.EndArray();
  return w.Take();
}

std::string GroupDescriptionJson(const GroupDescription& g) {
  JsonWriter w;
  w.BeginObject().Field("group", g.group).Field("state", g.state).Field("assignor", g.assignor);
  if (g.coordinator_id >= 0) {
    w.Key("coordinator").BeginObject().Field("id", g.coordinator_id).Field("host", g.coordinator_host)
        .Field("port", g.coordinator_port).EndObject();
  } else {
    w.Key("coordinator").Null();
  }
  w.Key("members").BeginArray();
  for (const GroupMember& m : g.members) {
    w.BeginObject().Field("member_id", m.member_id).Field("client_id", m.client_id).Field("host", m.host);
    w.Key("assignment").BeginArray();
    for (const auto& [topic, partition] : m.assignment) {
      w.BeginObject().Field("topic", topic).Field("partition", partition).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("partitions").BeginArray();
  for (const GroupPartition& p : g.partitions) {
    w.BeginObject().Field("topic", p.topic).Field("partition", p.partition);
    OffsetOrNull(w, "committed", p.committed);
    OffsetOrNull(w, "log_start", p.log_start);
    OffsetOrNull(w, "log_end", p.log_end);
    OffsetOrNull(w, "lag", p.lag);
    w.Field("lag_from_log_start", p.lag_from_log_start);
    TextOrNull(w, "member_id", p.member_id);
    TextOrNull(w, "client_id", p.client_id);
    TextOrNull(w, "host", p.host);
    w.EndObject();
  }
  w.EndArray().Field("total_lag", g.total_lag).EndObject();
  return w.Take();
}

}  // namespace evpipe::kafka
