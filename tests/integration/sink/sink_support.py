"""Helpers for the sink-raw process tests: a broker (`evpipe broker`, or
librdkafka's mock cluster as a process while the broker is not built), the
events, kcat as the independent reader, and a reader of RAW_DIR."""
import collections
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kafka"))
import kafka_support  # noqa: E402
from kafka_support import EVPIPE, BUILD_DIR, Broker, free_port, make_events, run  # noqa: E402

# The binary whose `broker` and `topic` subcommands the tests use (default: the one under test).
BROKER_BIN = os.environ.get("EVPIPE_BROKER_BIN", EVPIPE)
kafka_support.EVPIPE = BROKER_BIN

TOPIC = "events"
NAME = re.compile(r"^part-p(\d+)-(\d+)-(\d+)\.ndjson$")


def broker_built():
    """True when `evpipe broker` is the real broker (its --help lists --data-dir)."""
    p = subprocess.run([BROKER_BIN, "broker", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode == 0 and b"--data-dir" in p.stdout + p.stderr


class MockBroker:
    """librdkafka's mock cluster in its own process (keeps ~5 MiB per partition:
    enough for these tests). Cannot restart with its data."""

    def __init__(self, workdir, partitions):
        exe = os.path.join(BUILD_DIR, "evpipe_mock_cluster")
        self.proc = subprocess.Popen([exe, "--topic", f"{TOPIC}:{partitions}"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.bootstrap = self.proc.stdout.readline().decode().strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


GROUP = "raw-sink"


def start_broker(workdir, partitions=3):
    """(broker, kind): Apache Kafka with EVPIPE_TEST_BROKER=kafka (one node
    per process: each call gets a fresh TOPIC and GROUP on it), else the real
    `evpipe broker` when built, else the mock."""
    global TOPIC, GROUP
    if kafka_support.TEST_BROKER == "kafka":
        b = kafka_support.KafkaTestBroker().start()
        TOPIC, GROUP = kafka_support.unique("events"), kafka_support.unique("raw-sink")
        run([BROKER_BIN, "topic", "create", "-b", b.bootstrap, "-t", TOPIC, "-p", str(partitions)])
        return b, f"Apache Kafka (topic {TOPIC})"
    if broker_built():
        b = Broker(workdir).start()
        run([BROKER_BIN, "topic", "create", "-b", b.bootstrap, "-t", TOPIC, "-p", str(partitions)])
        return b, "evpipe broker"
    return MockBroker(workdir, partitions), "librdkafka mock cluster (evpipe broker not built yet)"


def produce(bootstrap, lines, workdir):
    path = os.path.join(workdir, "input.ndjson")
    with open(path, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    env = dict(os.environ, EVPIPE_PROGRESS="0")
    run([EVPIPE, "produce", "-b", bootstrap, "-t", TOPIC, "--from", path], env=env, timeout=300)


def kcat_topic(bootstrap):
    """Every record value of the topic, read by kcat (independent of us)."""
    p = run(["kcat", "-C", "-b", bootstrap, "-t", TOPIC, "-e", "-q", "-f", "%s\n"], timeout=300)
    return p.stdout.splitlines()


def read_raw(raw_dir):
    """(lines, visible files, hidden files, bad files) of RAW_DIR/<topic>."""
    lines, visible, hidden, bad = [], [], [], []
    for d in sorted(glob.glob(os.path.join(raw_dir, TOPIC, "ingest_date=*"))):
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if name.startswith("."):
                hidden.append(path)
                continue
            m = NAME.match(name)
            with open(path, "rb") as f:
                data = f.read()
            if not m or not data.endswith(b"\n"):
                bad.append(path)
                continue
            file_lines = data[:-1].split(b"\n")
            if len(file_lines) > int(m.group(3)) - int(m.group(2)) + 1:
                bad.append(path)
            visible.append(path)
            lines.extend(file_lines)
    return lines, visible, hidden, bad


def read_quarantine(q_dir):
    out = []
    for path in glob.glob(os.path.join(q_dir, TOPIC, "sink-raw", "ingest_date=*", "part-*.ndjson")):
        with open(path, "rb") as f:
            out.extend(json.loads(l) for l in f.read().splitlines())
    return out


class SinkProcess:
    """One `evpipe sink-raw` child with its stderr in a log file."""

    def __init__(self, bootstrap, raw_dir, q_dir, log_path, *extra, group=None, env=None):
        group = group or GROUP
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.start_offset = self.log.tell()
        e = dict(os.environ, EVPIPE_PROGRESS="0")
        e.update(env or {})
        self.proc = subprocess.Popen(
            [EVPIPE, "sink-raw", "-b", bootstrap, "-t", TOPIC, "-g", group, "--raw-dir", raw_dir,
             "--quarantine-dir", q_dir, "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=300",
             "-X", "log_level=3", *extra],
            stdout=subprocess.DEVNULL, stderr=self.log, env=e)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.start_offset)
            return f.read().decode(errors="replace")

    def wait_for(self, text, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log_text():
                return True
            if self.proc.poll() is not None:
                return text in self.log_text()
            time.sleep(0.02)
        return False

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def wait(self, timeout=180):
        code = self.proc.wait(timeout=timeout)
        self.log.close()
        return code


def check_exactly_once(test, topic_lines, raw_dir, q_dir, bad_lines=()):
    """Raw lines == the topic's valid lines as multisets; bad ones quarantined once."""
    lines, visible, hidden, bad = read_raw(raw_dir)
    test.assertEqual(hidden, [], "hidden in-progress files left visible in date folders")
    test.assertEqual(bad, [], "files with bad names or partial lines")
    bad_set = set(bad_lines)
    want = collections.Counter(l for l in topic_lines if l not in bad_set)
    got = collections.Counter(lines)
    missing = want - got
    twice = got - want
    test.assertEqual(len(missing), 0, f"{sum(missing.values())} records lost, e.g. {list(missing)[:1]}")
    test.assertEqual(len(twice), 0, f"{sum(twice.values())} records landed twice, e.g. {list(twice)[:1]}")
    q = read_quarantine(q_dir)
    test.assertEqual(len(q), sum(1 for l in topic_lines if l in bad_set), "quarantine count")
    keys = collections.Counter((r["source"]["partition"], r["source"]["offset"]) for r in q)
    test.assertTrue(all(v == 1 for v in keys.values()), "an offset quarantined twice")
