"""Shared helpers for the Kafka tool tests: run the real evpipe binary against
a real broker (EVPIPE_TEST_BROKER: `evpipe broker` with its own data dir and
free ports, or Apache Kafka), generate events."""
import atexit
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

EVPIPE = os.environ.get("EVPIPE_BIN", "build/release/evpipe")
# The binary whose `broker` subcommand the tests run (another build's, to try one broker against these tools).
BROKER_BIN = os.environ.get("EVPIPE_BROKER_BIN", EVPIPE)
SOURCE_DIR = os.environ.get("EVPIPE_SOURCE_DIR", os.getcwd())
BUILD_DIR = os.environ.get("EVPIPE_BUILD_DIR", os.path.join(SOURCE_DIR, "build/release"))
SEED = int(os.environ.get("EVPIPE_TEST_SEED", "20260205"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, check=True, timeout=120, input=None, env=None, **kw):
    """Runs a command; returns CompletedProcess with bytes stdout/stderr."""
    p = subprocess.run(args, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=env, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstderr: {p.stderr.decode(errors='replace')}")
    return p


def evpipe(*args, **kw):
    env = dict(os.environ, EVPIPE_PROGRESS="0")
    return run([EVPIPE, *args], env=env, **kw)


class Broker:
    """`evpipe broker` as a child process on fixed free ports (so a restart
    keeps the address clients know)."""

    def __init__(self, workdir):
        self.data_dir = os.path.join(workdir, "broker")
        self.ready_file = os.path.join(workdir, "broker.ready")
        self.log_path = os.path.join(workdir, "broker.log")
        self.port = free_port()
        self.admin_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        if os.path.exists(self.ready_file):
            os.remove(self.ready_file)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [BROKER_BIN, "broker", "--data-dir", self.data_dir, "--listen", self.bootstrap,
                 "--admin-listen", f"127.0.0.1:{self.admin_port}", "--ready-file", self.ready_file],
                stdout=log, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(self.ready_file) and os.path.getsize(self.ready_file) > 0:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"broker did not start; log:\n{open(self.log_path, errors='replace').read()[-2000:]}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# Which broker the Kafka-facing suites run against: our `evpipe broker`
# (embedded, the default) or Apache Kafka (kafka: CTest's *_kafka variants).
TEST_BROKER = os.environ.get("EVPIPE_TEST_BROKER", "embedded")


class KafkaTestBroker:
    """Apache Kafka with Broker's interface: one node per test process
    (tests/support/kafka_peer.py), started on first use and stopped at exit.
    stop() leaves it running for the next test; kill() and start() are real
    (a crash and a restart on the same ports and data). Topic auto-creation is
    off, as on our broker: a missing topic is an error, not a new topic."""

    _node = None
    _tmp = None

    def __init__(self, workdir=None):
        del workdir  # the node has its own temp dir for the whole process

    @classmethod
    def node(cls):
        if cls._node is None:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
            import kafka_peer
            ok, why = kafka_peer.available()
            if not ok:
                raise AssertionError(why)
            cls._tmp = tempfile.mkdtemp(prefix="evpipe-kafka-node-")
            cls._node = kafka_peer.KafkaNode(cls._tmp, extra_config={"auto.create.topics.enable": "false"})
            atexit.register(cls._shutdown)
        return cls._node

    @classmethod
    def _shutdown(cls):
        cls._node.stop()
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(cls._tmp, ignore_errors=True)

    @property
    def bootstrap(self):
        return self.node().bootstrap

    @property
    def proc(self):
        return self.node().proc

    def start(self):
        if not self.node().pid:
            t = time.monotonic()
            self.node().start()
            print(f"Apache Kafka ready at {self.bootstrap} in {time.monotonic() - t:.1f} s", flush=True)
        return self

    def kill(self):
        self.node().kill()

    def stop(self):
        pass


def new_broker(workdir):
    """The broker of EVPIPE_TEST_BROKER, not yet started (call .start())."""
    if TEST_BROKER == "kafka":
        return KafkaTestBroker(workdir)
    if TEST_BROKER != "embedded":
        raise AssertionError(f"EVPIPE_TEST_BROKER={TEST_BROKER}: expected embedded or kafka")
    return Broker(workdir)


def unique(name):
    """name on a fresh broker; name-<n> on the shared Kafka node, so that test
    cases sharing it never see each other's topics or groups."""
    if TEST_BROKER != "kafka":
        return name
    unique.n = getattr(unique, "n", 0) + 1
    return f"{name}-{os.getpid()}-{unique.n}"


class BrokerTest(unittest.TestCase):
    """A broker per test class (the Kafka node: one per process), in a temp dir removed afterwards."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="evpipe-kafka-test-")
        cls.broker = new_broker(cls.tmp)
        # Runs also when a subclass's setUpClass fails after this (tearDownClass would not).
        cls.addClassCleanup(cls.broker.stop)
        cls.broker.start()
        print(f"seed={SEED} broker={cls.broker.bootstrap} tmp={cls.tmp}", flush=True)

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def create_topic(self, topic, partitions=3):
        evpipe("topic", "create", "-b", self.broker.bootstrap, "-t", topic, "-p", str(partitions))

    def consume(self, topic, *extra):
        p = evpipe("consume", "-b", self.broker.bootstrap, "-t", topic, "--from-beginning",
                   "--exit-at-end", *extra)
        return p.stdout

    def consume_json(self, topic, *extra):
        return [json.loads(l) for l in self.consume(topic, "--format", "json", *extra).splitlines()]


def make_events(orders, seed=SEED, poison_keys=False):
    """Order events as NDJSON lines (bytes), in produce order. Some carry
    non-ASCII text so that 'bytes unchanged' means something."""
    rng = random.Random(seed)
    lines = []
    open_orders = []
    next_order = 0
    types = ["payment_authorized", "order_shipped", "order_delivered", "refund_issued"]
    while next_order < orders or open_orders:
        if next_order < orders and (not open_orders or rng.random() < 0.4):
            open_orders.append([f"o-{seed % 1000:03d}-{next_order:07d}", 0])
            next_order += 1
        i = rng.randrange(len(open_orders))
        order = open_orders[i]
        etype = "order_created" if order[1] == 0 else types[min(order[1] - 1, 3)]
        order[1] += 1
        if order[1] >= 1 + rng.randint(1, 4):
            open_orders.pop(i)
        event = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "event_type": etype, "schema_version": 1,
            "event_time": "2026-02-05T10:11:12.123456Z", "ingest_time": "2026-02-05T10:11:13.123456Z",
            "tenant_id": f"t-{rng.randint(1, 5)}", "user_id": f"u-{rng.randint(1, 999)}", "session_id": None,
            "source_system": "test", "environment": "local", "record_source": "kafka-test",
            "payload": {"order_id": order[0], "amount": rng.randint(1, 99999) / 100,
                        "note": rng.choice(["plain", "café ☕", "naïve — “quoted”", "日本語"]) },
            "checksum": None,
        }
        lines.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode())
    return lines


def order_id(line):
    return json.loads(line)["payload"]["order_id"]
