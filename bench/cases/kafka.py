"""Kafka tools side by side with kcat on the same `evpipe broker`, same run:
produce from a file, produce straight from the simulator, consume to a file."""
import glob
import json
import os
import random
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from brokers import start_evpipe_broker  # noqa: E402
from run import Case  # noqa: E402

_broker = {}


def _events_file(path, n, seed=42):
    """n order events of about 645 bytes each, NDJSON."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(n):
            oid = f"o-{i // 6:08d}"
            e = {"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "event_type": "order_created",
                 "schema_version": 1, "event_time": "2026-02-05T10:11:12.123456Z",
                 "ingest_time": "2026-02-05T10:11:13.123456Z", "tenant_id": f"tenant-{rng.randint(1, 5)}",
                 "user_id": f"user-{rng.randint(1, 99999)}", "session_id": str(uuid.UUID(int=rng.getrandbits(128))),
                 "source_system": "order-service", "environment": "local", "record_source": "evpipe-sim",
                 "payload": {"order_id": oid, "amount": rng.randint(100, 99999) / 100, "currency": "EUR",
                             "items": [{"sku": f"sku-{rng.randint(1, 9999)}", "qty": rng.randint(1, 4),
                                        "price": rng.randint(100, 9999) / 100} for _ in range(3)],
                             "shipping": {"country": "DE", "method": "standard"}},
                 "checksum": "0" * 64}
            f.write(json.dumps(e, separators=(",", ":")) + "\n")


def _start_broker(ctx):
    if not _broker:
        _broker["bootstrap"] = start_evpipe_broker(ctx, "kafka-broker")
    return _broker["bootstrap"]


def cases(ctx):
    n = 20000 if ctx.quick else 300000
    orders = 2000 if ctx.quick else 50000
    events = os.path.join(ctx.work, "kafka-events.ndjson")
    sim_file = os.path.join(ctx.work, "kafka-sim.ndjson")
    state = {}

    def topic(name):
        subprocess.run([ctx.evpipe, "topic", "create", "-b", state["b"], "-t", name, "-p", "3"],
                       check=True, stdout=subprocess.DEVNULL)

    def setup_file():
        state["b"] = _start_broker(ctx)
        _events_file(events, n)
        topic("bench-produce-evpipe")
        topic("bench-produce-kcat")

    def setup_sim():
        state["b"] = _start_broker(ctx)
        gen = os.path.join(ctx.work, "kafka-gen")
        subprocess.run([ctx.evpipe, "gen", "--orders", str(orders), "--seed", "42", "--gen-dir", gen,
                        "--topic", "events"], check=True, stdout=subprocess.DEVNULL)
        with open(sim_file, "wb") as out:
            for p in sorted(glob.glob(os.path.join(gen, "**", "*.ndjson"), recursive=True)):
                with open(p, "rb") as f:
                    out.write(f.read())
        state["sim_lines"] = sum(1 for _ in open(sim_file, "rb"))
        topic("bench-sim-evpipe")
        topic("bench-sim-kcat")

    def setup_consume():
        state["b"] = _start_broker(ctx)
        if not os.path.exists(events):
            _events_file(events, n)
        topic("bench-consume")
        subprocess.run([ctx.evpipe, "produce", "-b", state["b"], "-t", "bench-consume", "--from", events],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, **ctx.env))

    out = os.path.join(ctx.work, "kafka-consumed")
    # Started now (commands need its address); stopped at exit.
    b = _start_broker(ctx)

    produce_file = Case(
        name="kafka produce --from FILE", unit="records/s", items=n,
        ours=f"{ctx.evpipe} produce -b {b} -t bench-produce-evpipe --from {events}",
        baseline=f"kcat -P -b {b} -t bench-produce-kcat -l {events}", baseline_name="kcat -P",
        setup=setup_file, target_ratio=1.3,
        note="evpipe: idempotent, acks=all, uncompressed, every delivery report counted; kcat: librdkafka defaults")
    produce_sim = Case(
        name="kafka produce (simulator)", unit="records/s", items=0,
        ours=f"{ctx.evpipe} produce -b {b} -t bench-sim-evpipe --orders {orders} --seed 42",
        baseline=f"kcat -P -b {b} -t bench-sim-kcat -l {sim_file}", baseline_name="kcat -P of gen's file",
        setup=setup_sim, target_ratio=1.3,
        note="ours simulates as it produces; kcat reads the same events from a file")
    consume = Case(
        name="kafka consume --exit-at-end", unit="records/s", items=n,
        ours=f"{ctx.evpipe} consume -b {b} -t bench-consume --from-beginning -e > {out}",
        baseline=f"kcat -C -b {b} -t bench-consume -o beginning -e -q > {out}", baseline_name="kcat -C -e",
        setup=setup_consume, target_ratio=1.0)

    orig_setup = produce_sim.setup

    def sim_setup_with_items():
        orig_setup()
        produce_sim.items = state["sim_lines"]
    produce_sim.setup = sim_setup_with_items
    return [produce_file, produce_sim, consume]
