#!/usr/bin/env bash
# Three independent clients against `evpipe broker`: kcat (librdkafka),
# kafka-python and kafkajs each produce keyed records with headers to their
# own topic, each reads all three topics back, and the three dumps must be
# byte-identical and hold exactly what was produced. Each client also
# consumes its topic in a consumer group and commits.
set -euo pipefail
root="${EVPIPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
export EVPIPE_SOURCE_DIR="$root"
if [[ -z "${EVPIPE_BROKER_TEST_INNER:-}" ]]; then
  EVPIPE_BROKER_TEST_INNER=1 exec "$root/tests/support/with_broker.sh" bash "$0"
fi
here="$root/tests/clients"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
n=40
run="$$"
kt="xc-kcat-$run" pt="xc-python-$run" nt="xc-node-$run"

# kcat: key|value lines; headers are per invocation.
for i in $(seq 0 $((n - 1))); do printf 'k%s|kcat value %s \xe2\x9c\x93 "q" tab\there\n' "$i" "$i"; done |
  kcat -b "$KAFKA_BOOTSTRAP" -t "$kt" -P -K '|' -H client=kcat -H n=any -X acks=all -X enable.idempotence=true
"$py" "$here/kafka_python_client.py" produce "$pt" "$n"
node "$here/kafkajs_client.mjs" produce "$nt" "$n"

# kcat dump via its JSON envelope, canonicalised.
kcat -b "$KAFKA_BOOTSTRAP" -C -e -q -J -t "$kt" >"$tmp/kcat.json"
kcat -b "$KAFKA_BOOTSTRAP" -C -e -q -J -t "$pt" >>"$tmp/kcat.json"
kcat -b "$KAFKA_BOOTSTRAP" -C -e -q -J -t "$nt" >>"$tmp/kcat.json"
"$py" - "$tmp/kcat.json" "$tmp/dump.kcat" <<'PYEOF'
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = json.loads(line)
    h = m.get("headers") or []
    out.append(json.dumps({"topic": m["topic"], "partition": m["partition"], "offset": m["offset"],
                           "key": m["key"], "value": m["payload"],
                           "headers": [[h[i], h[i + 1]] for i in range(0, len(h), 2)]},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
open(sys.argv[2], "w", encoding="utf-8").write("".join(sorted(out)))
PYEOF
"$py" "$here/kafka_python_client.py" dump "$tmp/dump.python" "$kt" "$pt" "$nt"
node "$here/kafkajs_client.mjs" dump "$tmp/dump.node" "$kt" "$pt" "$nt"

for f in python node; do
  if ! cmp -s "$tmp/dump.kcat" "$tmp/dump.$f"; then
    echo "FAIL: kcat and $f read different records" >&2
    diff "$tmp/dump.kcat" "$tmp/dump.$f" | head -5 >&2
    exit 1
  fi
done
# The dump holds exactly what each client produced.
"$py" - "$tmp/dump.kcat" "$n" "$kt" "$pt" "$nt" <<'PYEOF'
import json, sys
path, n, kt, pt, nt = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
recs = [json.loads(l) for l in open(path, encoding="utf-8")]
want = set()
for i in range(n):
    want.add((kt, f"k{i}", f"kcat value {i} \u2713 \"q\" tab\there", (("client", "kcat"), ("n", "any"))))
    want.add((pt, f"k{i}", f"python value {i} \u2713 \"q\" tab\there", (("client", "python"), ("n", str(i)))))
    want.add((nt, f"k{i}", f"node value {i} \u2713 \"q\" tab\there", (("client", "node"), ("n", str(i)))))
got = [(r["topic"], r["key"], r["value"], tuple(tuple(h) for h in r["headers"])) for r in recs]
if len(got) != 3 * n or set(got) != want:
    print(f"FAIL: {len(got)} records; missing {sorted(want - set(got))[:3]} unexpected {sorted(set(got) - want)[:3]}")
    sys.exit(1)
PYEOF

# Groups: each client consumes one topic in a group and commits.
kcat -b "$KAFKA_BOOTSTRAP" -G "g-kcat-$run" -X auto.offset.reset=earliest -e -q -f '%o\n' "$kt" >"$tmp/g.kcat" || true
[[ "$(wc -l <"$tmp/g.kcat")" -eq "$n" ]] || { echo "FAIL: kcat group read $(wc -l <"$tmp/g.kcat")" >&2; exit 1; }
"$py" "$here/kafka_python_client.py" group "$pt" "g-python-$run" "$n"
node "$here/kafkajs_client.mjs" group "$nt" "g-node-$run" "$n"
# kcat's group committed too: kafka-python's admin sees it.
"$py" - "g-kcat-$run" "$n" <<'PYEOF'
import os, sys
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP"])
offs = a.list_consumer_group_offsets(sys.argv[1])
a.close()
total = sum(o.offset for o in offs.values())
if total != int(sys.argv[2]):
    sys.exit(f"FAIL: kcat group committed {total}")
PYEOF
echo "cross_client_test: ok ($((3 * n)) records, 3 clients, 3 groups)"
