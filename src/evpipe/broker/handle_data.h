// The data-path handlers: Metadata (with auto-creation), Produce, Fetch and
// ListOffsets, as pure functions over a HandlerContext (handler_context.h).
// The Server (dispatch.cc) decodes, calls these, and answers or parks.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>

#include "evpipe/broker/handler_context.h"
#include "evpipe/broker/protocol/messages.h"
#include "evpipe/core/status.h"

namespace evpipe::broker {

// Creates the topic when allowed (request, --auto-create-topics, the name
// rule) and `*created` is below kMaxAutoCreatedTopicsPerRequest (counted up);
// its partition count, or -1.
int32_t EnsureTopic(HandlerContext& ctx, const std::string& topic, bool allow_create, int* created);

kafka_protocol::MetadataResponse HandleMetadata(HandlerContext& ctx, const kafka_protocol::MetadataRequest& req);

struct ProduceResult {
  kafka_protocol::ProduceResponse response;
  // Partitions that stored new batches (the group commit syncs them).
  std::set<std::pair<std::string, int32_t>> touched;
  bool bad_acks = false;  // answered at once with INVALID_REQUIRED_ACKS
};
// Validates and appends every batch; `peer` labels log lines.
ProduceResult HandleProduce(HandlerContext& ctx, const kafka_protocol::ProduceRequest& req, const std::string& peer);
// acks=all after a failed sync: every partition answered ok becomes KAFKA_STORAGE_ERROR.
void FailUnsynced(HandlerContext& ctx, kafka_protocol::ProduceResponse& resp, const Status& sync_status);

// Kafka keeps one entry per (topic, partition): later repeats are dropped, so
// a request cannot multiply its response by naming a partition many times.
void MergeDuplicatePartitions(kafka_protocol::FetchRequest& req);
// The record bytes a fetch would return now, counted from offsets without
// reading (SIZE_MAX when a partition would answer with an error).
size_t AvailableFetchBytes(HandlerContext& ctx, const kafka_protocol::FetchRequest& req);
// Reads the data, within the client's and the broker's byte limits (the first
// partition with data returns at least one batch, KIP-74); counts bytes and
// records out in the metrics.
kafka_protocol::FetchResponse HandleFetch(HandlerContext& ctx, const kafka_protocol::FetchRequest& req);

kafka_protocol::ListOffsetsResponse HandleListOffsets(HandlerContext& ctx,
                                                      const kafka_protocol::ListOffsetsRequest& req);

}  // namespace evpipe::broker
