#!/usr/bin/env bash
# kcat against `evpipe broker`: produce keyed records with headers (acks=all,
# idempotent), read them back byte for byte, consume in a group with commits,
# and check the group resumes from its committed offsets.
set -euo pipefail
root="${EVPIPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}"
if [[ -z "${KAFKA_BOOTSTRAP:-}" || -z "${EVPIPE_BROKER_TEST_INNER:-}" ]]; then
  EVPIPE_BROKER_TEST_INNER=1 exec "$root/tests/support/with_broker.sh" bash "$0"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
b="$KAFKA_BOOTSTRAP"
topic="kcat-$$"

# 300 records with keys and two headers each, one per line: key|value.
for i in $(seq 1 300); do echo "key-$((i % 17))|value $i with spaces and é"; done >"$tmp/in"
kcat -b "$b" -t "$topic" -P -K '|' -H source=kcat -H "idx=x" \
  -X enable.idempotence=true -X acks=all -X linger.ms=5 <"$tmp/in"

# Read everything back: same multiset of key|value and headers on every record.
kcat -b "$b" -t "$topic" -C -e -q -f '%k|%s\n' | sort >"$tmp/out"
sort "$tmp/in" >"$tmp/in.sorted"
if ! cmp -s "$tmp/in.sorted" "$tmp/out"; then
  echo "FAIL: records read back differ" >&2
  diff "$tmp/in.sorted" "$tmp/out" | head >&2
  exit 1
fi
headers="$(kcat -b "$b" -t "$topic" -C -e -q -f '%h\n' | sort -u)"
if [[ "$headers" != "source=kcat,idx=x" ]]; then
  echo "FAIL: headers read back: '$headers'" >&2
  exit 1
fi
# Per partition, offsets are contiguous from 0.
kcat -b "$b" -t "$topic" -C -e -q -f '%p %o\n' | sort -k1,1n -k2,2n | awk '
  { if (!($1 in next_off)) next_off[$1] = 0; if ($2 != next_off[$1]) { print "FAIL: partition " $1 " offset " $2 " expected " next_off[$1]; bad = 1 } next_off[$1] = $2 + 1 }
  END { exit bad }'

# A group consumer reads all 300 and commits; a second run of the group reads nothing new.
kcat -b "$b" -G "grp-$$" -X auto.offset.reset=earliest \
  -e -q -f '%s\n' "$topic" >"$tmp/group1" || true
n1=$(wc -l <"$tmp/group1")
if [[ "$n1" -ne 300 ]]; then
  echo "FAIL: group consumer read $n1 records, want 300" >&2
  exit 1
fi
echo "new after commit" | kcat -b "$b" -t "$topic" -P -X acks=all
kcat -b "$b" -G "grp-$$" -X auto.offset.reset=earliest -e -q -f '%s\n' "$topic" >"$tmp/group2" || true
if [[ "$(cat "$tmp/group2")" != "new after commit" ]]; then
  echo "FAIL: second group run read: $(head -3 "$tmp/group2")" >&2
  exit 1
fi
# Metrics and readiness from the admin endpoint.
curl -fsS "http://$EVPIPE_ADMIN/v1/status/ready" >/dev/null
# Read the whole page first: `curl | grep -q` fails under pipefail when grep
# exits at its match while curl still writes (curl: (23) Failed writing body).
metrics=$(curl -fsS "http://$EVPIPE_ADMIN/metrics")
grep -q '^evpipe_broker_records_in_total 301$' <<<"$metrics" || {
  echo "FAIL: metrics do not count 301 records in" >&2
  curl -fsS "http://$EVPIPE_ADMIN/metrics" | grep records_in >&2
  exit 1
}
echo "broker_kcat_test: ok"
