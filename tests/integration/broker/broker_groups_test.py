#!/usr/bin/python3
"""Consumer groups and recovery of `evpipe broker`, driven with kcat and kafka-python.

1. Three kcat consumers share a 6-partition topic in one group; one is
   SIGKILLed; its partitions move to the other two once its session times out.
2. Committed offsets survive a clean restart and a SIGKILL restart.
3. Recovery: with the broker killed, one segment gets a torn tail and another
   a flipped byte in its last batch; the broker starts, truncates to the last
   good batch, logs it, and serves every record before the damage."""
import glob
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata

EVPIPE = os.environ.get("EVPIPE_BIN", "build/release/evpipe")


class Broker:
    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "data")
        self.kafka = "127.0.0.1:0"
        self.admin = "127.0.0.1:0"
        self.proc = None
        self.log = open(os.path.join(root, "broker.log"), "ab")

    def start(self):
        ready = os.path.join(self.root, "ready.json")
        if os.path.exists(ready):
            os.remove(ready)
        self.proc = subprocess.Popen([EVPIPE, "broker", "--data-dir", self.data, "--listen", self.kafka,
                                      "--admin-listen", self.admin, "--ready-file", ready,
                                      "--default-partitions", "6"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(ready):
                info = json.load(open(ready))
                self.kafka, self.admin = info["kafka"], info["admin"]
                return
            if self.proc.poll() is not None:
                sys.exit(f"broker exited: {self.read_log()}")
            time.sleep(0.05)
        sys.exit("broker not ready after 30 s")

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=30)
        if sig == signal.SIGTERM and rc != 0:
            sys.exit(f"broker exited {rc} on SIGTERM")

    def read_log(self):
        self.log.flush()
        return open(os.path.join(self.root, "broker.log"), encoding="utf-8", errors="replace").read()


def wait_for(what, cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    sys.exit(f"FAIL: timed out waiting for {what}")


def group_assignment(bootstrap, group):
    """member id -> sorted partitions, when the group is Stable."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        [g] = admin.describe_consumer_groups([group])
    finally:
        admin.close()
    if g.state != "Stable":
        return None
    out = {}
    for m in g.members:
        parts = []
        for _topic, ps in m.member_assignment.assignment:
            parts += ps
        out[m.member_id] = sorted(parts)
    return out


def test_member_death_moves_partitions(broker, tmp):
    topic = "groups-six"
    admin = KafkaAdminClient(bootstrap_servers=broker.kafka)
    admin.create_topics([NewTopic(topic, 6, 1)])
    admin.close()
    consumers = [subprocess.Popen(["kcat", "-b", broker.kafka, "-G", "six", "-q", "-X", "session.timeout.ms=3000",
                                   "-X", "heartbeat.interval.ms=300", topic],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(3)]
    try:
        def three_members():
            a = group_assignment(broker.kafka, "six")
            return a if a and len(a) == 3 and sorted(sum(a.values(), [])) == list(range(6)) else None
        before = wait_for("3 members sharing 6 partitions", three_members, 40)
        print(f"3 members: {before}")
        consumers[0].send_signal(signal.SIGKILL)
        consumers[0].wait()
        killed_at = time.time()

        def two_members():
            a = group_assignment(broker.kafka, "six")
            return a if a and len(a) == 2 and sorted(sum(a.values(), [])) == list(range(6)) else None
        after = wait_for("the partitions of the killed member to move", two_members, 40)
        print(f"2 members after {time.time() - killed_at:.1f} s: {after}")
    finally:
        for c in consumers:
            if c.poll() is None:
                c.send_signal(signal.SIGTERM)
                try:
                    c.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    c.kill()


def committed(bootstrap, group):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {(tp.topic, tp.partition): o.offset for tp, o in admin.list_consumer_group_offsets(group).items()}
    finally:
        admin.close()


def test_offsets_survive_restart(broker, rng):
    topic = "groups-offsets"
    p = KafkaProducer(bootstrap_servers=broker.kafka, acks="all")
    for i in range(60):
        p.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 6)
    p.flush()
    p.close()
    c = KafkaConsumer(bootstrap_servers=broker.kafka, group_id="keeper", enable_auto_commit=False)
    want = {TopicPartition(topic, part): OffsetAndMetadata(rng.randint(1, 10), "") for part in range(6)}
    c.commit(want)
    c.close()
    want_plain = {(tp.topic, tp.partition): o.offset for tp, o in want.items()}
    broker.stop(signal.SIGTERM)
    broker.start()
    got = committed(broker.kafka, "keeper")
    if got != want_plain:
        sys.exit(f"FAIL: after a clean restart committed {got}, want {want_plain}")
    broker.stop(signal.SIGKILL)
    broker.start()
    got = committed(broker.kafka, "keeper")
    if got != want_plain:
        sys.exit(f"FAIL: after SIGKILL committed {got}, want {want_plain}")
    print("committed offsets survived a clean restart and a SIGKILL")


def count_records(bootstrap, topic, partitions):
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, check_crcs=True)
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    end = c.end_offsets(tps)
    got = {tp.partition: [] for tp in tps}
    deadline = time.time() + 30
    while time.time() < deadline and any(c.position(tp) < end[tp] for tp in tps):
        for tp, recs in c.poll(timeout_ms=300).items():
            got[tp.partition] += [r.value.decode() for r in recs]
    c.close()
    return got


def test_recovery_truncates_damage(broker):
    topic = "recovery"
    admin = KafkaAdminClient(bootstrap_servers=broker.kafka)
    admin.create_topics([NewTopic(topic, 2, 1)])
    admin.close()
    p = KafkaProducer(bootstrap_servers=broker.kafka, acks="all", linger_ms=0)  # .get() each: one batch per record
    for i in range(20):
        p.send(topic, value=f"r{i}".encode(), partition=0).get(timeout=10)
        p.send(topic, value=f"r{i}".encode(), partition=1).get(timeout=10)
    p.close()
    broker.stop(signal.SIGKILL)
    logs = {}
    for part in (0, 1):
        files = sorted(glob.glob(os.path.join(broker.data, "**", f"{topic}-{part}", "*.log"), recursive=True))
        if not files:
            files = sorted(f for f in glob.glob(os.path.join(broker.data, "**", "*.log"), recursive=True)
                           if f"{topic}-{part}" in f or f"{topic}/{part}" in f)
        if not files:
            sys.exit(f"FAIL: no segment file for {topic}-{part} under {broker.data}")
        logs[part] = files[-1]
    # Partition 0: a torn tail (the first 30 bytes of a copy of the last batch).
    with open(logs[0], "ab") as f:
        f.write(open(logs[0], "rb").read()[:30])
    # Partition 1: flip one byte inside the last batch's records (CRC-covered).
    size = os.path.getsize(logs[1])
    with open(logs[1], "r+b") as f:
        f.seek(size - 3)
        b = f.read(1)
        f.seek(size - 3)
        f.write(bytes([b[0] ^ 0xFF]))
    broker.start()
    log = broker.read_log()
    if log.count("truncated") < 2 and "recovery" not in log:
        sys.exit(f"FAIL: the broker did not report the truncations:\n{log[-2000:]}")
    got = count_records(broker.kafka, topic, 2)
    if got[0] != [f"r{i}" for i in range(20)]:
        sys.exit(f"FAIL: partition 0 after a torn tail: {got[0]}")
    if got[1] != [f"r{i}" for i in range(19)]:
        sys.exit(f"FAIL: partition 1 after a flipped byte: {got[1]}")
    # Writing continues at the right offsets.
    p = KafkaProducer(bootstrap_servers=broker.kafka, acks="all")
    md = p.send(topic, value=b"after", partition=1).get(timeout=10)
    p.close()
    if md.offset != 19:
        sys.exit(f"FAIL: first offset after recovery is {md.offset}, want 19")
    print("recovery truncated a torn tail and a corrupt batch, and said so")


def main():
    seed = int(os.environ.get("EVPIPE_SEED", random.randrange(1 << 30)))
    print(f"seed={seed}")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="evpipe-groups-") as tmp:
        broker = Broker(tmp)
        broker.start()
        try:
            test_member_death_moves_partitions(broker, tmp)
            test_offsets_survive_restart(broker, rng)
            test_recovery_truncates_damage(broker)
        except SystemExit:
            print(broker.read_log()[-3000:], file=sys.stderr)
            raise
        finally:
            if broker.proc.poll() is None:
                broker.stop(signal.SIGTERM)
    print("broker_groups_test: ok")


if __name__ == "__main__":
    main()
