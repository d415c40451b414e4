#!/usr/bin/python3
"""Differential conformance: the scenario list (scenarios.py) against `evpipe
broker` and against Apache Kafka (one JVM for the whole run), comparing what a
client observes key by key.

Every difference must be listed in docs/formats/kafka_protocol.md under
"Differences from Apache Kafka" (a table whose first column is
`scenario/key`), with the reason; an unlisted difference fails, and so does a
listed one that no longer differs (the table must stay true).

Without the Kafka jars (`make deps` fetches them) this fails, unless
EVPIPE_ALLOW_NO_KAFKA=1: then it runs the scenarios against our broker alone
and says that it compared nothing.

  conformance_test.py [--only evpipe|kafka] [--show] [--kafka-bootstrap HOST:PORT]
  (--show prints every observation; --kafka-bootstrap uses a Kafka already running)"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("EVPIPE_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "support"))
import kwire  # noqa: E402
import scenarios  # noqa: E402

EVPIPE = os.environ.get("EVPIPE_BIN", os.path.join(SOURCE_DIR, "build/release/evpipe"))
DOC = os.path.join(SOURCE_DIR, "docs", "formats", "kafka_protocol.md")


class EvpipeBroker:
    """`evpipe broker` on free ports, configured like a default Kafka where a
    default is a setting (one partition for auto-created topics)."""

    def __init__(self, workdir):
        self.workdir = workdir
        ready = os.path.join(workdir, "ready.json")
        self.log = open(os.path.join(workdir, "evpipe-broker.log"), "wb")
        self.proc = subprocess.Popen([EVPIPE, "broker", "--data-dir", os.path.join(workdir, "data"),
                                      "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                      "--ready-file", ready, "--default-partitions", "1"],
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while not (os.path.exists(ready) and os.path.getsize(ready) > 0):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("evpipe broker did not start: " + self.tail())
            time.sleep(0.05)
        self.bootstrap = json.load(open(ready))["kafka"]

    def tail(self):
        self.log.flush()
        return open(self.log.name, errors="replace").read()[-2000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Ctx:
    def __init__(self, bootstrap, claimed, run):
        self.bootstrap, self.claimed, self.run = bootstrap, claimed, run


def claimed_ranges(bootstrap):
    with kwire.Conn(bootstrap) as c:
        resp = c.call(kwire.API_VERSIONS, {})
    return {a["key"]: (a["min"], a["max"]) for a in resp["apis"]}


def normalise(v):
    """JSON-able and comparable: bytes as text or hex, tuples as lists."""
    if isinstance(v, bytes):
        try:
            return "b:" + v.decode("ascii") if all(32 <= b < 127 for b in v) else "hex:" + v.hex()
        except UnicodeDecodeError:
            return "hex:" + v.hex()
    if isinstance(v, (list, tuple)):
        return [normalise(x) for x in v]
    if isinstance(v, dict):
        return {str(k): normalise(x) for k, x in v.items()}
    return v


def observe(bootstrap, claimed, run):
    """scenario/key -> value for every scenario; a scenario that raises is observed as its error."""
    out = {}
    for fn in scenarios.SCENARIOS:
        name = fn.__name__[2:]
        t0 = time.time()
        obs = {}
        try:
            with kwire.Conn(bootstrap) as conn:
                fn(Ctx(bootstrap, claimed, run), conn, obs)
        except Exception as e:  # noqa: BLE001 - the failure is the observation (after what was seen before it)
            obs["raised"] = f"{type(e).__name__}: {e}"
            if os.environ.get("EVPIPE_CONFORMANCE_TRACE"):
                traceback.print_exc()
        for k, v in obs.items():
            out[f"{name}/{k}"] = normalise(v)
        out.setdefault(f"{name}/raised", None)
        print(f"  {name}: {time.time() - t0:.1f} s", file=sys.stderr)
    return out


def documented_differences():
    """The `scenario/key` entries of the differences table in the protocol doc."""
    text = open(DOC, encoding="utf-8").read()
    m = re.search(r"^## Differences from Apache Kafka\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        sys.exit(f"FAIL: {DOC} has no '## Differences from Apache Kafka' section")
    keys = set()
    for line in m.group(1).splitlines():
        cell = re.match(r"\|\s*`([^`]+)`", line)
        if cell:
            keys.add(cell.group(1))
    return keys


def start_kafka(workdir):
    try:
        import kafka_peer
    except ImportError:
        return None, "tests/support/kafka_peer.py is missing"
    ok, why = kafka_peer.available()
    if not ok:
        return None, why
    node = kafka_peer.KafkaNode(os.path.join(workdir, "kafka"))
    try:
        node.start()
    except BaseException:
        node.kill()
        raise
    return node, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["evpipe", "kafka"])
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--kafka-bootstrap", help="use this running Apache Kafka instead of starting one (development)")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="evpipe-conformance-")
    run = f"{os.getpid()}"
    ours = kafka = None
    observed = {}
    try:
        t0 = time.time()
        ours = EvpipeBroker(workdir)
        claimed = claimed_ranges(ours.bootstrap)
        if args.only != "kafka":
            print("evpipe broker:", file=sys.stderr)
            observed["evpipe"] = observe(ours.bootstrap, claimed, run)
        ours.stop()
        ours = None
        if args.only != "evpipe":
            if args.kafka_bootstrap:
                kafka, why = type("Running", (), {"bootstrap": args.kafka_bootstrap, "stop": lambda self: None})(), None
            else:
                kafka, why = start_kafka(workdir)
            if kafka is None:
                if os.environ.get("EVPIPE_ALLOW_NO_KAFKA") == "1":
                    print(f"conformance: SKIPPED the comparison with Apache Kafka: {why} "
                          f"(EVPIPE_ALLOW_NO_KAFKA=1); ran {len(scenarios.SCENARIOS)} scenarios "
                          f"against evpipe broker only")
                    return 0
                print(f"FAIL: conformance needs Apache Kafka: {why} "
                      f"(set EVPIPE_ALLOW_NO_KAFKA=1 to run without it)", file=sys.stderr)
                return 1
            t1 = time.time()
            print(f"Apache Kafka ({kafka.bootstrap}, up in {t1 - t0:.1f} s since start):", file=sys.stderr)
            observed["kafka"] = observe(kafka.bootstrap, claimed, run)
        if args.show or args.only:
            for side, obs in observed.items():
                for k, v in obs.items():
                    print(f"{side:6} {k} = {json.dumps(v)}")
        if args.only:
            return 0
        return compare(observed["evpipe"], observed["kafka"], time.time() - t0)
    finally:
        if ours is not None:
            ours.stop()
        if kafka is not None:
            kafka.stop()
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(workdir, ignore_errors=True)


def compare(ev, ka, seconds):
    allowed = documented_differences()
    keys = sorted(set(ev) | set(ka))
    differ = {k for k in keys if ev.get(k, "<absent>") != ka.get(k, "<absent>")}
    unlisted = sorted(differ - allowed)
    stale = sorted(allowed - differ)
    for k in sorted(differ & allowed):
        print(f"known difference {k}: evpipe {json.dumps(ev.get(k, '<absent>'))}, "
              f"Kafka {json.dumps(ka.get(k, '<absent>'))}")
    for k in unlisted:
        print(f"FAIL: {k}: evpipe broker {json.dumps(ev.get(k, '<absent>'))}, "
              f"Apache Kafka {json.dumps(ka.get(k, '<absent>'))} (fix the broker, or document it in {DOC})")
    for k in stale:
        print(f"FAIL: {k} is listed as a difference in {DOC} but both brokers answer "
              f"{json.dumps(ev.get(k, '<absent>'))}: remove the row")
    print(f"conformance: {len(scenarios.SCENARIOS)} scenarios, {len(keys)} observations compared, "
          f"{len(differ & allowed)} documented differences, {len(unlisted)} undocumented, "
          f"{len(stale)} stale rows ({seconds:.0f} s)")
    return 1 if unlisted or stale else 0


if __name__ == "__main__":
    sys.exit(main())
