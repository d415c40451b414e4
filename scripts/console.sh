#!/usr/bin/env bash
# make console: `evpipe console` on KAFKA_BOOTSTRAP and the data dirs. Right
# after `make demo` (nothing for TOPIC under RAW_DIR or PARQUET_DIR, but
# DEMO_DIR holds a run) it shows the demo's data instead, and when no broker
# answers at KAFKA_BOOTSTRAP it restarts the demo's broker (its data dir, free
# ports) for as long as the console runs. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

EVPIPE=${EVPIPE:-build/release/evpipe}
KAFKA_BOOTSTRAP=${KAFKA_BOOTSTRAP:-localhost:9092}
TOPIC=${TOPIC:-events}
RAW_DIR=${RAW_DIR:-./data/raw}
PARQUET_DIR=${PARQUET_DIR:-./data/parquet}
QUARANTINE_DIR=${QUARANTINE_DIR:-./data/quarantine}
BROKER_DATA_DIR=${BROKER_DATA_DIR:-./data/broker}
CONSOLE_PORT=${CONSOLE_PORT:-8080}
DEMO_DIR=${DEMO_DIR:-./data/demo}

broker_pid=""
cleanup() {
  if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    echo "console: the demo's broker stopped"
  fi
}
trap cleanup EXIT

if [[ ! -e "$RAW_DIR/$TOPIC" && ! -e "$PARQUET_DIR/$TOPIC" && -d "$DEMO_DIR/raw/$TOPIC" ]]; then
  echo "console: nothing for $TOPIC in $RAW_DIR or $PARQUET_DIR; showing the last \`make demo\` ($DEMO_DIR)"
  RAW_DIR=$DEMO_DIR/raw PARQUET_DIR=$DEMO_DIR/parquet QUARANTINE_DIR=$DEMO_DIR/quarantine
  BROKER_DATA_DIR=$DEMO_DIR/broker
  if ! "$EVPIPE" topic list --bootstrap "$KAFKA_BOOTSTRAP" --connect-timeout 1 >/dev/null 2>&1 &&
     [[ -d "$DEMO_DIR/broker" ]]; then
    ready="$DEMO_DIR/console-broker.ready"
    rm -f "$ready"
    "$EVPIPE" broker --data-dir "$DEMO_DIR/broker" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
      --no-auto-create-topics --ready-file "$ready" >"$DEMO_DIR/console-broker.log" 2>&1 &
    broker_pid=$!
    for _ in $(seq 1 100); do
      [[ -s "$ready" ]] && break
      kill -0 "$broker_pid" 2>/dev/null || { echo "console: the demo's broker did not start; see $DEMO_DIR/console-broker.log" >&2; exit 1; }
      sleep 0.1
    done
    [[ -s "$ready" ]] || { echo "console: the demo's broker is not ready after 10 s; see $DEMO_DIR/console-broker.log" >&2; exit 1; }
    KAFKA_BOOTSTRAP=$(sed -E 's/.*"kafka":"([^"]+)".*/\1/' "$ready")
    echo "console: no broker at the configured address; restarted the demo's broker at $KAFKA_BOOTSTRAP (stops with the console)"
  fi
fi

"$EVPIPE" console --bootstrap "$KAFKA_BOOTSTRAP" --topic "$TOPIC" --port "$CONSOLE_PORT" \
  --raw-dir "$RAW_DIR" --parquet-dir "$PARQUET_DIR" --quarantine-dir "$QUARANTINE_DIR" \
  --broker-data-dir "$BROKER_DATA_DIR" ${CONSOLE_ARGS:-}
