#!/usr/bin/env bash
# Finding 13 of the security audit: every port docker/compose.yml publishes
# is bound to 127.0.0.1 (Docker binds a bare "9092:9092" on all interfaces).
set -euo pipefail
compose="$1"
bad=$(awk '/^ *ports:/ {p=1; next} p && /^ *- / {print; next} p && !/^ *#/ {p=0}' "$compose" |
  grep -v '"127\.0\.0\.1:' || true)
if [[ -n "$bad" ]]; then
  echo "compose_ports_test: published on every interface (use \"127.0.0.1:HOST:CONTAINER\"):" >&2
  echo "$bad" >&2
  exit 1
fi
n=$(grep -c '"127\.0\.0\.1:[0-9]*:[0-9]*"' "$compose" || true)
[[ "$n" -ge 2 ]] || { echo "compose_ports_test: expected the Kafka and admin ports in $compose" >&2; exit 1; }
echo "compose_ports_test: $n ports, all on 127.0.0.1"
