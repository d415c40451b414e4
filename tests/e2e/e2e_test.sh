#!/usr/bin/env bash
# The whole pipeline with a seeded simulator, checked from outside:
#  1. scripts/demo.sh with poison lines: the reconciliation must balance (exit 0);
#  2. without poison: the set of event_ids in Parquet (read by DuckDB) equals the
#     set the simulator made (`evpipe gen --out -`), every row's
#     sha256(payload) = checksum in DuckDB, and no raw file is partial or hidden.
#  EVPIPE_TEST_BROKER=kafka runs both on one Apache Kafka node (with_kafka.py)
#  instead of the demo's own embedded broker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [[ "${EVPIPE_TEST_BROKER:-embedded}" == kafka && -z "${DEMO_BOOTSTRAP:-}" ]]; then
  exec /usr/bin/python3 "$root/tests/support/with_kafka.py" env EVPIPE_TEST_BROKER=kafka-running bash "$0" "$@"
fi
[[ "${EVPIPE_TEST_BROKER:-}" == kafka-running ]] && export DEMO_BOOTSTRAP=$KAFKA_BOOTSTRAP
EVPIPE=${EVPIPE_BIN:-$root/build/release/evpipe}
work=$(mktemp -d /tmp/evpipe-e2e-XXXXXX)
trap 'rm -rf "$work"' EXIT
seed=${EVPIPE_TEST_SEED:-$((RANDOM % 1000 + 1))}
echo "e2e: seed $seed (EVPIPE_TEST_SEED=$seed repeats it)"
export EVPIPE_PROGRESS=0 EVPIPE=$EVPIPE

echo "e2e: demo flow with poison lines"
DEMO_DIR=$work/poison TOPIC=events-poison N_ORDERS=600 SEED=$seed POISON_RATE=0.01 "$root/scripts/demo.sh" >"$work/poison.log" 2>&1 || {
  cat "$work/poison.log"; echo "e2e: FAIL: the demo with poison did not balance" >&2; exit 1; }
grep -q "every date balances" "$work/poison.log"
quarantined=$(cat "$work"/poison/quarantine/events-poison/*/ingest_date=*/*.ndjson | wc -l)
[[ $quarantined -gt 0 ]] || { echo "e2e: FAIL: poison rate 0.01 quarantined nothing" >&2; exit 1; }
echo "e2e: balanced, $quarantined records quarantined"

echo "e2e: clean flow, checked with DuckDB"
DEMO_DIR=$work/clean N_ORDERS=1500 SEED=$seed POISON_RATE=0 "$root/scripts/demo.sh" >"$work/clean.log" 2>&1 || {
  cat "$work/clean.log"; echo "e2e: FAIL: the clean demo failed" >&2; exit 1; }
"$EVPIPE" gen --orders 1500 --seed "$seed" --poison-rate 0 --out - >"$work/made.ndjson" 2>/dev/null
node "$here/e2e_check.mjs" "$work/made.ndjson" "$work/clean/raw/events" "$work/clean/parquet/events"
echo "e2e: ok"
