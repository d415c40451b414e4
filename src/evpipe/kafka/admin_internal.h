// What admin.cc and groups.cc share: owners for the Admin API's C objects and
// one admin request (its options, sending it, waiting for its result event).
#pragma once

#include <memory>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"

namespace evpipe::kafka::internal {

// An owner of a librdkafka C object that `Destroy` frees:
// Owned<rd_kafka_DeleteGroup_t, rd_kafka_DeleteGroup_destroy>.
template <auto Destroy>
struct DestroyWith {
  template <typename T>
  void operator()(T* p) const { Destroy(p); }
};
template <typename T, auto Destroy>
using Owned = std::unique_ptr<T, DestroyWith<Destroy>>;

using QueuePtr = Owned<rd_kafka_queue_t, rd_kafka_queue_destroy>;
using EventPtr = Owned<rd_kafka_event_t, rd_kafka_event_destroy>;
using OptionsPtr = Owned<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>;
using PartitionListPtr = Owned<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>;

// Options for `op` with the request timeout (and the operation timeout where the op has one).
Result<OptionsPtr> Options(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms);
// Waits for the one result event of an admin call; a request-level error becomes Unavailable.
Result<EventPtr> Await(rd_kafka_queue_t* queue, int timeout_ms);

// One admin request: options for `op`, a result queue, `send(options, queue)`
// (which calls the rd_kafka_<Op> function; librdkafka copies the request
// objects, so the caller may free them after), then Await.
template <typename Send>
Result<EventPtr> Call(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms, Send&& send) {
  EVPIPE_ASSIGN_OR_RETURN(OptionsPtr options, Options(rk, op, timeout_ms));
  QueuePtr queue(rd_kafka_queue_new(rk));
  send(options.get(), queue.get());
  return Await(queue.get(), timeout_ms);
}

// The usual shape of one request object: `send` is the rd_kafka_<Op>
// function, called as send(rk, &request, 1, options, queue).
template <typename T, typename Send>
Result<EventPtr> Call(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms, Send* send, T* request) {
  return Call(rk, op, timeout_ms, [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
    send(rk, &request, 1, options, queue);
  });
}

}  // namespace evpipe::kafka::internal
