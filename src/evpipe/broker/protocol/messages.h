// Request and response structs for every API the broker supports (one header
// per API family: messages_cluster.h, messages_data.h, messages_groups.h,
// messages_admin.h, generated at build time from spec/<family>.json by
// gen_messages.py; this header includes them all), each with version-aware
// Decode and Encode (requests have Encode so that tests and tools can build
// them, responses have Decode for the same reason). Field names follow the
// message definitions of the Kafka protocol; see docs/formats/kafka_protocol.md
// and docs/decisions/protocol-message-specs.md. Decode and Encode are defined
// for the supported versions (api.h); the dispatcher refuses others first.
//
// Decode reads from a Reader over the request body (after the header); the
// string_views inside a decoded request point into that body, so the body
// must outlive the struct. Decode returns false on malformed input.
#pragma once

#include "evpipe/broker/protocol/messages_admin.h"      // IWYU pragma: export
#include "evpipe/broker/protocol/messages_cluster.h"    // IWYU pragma: export
#include "evpipe/broker/protocol/messages_data.h"       // IWYU pragma: export
#include "evpipe/broker/protocol/messages_groups.h"     // IWYU pragma: export
