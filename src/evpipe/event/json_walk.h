// Internal to evpipe_event: a full validating walk over a simdjson On Demand value.
#pragma once

#include <simdjson.h>

#include "evpipe/event/event.h"

namespace evpipe::event {

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// True when `token` (trailing whitespace allowed) is a JSON number by the grammar.
bool IsJsonNumber(std::string_view token);

// Consumes `value` completely, checking every token (On Demand alone only
// checks what is read). False on a syntax error or nesting deeper than kMaxDepth.
bool WalkJson(simdjson::ondemand::value value, int depth);

}  // namespace evpipe::event
