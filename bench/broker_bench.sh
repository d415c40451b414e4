#!/usr/bin/env bash
# Produce and fetch throughput with kcat: `evpipe broker` (acks=all, fsync
# before ack) against librdkafka's in-memory mock cluster, same data, same run.
# Data fits the mock's window (5 MiB per partition): RECORDS x ~200 B over 3
# partitions. Prints one line per measurement; medians of RUNS runs.
#   bench/broker_bench.sh [RECORDS=50000] [RUNS=3]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${EVPIPE_BUILD_DIR:-$root/build/release}"
evpipe="${EVPIPE_BIN:-$build/evpipe}"
mock="$build/broker_mock_cluster"
records="${1:-50000}"
runs="${2:-3}"
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

/usr/bin/python3 - "$records" "$tmp/data" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
with open(out, "w") as f:
    for i in range(n):
        f.write('{"event_id":"%032x","event_type":"order_created","order_id":"o-%d","pad":"%s"}\n'
                % (rng.getrandbits(128), i, "x" * 100))
PY
bytes=$(stat -c %s "$tmp/data")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

run_case() {  # name bootstrap pid
  local name=$1 b=$2 pid=$3 t0 t1 prod=() fetch=()
  for r in $(seq "$runs"); do
    local topic="bench-$r"
    t0=$(now)
    kcat -b "$b" -t "$topic" -P -X acks=all -X linger.ms=5 -X batch.num.messages=10000 -l "$tmp/data"
    t1=$(now)
    prod+=("$(echo "$t1 - $t0" | bc)")
    t0=$(now)
    kcat -b "$b" -t "$topic" -C -e -q -o beginning -X fetch.message.max.bytes=1048576 >/dev/null
    t1=$(now)
    fetch+=("$(echo "$t1 - $t0" | bc)")
  done
  local p f
  p=$(printf '%s\n' "${prod[@]}" | median)
  f=$(printf '%s\n' "${fetch[@]}" | median)
  local rss
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  printf '%-8s produce %.3f s  %.1f MB/s  %.0f records/s | fetch %.3f s  %.1f MB/s  %.0f records/s | peak RSS %d MiB\n' \
    "$name" "$p" "$(echo "$bytes / $p / 1000000" | bc -l)" "$(echo "$records / $p" | bc -l)" \
    "$f" "$(echo "$bytes / $f / 1000000" | bc -l)" "$(echo "$records / $f" | bc -l)" $((rss / 1024))
}

# Ours.
"$evpipe" broker --data-dir "$tmp/broker" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --ready-file "$tmp/ready.json" --default-partitions 3 2>"$tmp/broker.log" &
pids+=($!)
ours_pid=$!
for _ in $(seq 300); do [[ -s "$tmp/ready.json" ]] && break; sleep 0.1; done
ours_b=$(sed -E 's/.*"kafka":"([^"]+)".*/\1/' "$tmp/ready.json")
ours_admin=$(sed -E 's/.*"admin":"([^"]+)".*/\1/' "$tmp/ready.json")
echo "data: $records records, $bytes bytes; runs: $runs (a new topic each run, so the mock's window always holds the data)"
run_case evpipe "$ours_b" "$ours_pid"
echo "evpipe   fsyncs: $(curl -fsS "http://$ours_admin/metrics" | awk '/^evpipe_broker_fsync_total/ {print $2}')," \
  "fsync seconds: $(curl -fsS "http://$ours_admin/metrics" | awk '/^evpipe_broker_fsync_seconds_sum/ {print $2}')"

# The mock cluster.
"$mock" bench 3 >"$tmp/mock.out" 2>"$tmp/mock.log" &
pids+=($!)
mock_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/mock.out" ]] && break; sleep 0.1; done
run_case mock "$(head -1 "$tmp/mock.out")" "$mock_pid"
