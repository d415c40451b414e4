// Crash injection for the kill tests: KillPoint("name") counts the steps of a
// commit; when EVPIPE_KILL_AT=N is set, the N-th step (1-based) SIGKILLs the
// process right there, as a power cut or kill -9 would. EVPIPE_KILL_AT=list
// prints each step's number, name and time since the first step on stderr
// instead (how long the commit takes). Unset: a no-op.
#pragma once

#include <string_view>

namespace evpipe::iceberg {

void KillPoint(std::string_view where);

}  // namespace evpipe::iceberg
