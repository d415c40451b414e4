// Config: an owned librdkafka configuration with one-line errors for bad settings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "evpipe/core/status.h"

namespace evpipe::kafka {

// Owns an rd_kafka_conf_t until a client takes it (Release). Not thread-safe;
// build it on one thread, then hand it to Client::Create.
class Config {
 public:
  Config();
  ~Config();
  Config(Config&& other) noexcept;
  Config& operator=(Config&& other) noexcept;
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // Sets one librdkafka property; the error names the key, the value and why.
  Status Set(std::string_view key, std::string_view value);
  // Applies "key=value" strings as given to -X; later ones win.
  Status SetProperties(const std::vector<std::string>& properties);
  // The value of a property, or "" when unset.
  std::string Get(std::string_view key) const;

  rd_kafka_conf_t* raw() { return conf_; }
  // Gives up ownership (librdkafka's rd_kafka_new takes it).
  rd_kafka_conf_t* Release();

 private:
  rd_kafka_conf_t* conf_;
};

// librdkafka's error text for `err` as a std::string.
std::string ErrorText(rd_kafka_resp_err_t err);

}  // namespace evpipe::kafka
