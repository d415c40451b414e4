#!/usr/bin/env bash
# with_broker.sh CMD...: starts `evpipe broker` on free ports with a temporary
# data dir, exports KAFKA_BOOTSTRAP and EVPIPE_ADMIN (host:port), runs CMD,
# stops the broker (SIGTERM) and exits with CMD's exit code.
# EVPIPE_BIN names the evpipe binary (default: build/release/evpipe).
# Extra broker flags: EVPIPE_BROKER_ARGS="--default-partitions 1".
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${EVPIPE_BIN:-$here/build/release/evpipe}"
if [[ $# -eq 0 ]]; then
  echo "usage: with_broker.sh CMD [ARGS...]" >&2
  exit 2
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/evpipe-with-broker-XXXXXX")"
# shellcheck disable=SC2086
"$bin" broker --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --ready-file "$tmp/ready.json" ${EVPIPE_BROKER_ARGS:-} 2>"$tmp/broker.log" &
pid=$!
cleanup() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  [[ -n "${EVPIPE_KEEP_TMP:-}" ]] || rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 300); do
  [[ -s "$tmp/ready.json" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with_broker.sh: broker exited before it was ready:" >&2
    cat "$tmp/broker.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ ! -s "$tmp/ready.json" ]]; then
  echo "with_broker.sh: broker not ready after 30 s:" >&2
  cat "$tmp/broker.log" >&2
  exit 1
fi
ready="$(cat "$tmp/ready.json")"
KAFKA_BOOTSTRAP="$(sed -E 's/.*"kafka":"([^"]+)".*/\1/' <<<"$ready")"
EVPIPE_ADMIN="$(sed -E 's/.*"admin":"([^"]+)".*/\1/' <<<"$ready")"
export KAFKA_BOOTSTRAP EVPIPE_ADMIN
"$@"
rc=$?
exit $rc
