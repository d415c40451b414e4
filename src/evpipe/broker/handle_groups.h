// The consumer-group handlers whose answer is immediate (FindCoordinator,
// OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups), as
// pure functions over a HandlerContext and the GroupCoordinator. JoinGroup,
// SyncGroup, Heartbeat and LeaveGroup are the coordinator's own methods
// (group_coordinator.h); the Server (dispatch.cc) wires both to connections.
#pragma once

#include "evpipe/broker/group_coordinator.h"
#include "evpipe/broker/handler_context.h"
#include "evpipe/broker/protocol/messages.h"

namespace evpipe::broker {

kafka_protocol::FindCoordinatorResponse HandleFindCoordinator(HandlerContext& ctx,
                                                              const kafka_protocol::FindCoordinatorRequest& req);
// Checks generation and member with the coordinator; stores the offsets durably.
kafka_protocol::OffsetCommitResponse HandleOffsetCommit(HandlerContext& ctx, const GroupCoordinator& groups,
                                                        const kafka_protocol::OffsetCommitRequest& req);
kafka_protocol::OffsetFetchResponse HandleOffsetFetch(HandlerContext& ctx, const kafka_protocol::OffsetFetchRequest& req);
// Groups the coordinator knows, and groups that only have committed offsets.
kafka_protocol::ListGroupsResponse HandleListGroups(HandlerContext& ctx, const GroupCoordinator& groups);
kafka_protocol::DescribeGroupsResponse HandleDescribeGroups(HandlerContext& ctx, const GroupCoordinator& groups,
                                                            const kafka_protocol::DescribeGroupsRequest& req);
// NON_EMPTY_GROUP while members remain; GROUP_ID_NOT_FOUND when neither the
// coordinator nor the offset store knows the group; else its state and
// committed offsets are forgotten.
kafka_protocol::DeleteGroupsResponse HandleDeleteGroups(HandlerContext& ctx, GroupCoordinator& groups,
                                                        const kafka_protocol::DeleteGroupsRequest& req);

}  // namespace evpipe::broker
