#!/usr/bin/env bash
# make soak, broker half: tests/integration/broker/broker_soak.cc with 200
# SIGKILLs of the broker under an idempotent producer and a group consumer
# (BROKER_KILLS overrides; EVPIPE_SEED repeats a run). Needs a built tree.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build/release}"
export EVPIPE_BIN="${EVPIPE_BIN:-$BUILD_DIR/evpipe}"
export BROKER_KILLS="${BROKER_KILLS:-200}"
cmake --build "$BUILD_DIR" --target broker_soak >/dev/null
cd "$ROOT"
exec "$BUILD_DIR/broker_soak"
