// What admin.cc and groups.cc share: owners for the Admin API's C objects,
// the request options and waiting for one result event.
#pragma once

#include <memory>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"

namespace evpipe::kafka::internal {

struct QueueDeleter { void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); } };
struct EventDeleter { void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); } };
struct OptionsDeleter { void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); } };
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using OptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Options for `op` with the request timeout (and the operation timeout where the op has one).
Result<OptionsPtr> Options(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms);
// Waits for the one result event of an admin call; a request-level error becomes Unavailable.
Result<EventPtr> Await(rd_kafka_queue_t* queue, int timeout_ms);

}  // namespace evpipe::kafka::internal
