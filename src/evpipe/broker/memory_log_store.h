// An in-memory LogStore: nothing survives the process. Used by unit tests of
// the handlers and as the reference the durable store is compared with.
#pragma once

#include <map>
#include <memory>

#include "evpipe/broker/log_store.h"

namespace evpipe::broker {

std::unique_ptr<LogStore> NewMemoryLogStore();

}  // namespace evpipe::broker
