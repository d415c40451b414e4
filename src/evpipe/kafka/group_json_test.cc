// The groups' JSON: every field, nulls for what is absent.
#include "evpipe/kafka/group_json.h"

#include <gtest/gtest.h>

namespace evpipe::kafka {
namespace {

TEST(GroupJson, ListsGroups) {
  EXPECT_EQ(GroupListJson({{"raw-sink", "Stable", "consumer", 2}, {"offsets-only", "Empty", "", 0}}),
            R"([{"group":"raw-sink","state":"Stable","protocol_type":"consumer","members":2},)"
            R"({"group":"offsets-only","state":"Empty","protocol_type":"","members":0}])");
  EXPECT_EQ(GroupListJson({}), "[]");
}

TEST(GroupJson, DescribesAGroupWithNullsForWhatIsAbsent) {
  GroupDescription g;
  g.group = "raw-sink";
  g.state = "Stable";
  g.assignor = "range";
  g.coordinator_id = 0;
  g.coordinator_host = "127.0.0.1";
  g.coordinator_port = 9092;
  g.members.push_back({"m-1", "evpipe-sink", "/127.0.0.1", {{"events", 0}}});
  GroupPartition assigned{"events", 0, 12, 0, 20, 8, false, "m-1", "evpipe-sink", "/127.0.0.1"};
  GroupPartition uncommitted{"events", 1, kNoOffset, 0, 10, 10, true, "", "", ""};
  g.partitions = {assigned, uncommitted};
  g.total_lag = 18;
  EXPECT_EQ(GroupDescriptionJson(g),
            R"({"group":"raw-sink","state":"Stable","assignor":"range",)"
            R"("coordinator":{"id":0,"host":"127.0.0.1","port":9092},)"
            R"("members":[{"member_id":"m-1","client_id":"evpipe-sink","host":"/127.0.0.1",)"
            R"("assignment":[{"topic":"events","partition":0}]}],)"
            R"("partitions":[{"topic":"events","partition":0,"committed":12,"log_start":0,"log_end":20,"lag":8,)"
            R"("lag_from_log_start":false,"member_id":"m-1","client_id":"evpipe-sink","host":"/127.0.0.1"},)"
            R"({"topic":"events","partition":1,"committed":null,"log_start":0,"log_end":10,"lag":10,)"
            R"("lag_from_log_start":true,"member_id":null,"client_id":null,"host":null}],"total_lag":18})");
  g.coordinator_id = -1;
  EXPECT_NE(GroupDescriptionJson(g).find(R"("coordinator":null)"), std::string::npos);
}

}  // namespace
}  // namespace evpipe::kafka
