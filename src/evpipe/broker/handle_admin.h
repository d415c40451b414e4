// The admin handlers: ApiVersions, CreateTopics, DeleteTopics,
// InitProducerId and DescribeConfigs, as pure functions over a
// HandlerContext (handler_context.h).
#pragma once

#include <functional>
#include <string>

#include "evpipe/broker/handler_context.h"
#include "evpipe/broker/protocol/messages.h"

namespace evpipe::broker {

// Our version ranges; UNSUPPORTED_VERSION for a version we do not know (the
// caller encodes it as v0, KIP-511), INVALID_REQUEST when the body did not decode.
kafka_protocol::ApiVersionsResponse HandleApiVersions(HandlerContext& ctx, int16_t version, bool decoded);
kafka_protocol::CreateTopicsResponse HandleCreateTopics(HandlerContext& ctx,
                                                        const kafka_protocol::CreateTopicsRequest& req);
// `before_delete(topic)` runs before each existing topic's logs go (the
// server answers parked fetches and waits for a running fsync there).
kafka_protocol::DeleteTopicsResponse HandleDeleteTopics(HandlerContext& ctx,
                                                        const kafka_protocol::DeleteTopicsRequest& req,
                                                        const std::function<void(const std::string&)>& before_delete);
kafka_protocol::InitProducerIdResponse HandleInitProducerId(HandlerContext& ctx,
                                                            const kafka_protocol::InitProducerIdRequest& req);
kafka_protocol::DescribeConfigsResponse HandleDescribeConfigs(HandlerContext& ctx,
                                                              const kafka_protocol::DescribeConfigsRequest& req);

}  // namespace evpipe::broker
