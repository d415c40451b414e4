#!/usr/bin/env bash
# Security audit finding 14: CreateTopics configs were decoded and dropped
# (`-c cleanup.policy=compact -c retention.ms=1000` succeeded, describe showed
# the defaults). Now they are honoured, reported per topic by DescribeConfigs,
# or refused with INVALID_CONFIG, through `evpipe topic` (librdkafka's admin API).
set -euo pipefail
root="${EVPIPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}"
if [[ -z "${KAFKA_BOOTSTRAP:-}" || -z "${EVPIPE_BROKER_TEST_INNER:-}" ]]; then
  EVPIPE_BROKER_TEST_INNER=1 exec "$root/tests/support/with_broker.sh" bash "$0"
fi
bin="${EVPIPE_BIN:-$root/build/release/evpipe}"
fail() { echo "FAIL: $*" >&2; exit 1; }

timeout 30 "$bin" topic create -t okt3 -p 1 -c retention.ms=1000 -c segment.bytes=4096 >/dev/null
desc="$(timeout 30 "$bin" topic describe -t okt3)"
grep -Eq 'retention\.ms[^0-9-]+1000' <<<"$desc" || fail "retention.ms not 1000: $desc"
grep -Eq 'segment\.bytes[^0-9-]+4096' <<<"$desc" || fail "segment.bytes not 4096: $desc"

for bad in cleanup.policy=compact segment.bytes=1 retention.ms=abc no.such.config=1; do
  if out="$(timeout 30 "$bin" topic create -t "bad-${bad%%=*}" -p 1 -c "$bad" 2>&1)"; then
    fail "topic create -c $bad succeeded: $out"
  fi
  grep -qi 'config' <<<"$out" || fail "-c $bad: no config error in: $out"
done
if timeout 30 "$bin" topic list | grep -q '^bad-'; then fail "a refused topic was created"; fi
echo "ok: configs honoured and refused"
