// What the broker views share: a deadline for one request, the admin
// connection and watermark queries bounded by it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "evpipe/console/console.h"
#include "evpipe/kafka/admin.h"

namespace evpipe::console {

// A point in time a request must answer by.
class Deadline {
 public:
  explicit Deadline(int timeout_ms);
  int RemainingMs() const;  // 0 once passed

 private:
  int64_t end_us_;
};

// An admin client that has heard from the broker, or why not (Unavailable
// with what to do, within the deadline).
Result<std::unique_ptr<kafka::Admin>> ConnectAdmin(const ConsoleOptions& options, const Deadline& deadline);

struct Watermarks {
  int64_t low = -1, high = -1;
  std::string error;  // "" when read
};
Watermarks QueryWatermarks(kafka::Client& client, const std::string& topic, int32_t partition,
                           const Deadline& deadline);

}  // namespace evpipe::console
