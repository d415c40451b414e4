// BrokerViews: consumer groups (kafka/groups.h), in the JSON of `evpipe group --json`.
#include "evpipe/console/broker_views.h"
#include "evpipe/console/broker_views_internal.h"
#include "evpipe/kafka/group_json.h"
#include "evpipe/kafka/groups.h"

namespace evpipe::console {

ApiResponse BrokerViews::Groups() const {
  Deadline deadline(options_.broker_timeout_ms);
  auto admin = ConnectAdmin(options_, deadline);
  if (!admin.ok()) return ErrorResponse(admin.status());
  auto groups = kafka::ListGroups(**admin, options_.broker_timeout_ms);
  if (!groups.ok()) return ErrorResponse(groups.status());
  return {200, "{\"groups\":" + kafka::GroupListJson(*groups) + "}"};
}

ApiResponse BrokerViews::Group(const std::string& group) const {
  if (group.empty()) return ErrorResponse(Status::InvalidArgument("a group id is required: /api/groups/{id}"));
  Deadline deadline(options_.broker_timeout_ms);
  auto admin = ConnectAdmin(options_, deadline);
  if (!admin.ok()) return ErrorResponse(admin.status());
  auto description = kafka::DescribeGroup(**admin, group, options_.broker_timeout_ms);
  if (!description.ok()) return ErrorResponse(description.status());
  return {200, kafka::GroupDescriptionJson(*description)};
}

}  // namespace evpipe::console
