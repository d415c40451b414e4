// Parts several messages share (conventions: messages.h).
#pragma once

#include <string>
#include <vector>

namespace evpipe::kafka_protocol {

// A topic by name with its partitions: the topic list of Produce, ListOffsets,
// OffsetCommit and OffsetFetch (requests and responses). Each message keeps
// its own Partition; `Msg::Topic` names this for it. Fetch has its own
// Topic, whose name field is `topic` as in Kafka's Fetch definitions.
template <class Partition>
struct TopicPartitions {
  std::string name;
  std::vector<Partition> partitions;
};

}  // namespace evpipe::kafka_protocol
