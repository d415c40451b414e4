// Request and response structs for every API the broker supports (one header
// per API family: messages_cluster.h, messages_data.h, messages_groups.h,
// messages_admin.h; this header includes them all), with
// version-aware Decode (requests) and Encode (responses); requests also have
// Encode so that tests and tools can build them. Field names follow the
// message definitions of the Kafka protocol; see docs/formats/kafka_protocol.md.
//
// Decode reads from a Reader over the request body (after the header); the
// string_views inside a decoded request point into that body, so the body
// must outlive the struct. Decode returns false on malformed input.
#pragma once

#include "evpipe/broker/protocol/messages_admin.h"      // IWYU pragma: export
#include "evpipe/broker/protocol/messages_cluster.h"    // IWYU pragma: export
#include "evpipe/broker/protocol/messages_data.h"       // IWYU pragma: export
#include "evpipe/broker/protocol/messages_groups.h"     // IWYU pragma: export
