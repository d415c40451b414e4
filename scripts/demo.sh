#!/usr/bin/env bash
# make demo: the whole flow end to end on the embedded broker, then a
# reconciliation report. Uses its own broker on free ports and its own data
# under DEMO_DIR (wiped at start), so it never clashes with `make up` and
# running it twice gives the same report.
set -euo pipefail
cd "$(dirname "$0")/.."

EVPIPE=${EVPIPE:-build/release/evpipe}
DEMO_DIR=${DEMO_DIR:-./data/demo}
TOPIC=${TOPIC:-events}
N_ORDERS=${N_ORDERS:-5000}
SEED=${SEED:-42}
PARTITIONS=${PARTITIONS:-3}
POISON_RATE=${POISON_RATE:-0.002}
export EVPIPE_PROGRESS=${EVPIPE_PROGRESS:-1}

step() { printf '\n== %s\n' "$*"; }
started_ms=$(date +%s%3N)

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
broker_pid=""
cleanup() {
  if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    echo "demo: broker stopped"
  fi
}
trap cleanup EXIT

if [[ -n "${DEMO_BOOTSTRAP:-}" ]]; then
  # A broker that runs already (the e2e test's Apache Kafka): use it, start none.
  BOOTSTRAP=$DEMO_BOOTSTRAP
  step "use the broker at $BOOTSTRAP (DEMO_BOOTSTRAP)"
else
step "start evpipe broker (data in $DEMO_DIR/broker, log in $DEMO_DIR/broker.log)"
"$EVPIPE" broker --data-dir "$DEMO_DIR/broker" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --ready-file "$DEMO_DIR/broker.ready" >"$DEMO_DIR/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$DEMO_DIR/broker.ready" ]] && break
  kill -0 "$broker_pid" 2>/dev/null || { echo "demo: broker failed to start; see $DEMO_DIR/broker.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$DEMO_DIR/broker.ready" ]] || { echo "demo: broker not ready after 10 s; see $DEMO_DIR/broker.log" >&2; exit 1; }
BOOTSTRAP=$(sed -E 's/.*"kafka":"([^"]+)".*/\1/' "$DEMO_DIR/broker.ready")
echo "broker at $BOOTSTRAP"
fi

step "create topic $TOPIC ($PARTITIONS partitions)"
"$EVPIPE" topic create --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --partitions "$PARTITIONS" --replication 1

step "produce $N_ORDERS orders (seed $SEED, poison rate $POISON_RATE)"
"$EVPIPE" produce --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --orders "$N_ORDERS" --seed "$SEED" \
  --poison-rate "$POISON_RATE" --raw-dir "$DEMO_DIR/raw"

step "sink-raw until caught up"
"$EVPIPE" sink-raw --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --group demo-sink --exit-at-end \
  --raw-dir "$DEMO_DIR/raw" --quarantine-dir "$DEMO_DIR/quarantine"

step "raw-to-parquet, every date"
"$EVPIPE" raw-to-parquet --all --topic "$TOPIC" --raw-dir "$DEMO_DIR/raw" \
  --parquet-dir "$DEMO_DIR/parquet" --quarantine-dir "$DEMO_DIR/quarantine"

step "reconcile"

"$EVPIPE" reconcile --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --orders "$N_ORDERS" --seed "$SEED" \
  --poison-rate "$POISON_RATE" --raw-dir "$DEMO_DIR/raw" --parquet-dir "$DEMO_DIR/parquet" \
  --quarantine-dir "$DEMO_DIR/quarantine" --started-ms "$started_ms"

step "the Iceberg table"
table_dir=$(cd "$DEMO_DIR/parquet/$TOPIC" && pwd)
newest=$(ls "$table_dir"/metadata/v*.metadata.json | sed -E 's/.*\/v([0-9]+)\.metadata\.json/\1 &/' | sort -n | tail -1 | cut -d' ' -f2)
echo "Iceberg v2 table at $table_dir (newest metadata: $newest)"
echo "query it with pyiceberg (make venv first):"
echo "  .venv/bin/python scripts/iceberg_query.py $table_dir"
echo "or in Spark: spark.read.format(\"iceberg\").load(\"$table_dir\")"
if [[ -x .venv/bin/python ]]; then
  .venv/bin/python scripts/iceberg_query.py "$table_dir" | tail -3
fi

step "query the Parquet with DuckDB"
echo "make query PARQUET_DIR=$DEMO_DIR/parquet TOPIC=$TOPIC SQL='SELECT event_type, count(*) FROM $TOPIC GROUP BY 1'"
if [[ -d tests/node/node_modules/@duckdb/node-api ]]; then
  node scripts/query.mjs "$DEMO_DIR/parquet" "$TOPIC" "SELECT event_type, count(*) AS n FROM $TOPIC GROUP BY 1 ORDER BY 2 DESC" 2>/dev/null || true
fi
