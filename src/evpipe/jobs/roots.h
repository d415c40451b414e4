// The checks a job makes before it touches a path: the topic is a valid Kafka
// topic name (so it is one safe path component), and the raw, Parquet and
// quarantine roots do not overlap (security audit finding 4: a Parquet dir equal
// to the raw dir, or a topic like ../x, made the job replace its own input).
#pragma once

#include "evpipe/core/status.h"
#include "evpipe/jobs/raw_to_parquet.h"

namespace evpipe::jobs {

// InvalidArgument, naming the topic or the two roots, when the job must not run.
// Roots are compared as canonical paths (symlinks resolved where they exist):
// equal roots, or one inside another, overlap.
Status CheckTopicAndRoots(const Options& options);

}  // namespace evpipe::jobs
