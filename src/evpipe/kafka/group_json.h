// The JSON of consumer groups (kafka/groups.h), one encoding for
// `evpipe group list|describe --json` and the console's /api/groups
// (field names: docs/readme/console.md and the CLI's --json docs).
#pragma once

#include <string>
#include <vector>

#include "evpipe/kafka/groups.h"

namespace evpipe::kafka {

// [{"group","state","protocol_type","members"}, ...]
std::string GroupListJson(const std::vector<GroupListing>& groups);

// {"group","state","assignor","coordinator":{"id","host","port"}|null,
//  "members":[{"member_id","client_id","host","assignment":[{"topic","partition"}]}],
//  "partitions":[{"topic","partition","committed","log_start","log_end","lag","lag_from_log_start",
//                 "member_id","client_id","host"}],
//  "total_lag"}; an absent offset, and an unassigned partition's member fields, are null.
std::string GroupDescriptionJson(const GroupDescription& group);

}  // namespace evpipe::kafka
