"""Apache Kafka as a test peer: KRaft nodes on loopback, run from the jars that
`make deps` copies (peers/kafka/pom.xml -> .evpipe/peers/kafka/lib).

    from kafka_peer import KafkaNode, KafkaCluster, available

    ok, why = available()
    with KafkaNode(workdir) as node:          # one combined broker+controller
        ... node.bootstrap ...
    with KafkaCluster(workdir, n=3) as c:     # RF 3, min.insync.replicas=2
        c.kill(c.leader_of("events", 0)); c.start(...)

Every JVM started here is stopped by pid: on stop()/__exit__, at interpreter
exit (atexit), and by the kernel when this Python process dies (the child asks
for SIGKILL on parent death), so a failing or killed test never leaves a
broker running. Readiness is a Metadata answer that lists the node itself,
polled with a cap. Only the standard library is used."""
import atexit
import base64
import ctypes
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIB_ENV = "EVPIPE_KAFKA_LIB"
LOG4J_CONFIG = REPO / "peers" / "kafka" / "log4j2.properties"
DEFAULT_HEAP = ["-Xms256m", "-Xmx512m"]
START_TIMEOUT_S = float(os.environ.get("EVPIPE_KAFKA_START_TIMEOUT", "90"))
STOP_TIMEOUT_S = 15.0


def jars_dir() -> Path:
    """Where `make deps` puts the broker, client and tool jars."""
    override = os.environ.get(LIB_ENV)
    return Path(override) if override else REPO / ".evpipe" / "peers" / "kafka" / "lib"


def java_bin():
    """The java launcher: $JAVA_HOME/bin/java, else the one on PATH (or None)."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def java_major(java):
    """The major version of a java launcher (17 for "17.0.15"), or 0."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return 0
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


_AVAILABLE = None


def available():
    """(True, "") when the jars and a JDK 17+ are here, else (False, reason).
    The reason is one line that names `make deps`."""
    global _AVAILABLE
    if _AVAILABLE is None:
        _AVAILABLE = _check_available()
    return _AVAILABLE


def _check_available():
    lib = jars_dir()
    if not any(lib.glob("kafka_2.13-*.jar")):
        return False, f"Apache Kafka jars not found in {lib}: run `make deps`"
    java = java_bin()
    if not java:
        return False, "java not found: install a JDK 17+ (`make deps` does)"
    major = java_major(java)
    if major < 17:
        return False, f"{java} is Java {major or '?'}; Apache Kafka 4 needs 17+ (`make deps`)"
    return True, ""


def classpath() -> str:
    return ":".join(str(p) for p in sorted(jars_dir().glob("*.jar")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_cluster_id() -> str:
    """A random Kafka Uuid in URL-safe base64 without padding (never starting
    with '-', which the tools would read as a flag)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


# ---- the Kafka protocol, as much as readiness and leader look-up need ---------

def _str(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def array(self, item):
        n = self.take(">i")
        return [item() for _ in range(max(n, 0))]


def metadata(bootstrap, topics=None, timeout=2.0):
    """One Metadata (v4) request to host:port. Returns
    {"brokers": {id: (host, port)}, "cluster_id": str, "controller": id,
     "topics": {name: {"error": code, "partitions": {p: {"error", "leader", "replicas", "isr"}}}}}.
    topics=None asks for every topic; auto-creation is off. Raises OSError on
    no answer."""
    host, port = bootstrap.rsplit(":", 1)
    if topics is None:
        body = struct.pack(">i", -1)
    else:
        body = struct.pack(">i", len(topics)) + b"".join(_str(t) for t in topics)
    body += b"\x00"  # allow_auto_topic_creation = false
    req = struct.pack(">hhi", 3, 4, 1) + _str("evpipe-kafka-peer") + body
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(struct.pack(">i", len(req)) + req)
        head = _recv_exact(s, 4)
        resp = _recv_exact(s, struct.unpack(">i", head)[0])
    r = _Reader(resp)
    r.take(">i")  # correlation id
    r.take(">i")  # throttle
    brokers = {}
    for _ in range(r.take(">i")):
        node, bhost, bport = r.take(">i"), r.string(), r.take(">i")
        r.string()  # rack
        brokers[node] = (bhost, bport)
    cluster_id = r.string()
    controller = r.take(">i")
    out_topics = {}
    for _ in range(r.take(">i")):
        err, name = r.take(">h"), r.string()
        r.take(">b")  # is_internal
        parts = {}
        for _ in range(r.take(">i")):
            perr, index, leader = r.take(">h"), r.take(">i"), r.take(">i")
            replicas = r.array(lambda: r.take(">i"))
            isr = r.array(lambda: r.take(">i"))
            parts[index] = {"error": perr, "leader": leader, "replicas": replicas, "isr": isr}
        out_topics[name] = {"error": err, "partitions": parts}
    return {"brokers": brokers, "cluster_id": cluster_id, "controller": controller, "topics": out_topics}


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed before a full answer")
        buf += chunk
    return buf


# ---- processes -------------------------------------------------------------------

_LIVE = set()  # every Popen of a JVM started here and not yet reaped


def _die_with_parent():
    """Runs in the child before exec: SIGKILL it when this process dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _kill_all_live():
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        _LIVE.discard(proc)


atexit.register(_kill_all_live)


class KafkaNode:
    """One KRaft Apache Kafka node on 127.0.0.1. Alone (voters=None) it is a
    combined broker+controller with replication factors 1; KafkaCluster passes
    the shared voter list, cluster id and replication settings."""

    def __init__(self, workdir, port=None, controller_port=None, node_id=1, voters=None,
                 cluster_id=None, replication=1, min_isr=1, extra_config=None, jvm_opts=None):
        ok, why = available()
        if not ok:
            raise RuntimeError(why)
        self.workdir = Path(workdir)
        self.node_id = node_id
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.voters = voters or f"{node_id}@127.0.0.1:{self.controller_port}"
        self.cluster_id = cluster_id or new_cluster_id()
        self.replication = replication
        self.min_isr = min_isr
        self.extra_config = dict(extra_config or {})
        self.jvm_opts = list(jvm_opts) if jvm_opts is not None else list(DEFAULT_HEAP)
        self.data_dir = self.workdir / "data"
        self.config_path = self.workdir / "server.properties"
        self.log_path = self.workdir / "kafka.log"
        self.proc = None
        self._formatted = False

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc and self.proc.poll() is None else None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def config(self) -> dict:
        rf = self.replication
        conf = {
            "process.roles": "broker,controller",
            "node.id": self.node_id,
            "controller.quorum.voters": self.voters,
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": self.data_dir,
            "num.partitions": 1,
            "default.replication.factor": rf,
            "min.insync.replicas": self.min_isr,
            "offsets.topic.replication.factor": rf,
            "offsets.topic.num.partitions": 3,
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": self.min_isr,
            "transaction.state.log.num.partitions": 3,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": self.min_isr,
            "group.initial.rebalance.delay.ms": 0,
            "auto.create.topics.enable": "true",
            # Retention by record time would delete the simulator's records (their
            # timestamps are its past event times) at the first check, 5 min in.
            "log.retention.ms": -1,
        }
        conf.update(self.extra_config)
        return conf

    def _java(self, main, *args, log, wait):
        cmd = [java_bin(), *self.jvm_opts, "-Djava.awt.headless=true",
               f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", f"-Dkafka.logs.dir={self.workdir / 'logs'}",
               "-cp", classpath(), main, *args]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                preexec_fn=_die_with_parent)
        _LIVE.add(proc)
        if wait:
            try:
                rc = proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                rc = -9
            _LIVE.discard(proc)
            return rc
        return proc

    def format(self):
        """StorageTool format with this node's cluster id (-g: an already
        formatted dir is fine)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in self.config().items()))
        with open(self.log_path, "ab") as log:
            rc = self._java("kafka.tools.StorageTool", "format", "-t", self.cluster_id,
                            "-c", str(self.config_path), "-g", log=log, wait=True)
        if rc != 0:
            raise RuntimeError(f"kafka StorageTool format exited {rc}; log {self.log_path}:\n{self.log_tail()}")
        self._formatted = True

    def launch(self):
        """Starts the JVM without waiting for readiness (formats first if needed)."""
        if self.pid:
            return self
        if not self._formatted:
            self.format()
        with open(self.log_path, "ab") as log:
            self.proc = self._java("kafka.Kafka", str(self.config_path), log=log, wait=False)
        return self

    def start(self, timeout=START_TIMEOUT_S):
        self.launch()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=START_TIMEOUT_S):
        """Until a Metadata answer from our cluster lists this node (another
        process answering on the port does not count); raises with the log tail on
        a dead JVM or after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                rc = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"kafka node {self.node_id} exited ({rc}) before it was ready; "
                                   f"log {self.log_path}:\n{self.log_tail()}")
            try:
                md = metadata(self.bootstrap, topics=[], timeout=1.0)
                if md["cluster_id"] == self.cluster_id and self.node_id in md["brokers"]:
                    return self
            except (OSError, struct.error):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"kafka node {self.node_id} not ready after {timeout:.0f}s; "
                                   f"log {self.log_path}:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM (controlled shutdown), SIGKILL when it has not exited after `timeout`."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _LIVE.discard(self.proc)

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _LIVE.discard(self.proc)

    def restart(self, timeout=START_TIMEOUT_S):
        self.stop()
        return self.start(timeout)

    def log_tail(self, n=3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"


class KafkaCluster:
    """n KRaft nodes (each broker+controller) sharing one voter list and cluster
    id: replication factor n for internal and new topics, min.insync.replicas 2."""

    def __init__(self, workdir, n=3, min_isr=None, extra_config=None, jvm_opts=None):
        self.workdir = Path(workdir)
        ports = [(free_port(), free_port()) for _ in range(n)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{c}" for i, (_, c) in enumerate(ports))
        cluster_id = new_cluster_id()
        isr = min_isr if min_isr is not None else min(2, n)
        self.nodes = [KafkaNode(self.workdir / f"node{i + 1}", port=p, controller_port=c, node_id=i + 1,
                                voters=voters, cluster_id=cluster_id, replication=n, min_isr=isr,
                                extra_config=extra_config, jvm_opts=jvm_opts)
                      for i, (p, c) in enumerate(ports)]

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def node(self, node_id) -> KafkaNode:
        return self.nodes[node_id - 1]

    def __enter__(self):
        try:
            self.start_all()
        except BaseException:
            self.kill_all()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start_all(self, timeout=START_TIMEOUT_S):
        """Formats and launches every node, then waits (a quorum needs two up)."""
        for node in self.nodes:
            node.format()
        for node in self.nodes:
            node.launch()
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            node.wait_ready(max(1.0, deadline - time.monotonic()))
        self.wait_brokers(len(self.nodes), max(1.0, deadline - time.monotonic()))
        return self

    def wait_brokers(self, count, timeout=START_TIMEOUT_S):
        """Until some node's Metadata lists `count` live brokers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in self.nodes:
                if not node.pid:
                    continue
                try:
                    if len(metadata(node.bootstrap, topics=[], timeout=1.0)["brokers"]) >= count:
                        return
                except (OSError, struct.error):
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"fewer than {count} kafka brokers registered after {timeout:.0f}s")

    def metadata(self, topics=None, timeout=2.0):
        """Metadata from the first live node that answers."""
        last = None
        for node in self.nodes:
            if not node.pid:
                continue
            try:
                return metadata(node.bootstrap, topics=topics, timeout=timeout)
            except (OSError, struct.error) as e:
                last = e
        raise OSError(f"no kafka node answered Metadata: {last}")

    def leader_of(self, topic, partition=0, timeout=30.0) -> int:
        """The node id leading topic/partition (waits while it has none)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                part = self.metadata([topic])["topics"].get(topic, {}).get("partitions", {}).get(partition)
                if part and part["error"] == 0 and part["leader"] >= 0:
                    return part["leader"]
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no leader for {topic}/{partition} after {timeout:.0f}s")
            time.sleep(0.2)

    def kill(self, node_id):
        self.node(node_id).kill()

    def start(self, node_id, timeout=START_TIMEOUT_S):
        self.node(node_id).start(timeout)

    def stop(self):
        """SIGTERM to every node at once, then each waited for (SIGKILL after
        the timeout: the last nodes may lose their quorum mid-shutdown)."""
        for node in self.nodes:
            if node.pid:
                node.proc.terminate()
        for node in self.nodes:
            node.stop()

    def kill_all(self):
        for node in self.nodes:
            node.kill()
