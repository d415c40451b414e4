"""evpipe broker against Apache Kafka 4.1 (one KRaft node, tests/support/kafka_peer.py)
on the same machine with the same client: kcat -P acks=all, kcat -C -e, and the
produce-to-consume latency tool (build/release/broker_latency).

Durability differs and the rows say so: Kafka's default does not fsync per
request (log.flush.interval.* unset; it relies on replication), ours fsyncs
before every acks=all answer (group commit). Without the Kafka jars (`make
deps`) the rows are a one-line error, never a silent skip."""
import atexit
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "support"))
from brokers import start_evpipe_broker  # noqa: E402
from inputs import gen_ndjson  # noqa: E402
from run import Case  # noqa: E402

KAFKA_NAME = "Apache Kafka 4.1 (no per-request fsync)"
LATENCY_NAME = "vs Kafka: produce-to-consume latency"  # run.py's --only matches this
OURS_NOTE = "ours: fsync before every acks=all answer; Kafka: default flush (page cache)"
_kafka = []
_bootstraps = {}


def _stop_kafka():
    for k in _kafka:
        k.stop()


def _start(ctx):
    if _bootstraps:
        return _bootstraps
    import kafka_peer
    ok, why = kafka_peer.available()
    if not ok:
        raise RuntimeError(why)
    atexit.register(_stop_kafka)
    node = kafka_peer.KafkaNode(os.path.join(ctx.work, "vs-kafka-kafka"))
    _kafka.append(node)
    node.start()
    _bootstraps["kafka"] = node.bootstrap
    _bootstraps["ours"] = start_evpipe_broker(ctx, "vs-kafka-evpipe")
    return _bootstraps


def _topic(ctx, bootstrap, name):
    subprocess.run([ctx.evpipe, "topic", "create", "-b", bootstrap, "-t", name, "-p", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, **ctx.env))


def cases(ctx):
    b = _start(ctx)
    orders = 1000 if ctx.quick else 20000
    data, size, records = gen_ndjson(ctx, "vs-kafka", orders, 7)
    for side in ("ours", "kafka"):
        _topic(ctx, b[side], "vs-produce")
        _topic(ctx, b[side], "vs-fetch")
    produce = "kcat -b {b} -t {t} -P -X acks=all -X linger.ms=5 -X batch.num.messages=10000 -l " + data
    for side in ("ours", "kafka"):  # the fetch topics hold the data once
        subprocess.run(["bash", "-c", produce.format(b=b[side], t="vs-fetch")], check=True)
    fetch = "kcat -b {b} -t vs-fetch -C -e -q -o beginning > /dev/null"
    return [
        Case(name="vs Kafka: produce (kcat -P, acks=all)", unit="records/s", items=records, bytes=size,
             ours=produce.format(b=b["ours"], t="vs-produce"), baseline=produce.format(b=b["kafka"], t="vs-produce"),
             baseline_name=KAFKA_NAME, target_ratio=1.0, note=OURS_NOTE),
        Case(name="vs Kafka: fetch (kcat -C -e)", unit="records/s", items=records, bytes=size,
             ours=fetch.format(b=b["ours"]), baseline=fetch.format(b=b["kafka"]),
             baseline_name=KAFKA_NAME, target_ratio=1.0),
    ]


_LAT = re.compile(r"(\d+) of (\d+) consumed; latency ms p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)")


# (records/s, seconds, value bytes, p99 target ms): the load (issue 14
# item 5: 100k records/s of ~650-byte events, fsync, p99 under 10 ms), and the
# lighter one of earlier sessions.
LATENCY_LOADS = [(100000, 5, 650, 10.0), (20000, 5, 108, None)]


def latency_rows(ctx, deadline):
    """Produce-to-consume latency (librdkafka, acks=all, idempotent, linger 1 ms) at a fixed
    rate, alternating the two brokers, median p50/p99 of the runs. Rows for run.py's table."""
    b = _start(ctx)
    exe = os.path.join(ctx.build_dir, "broker_latency")
    rows = []
    for rate, seconds, value_bytes, target in LATENCY_LOADS:
        if ctx.quick:
            rate, seconds = rate // 10, 2
        got = {"ours": [], "kafka": []}
        for i in range(max(1, min(ctx.runs, 3))):
            for side in ("ours", "kafka"):
                if time.time() > deadline:
                    break
                # Each run starts with no dirty page cache: Kafka does not fsync,
                # so what its runs and the set-up wrote (hundreds of MB) would
                # otherwise be written back during a later run (dirty_expire 30 s)
                # and queue our fsyncs behind it (docs/readme/broker.md, "Latency").
                os.sync()
                p = subprocess.run([exe, b[side], str(rate), str(seconds), f"latency-{rate}-{i}", str(value_bytes)],
                                   capture_output=True, text=True, timeout=max(5.0, deadline - time.time()))
                m = _LAT.search(p.stdout)
                if p.returncode != 0 or not m:
                    raise RuntimeError(f"broker_latency on {side}: {p.stdout.strip()} {p.stderr.strip()[-300:]}")
                got[side].append((int(m.group(1)), int(m.group(2)), float(m.group(3)), float(m.group(4)),
                                  float(m.group(5))))
        if got["ours"] and got["kafka"]:
            med = {s: (statistics.median(r[2] for r in v), statistics.median(r[3] for r in v), max(r[4] for r in v),
                       all(r[0] >= r[1] for r in v)) for s, v in got.items()}
            rows.append({"name": f"{LATENCY_NAME}, {rate // 1000}k records/s of {value_bytes} B for {seconds} s, fsync",
                         "ours": med["ours"], "baseline": med["kafka"], "baseline_name": KAFKA_NAME,
                         "runs": len(got["ours"]), "note": OURS_NOTE, "target_p99_ms": target})
    return rows
