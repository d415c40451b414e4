// Config.
#include "evpipe/kafka/config.h"

#include <utility>

namespace evpipe::kafka {

Config::Config() : conf_(rd_kafka_conf_new()) {}

Config::~Config() {
  if (conf_ != nullptr) rd_kafka_conf_destroy(conf_);
}

Config::Config(Config&& other) noexcept : conf_(std::exchange(other.conf_, nullptr)) {}

Config& Config::operator=(Config&& other) noexcept {
  if (this != &other) {
    if (conf_ != nullptr) rd_kafka_conf_destroy(conf_);
    conf_ = std::exchange(other.conf_, nullptr);
  }
  return *this;
}

Status Config::Set(std::string_view key, std::string_view value) {
  char errstr[512];
  std::string k(key);
  std::string v(value);
  if (rd_kafka_conf_set(conf_, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument("-X " + k + "=" + v + ": " + errstr);
  }
  return Status::Ok();
}

Status Config::SetProperties(const std::vector<std::string>& properties) {
  for (const std::string& kv : properties) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("-X " + kv + ": expected key=value (a librdkafka property)");
    }
    EVPIPE_RETURN_IF_ERROR(Set(std::string_view(kv).substr(0, eq), std::string_view(kv).substr(eq + 1)));
  }
  return Status::Ok();
}

std::string Config::Get(std::string_view key) const {
  std::string k(key);
  char buf[1024];
  size_t size = sizeof(buf);
  if (rd_kafka_conf_get(conf_, k.c_str(), buf, &size) != RD_KAFKA_CONF_OK) return "";
  return std::string(buf);
}

rd_kafka_conf_t* Config::Release() { return std::exchange(conf_, nullptr); }

std::string ErrorText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

}  // namespace evpipe::kafka
