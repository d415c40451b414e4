// The broker side of the console: topics with offsets and sizes, a record
// browser, consumer groups with lag, each as one JSON answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "evpipe/console/console.h"

namespace evpipe::console {

// Stateless: every call opens its own librdkafka clients and closes them (a
// deleted topic or a restarted broker is never seen through a stale cache),
// and bounds each broker call by options.broker_timeout_ms, so a request never
// hangs on a broker that is gone. Callable from any thread.
class BrokerViews {
 public:
  explicit BrokerViews(const ConsoleOptions& options) : options_(options) {}

  // /api/topics: every topic, its partitions with leader, log start and end
  // offset, record count, and bytes on disk when the broker's data dir is readable.
  ApiResponse Topics() const;
  // /api/records: up to `limit` records of one partition from `offset`, or the
  // last `limit` when offset is empty.
  ApiResponse Records(const std::string& topic, int32_t partition, std::optional<int64_t> offset,
                      int limit) const;
  // /api/groups: every consumer group with state and member count.
  ApiResponse Groups() const;
  // /api/groups/{id}: members, committed offsets and lag per partition.
  ApiResponse Group(const std::string& group) const;

 private:
  const ConsoleOptions& options_;
};

}  // namespace evpipe::console
