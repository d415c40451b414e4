// Admin: topic creation, deletion and config description through the Kafka Admin API
// (the same calls against evpipe broker, Redpanda and Kafka).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "evpipe/core/status.h"
#include "evpipe/kafka/client.h"
#include "evpipe/kafka/config.h"

namespace evpipe::kafka {

struct ConfigEntry {
  std::string name;
  std::string value;  // "" for a null value
  bool is_default = false;
  bool is_sensitive = false;
};

// The admin client's settings, then `properties` (-X) on top.
Result<Config> AdminConfig(const std::string& bootstrap, const std::vector<std::string>& properties);

// Owned and used by one thread; each call blocks until the broker answers or timeout_ms.
class Admin {
 public:
  static Result<std::unique_ptr<Admin>> Create(Config config);
  Client& client() { return *client_; }

  // AlreadyExists when the topic is there (whatever its partition count).
  Status CreateTopic(const std::string& topic, int partitions, int replication,
                     const std::vector<std::pair<std::string, std::string>>& configs, int timeout_ms);
  // NotFound when the broker does not know the topic.
  Status DeleteTopic(const std::string& topic, int timeout_ms);
  Result<std::vector<ConfigEntry>> DescribeTopicConfigs(const std::string& topic, int timeout_ms);

 private:
  explicit Admin(std::unique_ptr<Client> client) : client_(std::move(client)) {}
  std::unique_ptr<Client> client_;
};

}  // namespace evpipe::kafka
