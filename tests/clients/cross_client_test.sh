#!/usr/bin/env bash
# The client x broker matrix, one broker per run: five independent clients,
# kcat (librdkafka), kafka-python, kafkajs, the Java reference client
# (kafka-clients) and franz-go, each produce keyed records with headers
# (idempotent, acks=all) to their own topic; each reads all five topics back,
# and every dump must be byte-identical to kcat's and hold exactly what was
# produced; each consumes its topic in a consumer group and commits (Java and
# franz-go also describe the group with their admin clients).
#
#   cross_client_test.sh [embedded|kafka]   (default: $EVPIPE_TEST_BROKER, else embedded)
#
# embedded = `evpipe broker` (tests/support/with_broker.sh); kafka = Apache
# Kafka, one JVM (tests/support/kafka_peer.py). Each cell (client, broker) is
# reported on its own line; the run fails when any cell fails. Without the
# Kafka jars (`make deps`) the Java cells and the kafka run fail, unless
# EVPIPE_ALLOW_NO_KAFKA=1 (then they are skipped, and say so).
set -euo pipefail
root="${EVPIPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
export EVPIPE_SOURCE_DIR="$root"
broker="${1:-${EVPIPE_TEST_BROKER:-embedded}}"
py=/usr/bin/python3
here="$root/tests/clients"
build="${EVPIPE_BUILD_DIR:-$root/build/release}"
kafka_lib="$("$py" -c "import sys; sys.path.insert(0, '$root/tests/support'); import kafka_peer; print(kafka_peer.jars_dir())" 2>/dev/null ||
  echo "$root/.evpipe/peers/kafka/lib")"

if [[ -z "${EVPIPE_BROKER_TEST_INNER:-}" ]]; then
  export EVPIPE_BROKER_TEST_INNER=1
  case "$broker" in
    embedded) exec "$root/tests/support/with_broker.sh" bash "$0" "$broker" ;;
    kafka)
      if ! compgen -G "$kafka_lib/kafka_2.13-*.jar" >/dev/null; then
        if [[ "${EVPIPE_ALLOW_NO_KAFKA:-}" == 1 ]]; then
          echo "cross_client_test: SKIPPED on Apache Kafka: no jars in $kafka_lib (EVPIPE_ALLOW_NO_KAFKA=1)"
          exit 0
        fi
        echo "FAIL: cross_client_test on Apache Kafka: no jars in $kafka_lib; run \`make deps\`" >&2
        exit 1
      fi
      exec "$py" "$root/tests/support/with_kafka.py" bash "$0" "$broker" ;;
    *) echo "cross_client_test: unknown broker '$broker' (embedded or kafka)" >&2; exit 2 ;;
  esac
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
n=40
run="$$"
clients=(kcat python node java franz)
declare -A topic failed
for c in "${clients[@]}"; do topic[$c]="xc-$c-$run"; done
all_topics=("${topic[@]}")
cell_fail() { # client message
  echo "FAIL: $1 x $broker: $2" >&2
  failed[$1]=1
}

# ---- the Java and Go programs (local jars and modules only) -------------------
java_cp=""
if compgen -G "$kafka_lib/kafka-clients-*.jar" >/dev/null; then
  for j in "$kafka_lib"/{kafka-clients,slf4j-api,lz4-java,snappy-java,zstd-jni}-*.jar; do java_cp+="$j:"; done
  if ! javac -d "$tmp/java" -cp "$java_cp" "$here/JavaClient.java" 2>"$tmp/javac.log"; then
    cat "$tmp/javac.log" >&2
    cell_fail java "JavaClient.java does not compile"
  fi
  java_cp+="$tmp/java"
elif [[ "${EVPIPE_ALLOW_NO_KAFKA:-}" == 1 ]]; then
  echo "cross_client_test: SKIPPED java x $broker: no kafka-clients jar in $kafka_lib (EVPIPE_ALLOW_NO_KAFKA=1)"
  failed[java]=skip
else
  cell_fail java "no kafka-clients jar in $kafka_lib; run \`make deps\`"
fi
franz="$build/franzgo_client"
if ! (cd "$here/franzgo" && GOFLAGS="-mod=mod -buildvcs=false" GOPROXY=off go build -o "$franz" . 2>"$tmp/go.log"); then
  cat "$tmp/go.log" >&2
  cell_fail franz "franz-go client does not build offline (\`make deps\` downloads its modules)"
fi

client() { # client command args...
  local c="$1"
  shift
  case "$c" in
    python) "$py" "$here/kafka_python_client.py" "$@" ;;
    node) node "$here/kafkajs_client.mjs" "$@" ;;
    java) java -Xmx256m -XX:TieredStopAtLevel=1 -Dslf4j.internal.verbosity=ERROR -cp "$java_cp" JavaClient "$@" 2> >(grep -v '^SLF4J' >&2) ;;
    franz) "$franz" "$@" ;;
  esac
}

# ---- produce ---------------------------------------------------------------------
for c in "${clients[@]}"; do
  [[ -z "${failed[$c]:-}" ]] || continue
  if [[ "$c" == kcat ]]; then
    for i in $(seq 0 $((n - 1))); do printf 'k%s|kcat value %s \xe2\x9c\x93 "q" tab\there\n' "$i" "$i"; done |
      kcat -b "$KAFKA_BOOTSTRAP" -t "${topic[kcat]}" -P -K '|' -H client=kcat -H n=any \
        -X acks=all -X enable.idempotence=true || cell_fail kcat "produce failed"
  else
    client "$c" produce "${topic[$c]}" "$n" || cell_fail "$c" "produce failed"
  fi
done

# ---- dump: kcat's JSON envelope, canonicalised, is the reference ----------------------
: >"$tmp/kcat.json"
for t in "${all_topics[@]}"; do
  kcat -b "$KAFKA_BOOTSTRAP" -C -e -q -J -t "$t" >>"$tmp/kcat.json" 2>/dev/null || true
done
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
# The reference holds exactly what each client that produced wrote.
ok_producers=()
for c in "${clients[@]}"; do [[ -n "${failed[$c]:-}" ]] || ok_producers+=("$c:${topic[$c]}"); done
if ! "$py" - "$tmp/dump.kcat" "$n" "${ok_producers[@]}" >"$tmp/content.txt" <<'PYEOF'; then
import json, sys
path, n, pairs = sys.argv[1], int(sys.argv[2]), [p.split(":", 1) for p in sys.argv[3:]]
label = {"kcat": "kcat", "python": "python", "node": "node", "java": "java", "franz": "franz"}
recs = [json.loads(l) for l in open(path, encoding="utf-8")]
bad = False
for client, topic in pairs:
    want = set()
    for i in range(n):
        hn = "any" if client == "kcat" else str(i)
        want.add((f"k{i}", f"{label[client]} value {i} \u2713 \"q\" tab\there", (("client", label[client]), ("n", hn))))
    got = [(r["key"], r["value"], tuple(tuple(h) for h in r["headers"])) for r in recs if r["topic"] == topic]
    if len(got) != n or set(got) != want:
        print(f"{client} {len(got)} records; missing {sorted(want - set(got))[:2]} unexpected {sorted(set(got) - want)[:2]}")
        bad = True
sys.exit(1 if bad else 0)
PYEOF
  while read -r c rest; do cell_fail "$c" "kcat reads back $rest"; done <"$tmp/content.txt"
fi
for c in python node java franz; do
  [[ "${failed[$c]:-}" != skip ]] || continue
  if ! client "$c" dump "$tmp/dump.$c" "${all_topics[@]}"; then
    cell_fail "$c" "dump failed"
  elif ! cmp -s "$tmp/dump.kcat" "$tmp/dump.$c"; then
    cell_fail "$c" "reads different records than kcat: $(diff "$tmp/dump.kcat" "$tmp/dump.$c" | head -3 | tr '\n' ' ')"
  fi
done

# ---- groups: each consumes its topic in a group and commits -------------------------
for c in "${clients[@]}"; do
  [[ "${failed[$c]:-}" != skip ]] || continue
  g="g-$c-$run"
  if [[ "$c" == kcat ]]; then
    timeout 60 kcat -b "$KAFKA_BOOTSTRAP" -G "$g" -X auto.offset.reset=earliest -e -q -f '%o\n' "${topic[kcat]}" \
      >"$tmp/g.kcat" 2>/dev/null || true
    [[ "$(wc -l <"$tmp/g.kcat")" -eq "$n" ]] || { cell_fail kcat "group read $(wc -l <"$tmp/g.kcat") records"; continue; }
    # kcat's group committed: kafka-python's admin sees it (kcat commits on exit).
    "$py" - "$g" "$n" <<'PYEOF' || cell_fail kcat "group commit not visible"
import os, sys
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP"])
offs = a.list_consumer_group_offsets(sys.argv[1])
a.close()
total = sum(o.offset for o in offs.values())
if total != int(sys.argv[2]):
    sys.exit(f"kcat group committed {total}")
PYEOF
  else
    client "$c" group "${topic[$c]}" "$g" "$n" || cell_fail "$c" "group consume/commit/describe failed"
  fi
done

passed=0 nfailed=0 skipped=0
for c in "${clients[@]}"; do
  case "${failed[$c]:-}" in
    "") echo "cell $c x $broker: ok"; passed=$((passed + 1)) ;;
    skip) echo "cell $c x $broker: skipped"; skipped=$((skipped + 1)) ;;
    *) echo "cell $c x $broker: FAILED"; nfailed=$((nfailed + 1)) ;;
  esac
done
echo "cross_client_test ($broker): $passed passed, $nfailed failed, $skipped skipped"
[[ $nfailed -eq 0 ]]
