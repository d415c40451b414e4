#!/usr/bin/env bash
# make soak: the sink-raw kill test with 200 SIGKILLs (SINK_KILLS overrides;
# EVPIPE_TEST_SEED repeats a run), then the broker soak beside it
# (scripts/broker_soak.sh, BROKER_KILLS). Needs a built tree (make build).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build/release}"
export EVPIPE_BIN="${EVPIPE_BIN:-$BUILD_DIR/evpipe}"
export EVPIPE_SOURCE_DIR="$ROOT" EVPIPE_BUILD_DIR="$BUILD_DIR"
export SINK_KILLS="${SINK_KILLS:-200}"
cd "$ROOT"
/usr/bin/python3 "$ROOT/tests/integration/sink/kill_test.py"
exec "$ROOT/scripts/broker_soak.sh"
