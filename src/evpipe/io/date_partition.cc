// Date-partitioned folder names.
#include "evpipe/io/date_partition.h"

#include "evpipe/io/file_system.h"

namespace evpipe::io {

std::string DatePartitionName(std::string_view date) {
  std::string name(kDatePartitionPrefix);
  name += date;
  return name;
}

std::string DatePartitionDir(std::string_view root, std::string_view topic, std::string_view date) {
  return JoinPath(JoinPath(root, topic), DatePartitionName(date));
}

std::optional<std::string_view> DateOfPartitionName(std::string_view name) {
  if (!name.starts_with(kDatePartitionPrefix)) return std::nullopt;
  return name.substr(kDatePartitionPrefix.size());
}

}  // namespace evpipe::io
