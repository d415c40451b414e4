"""Scaling out, run (issue 10 item 3): a 3-node Apache Kafka cluster
(replication factor 3, min.insync.replicas 2), the idempotent acks=all
producer, and two `sink-raw` processes sharing one group and one RAW_DIR.
Mid-run the leader of partition 0 is SIGKILLed and restarted, and one sink is
SIGKILLed and restarted. Afterwards the raw lines equal the topic (read by
kcat) as a multiset, every offset of every partition landed in exactly one
raw file, and `evpipe reconcile` balances."""
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from kafka_support import EVPIPE, evpipe, run

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
import kafka_peer  # noqa: E402

OK, WHY = kafka_peer.available()
SEED = int(os.environ.get("EVPIPE_TEST_SEED", "20260210"))
ORDERS = int(os.environ.get("CLUSTER_ORDERS", "6000"))
TOPIC = "orders-rf3"
GROUP = "raw-sink-rf3"
NAME = re.compile(r"^part-p(\d+)-(\d+)-(\d+)\.ndjson$")


class Sink:
    """One `evpipe sink-raw` child; stderr appended to a log shared by its restarts."""

    def __init__(self, bootstrap, raw, q, log, *extra):
        self.log_path = log
        with open(log, "ab") as f:
            self.start = f.tell()
            self.proc = subprocess.Popen(
                [EVPIPE, "sink-raw", "-b", bootstrap, "-t", TOPIC, "-g", GROUP, "--raw-dir", raw,
                 "--quarantine-dir", q, "--roll-max-bytes", "40000", "--roll-max-seconds", "1",
                 "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", "-X", "log_level=3", *extra],
                stdout=subprocess.DEVNULL, stderr=f, env=dict(os.environ, EVPIPE_PROGRESS="0"))

    def text(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.start)
            return f.read().decode(errors="replace")

    def wait_for(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if needle in self.text():
                return True
            time.sleep(0.1)
        return needle in self.text()

    def stop(self, sig=signal.SIGTERM, timeout=120):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def raw_files(raw_dir):
    """{(partition, first, last): lines} of every visible raw file."""
    out = {}
    for root, _, names in os.walk(os.path.join(raw_dir, TOPIC)):
        for name in names:
            m = NAME.match(name)
            if name.startswith(".") or not m:
                continue
            with open(os.path.join(root, name), "rb") as f:
                out[(int(m.group(1)), int(m.group(2)), int(m.group(3)))] = f.read().splitlines()
    return out


@unittest.skipUnless(OK, WHY)
class ClusterFailoverTest(unittest.TestCase):
    def test_leader_and_sink_killed_mid_run_every_offset_once(self):
        tmp = tempfile.mkdtemp(prefix="evpipe-kafka-cluster-")
        sinks = []
        producer = None
        cluster = kafka_peer.KafkaCluster(os.path.join(tmp, "kafka"), n=3,
                                          extra_config={"auto.create.topics.enable": "false"})
        try:
            t0 = time.monotonic()
            cluster.start_all()
            print(f"seed={SEED} orders={ORDERS} 3 nodes ready in {time.monotonic() - t0:.1f} s "
                  f"at {cluster.bootstrap} tmp={tmp}", flush=True)
            bootstrap = cluster.bootstrap
            evpipe("topic", "create", "-b", bootstrap, "-t", TOPIC, "-p", "3", "--replication", "3")
            raw, q, pq = (os.path.join(tmp, d) for d in ("raw", "quarantine", "parquet"))
            log = os.path.join(tmp, "sinks.log")
            sinks = [Sink(bootstrap, raw, q, log), Sink(bootstrap, raw, q, log)]
            # Paced, so that both kills land while records still flow.
            producer = subprocess.Popen(
                [EVPIPE, "produce", "-b", bootstrap, "-t", TOPIC, "--orders", str(ORDERS), "--seed", str(SEED),
                 "--rate", "1500"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env=dict(os.environ, EVPIPE_PROGRESS="0"))
            time.sleep(3)

            leader = cluster.leader_of(TOPIC, 0)
            cluster.kill(leader)
            print(f"killed node {leader}, the leader of {TOPIC}/0", flush=True)
            time.sleep(2)
            self.assertIsNone(producer.poll(), "the producer still runs while a node is down")
            sinks[0].stop(signal.SIGKILL)
            print("killed sink 0", flush=True)
            cluster.start(leader)
            print(f"node {leader} back", flush=True)
            sinks[0] = Sink(bootstrap, raw, q, log)
            # Started and in the group again (else SIGTERM below could land before its handler is set).
            self.assertTrue(sinks[0].wait_for("assigned partition", 120), sinks[0].text()[-2000:])

            _, err = producer.communicate(timeout=300)
            self.assertEqual(producer.returncode, 0, err.decode(errors="replace"))
            produced = re.search(r"produce: (\d+) records, .* (\d+) delivered", err.decode())
            self.assertIsNotNone(produced, err)
            n = int(produced.group(1))
            self.assertEqual(int(produced.group(2)), n)
            self.assertIsNone(sinks[1].proc.poll(), "the surviving sink still runs")

            # Both sinks finish what they hold (SIGTERM publishes and commits);
            # one more run of the group lands whatever is left, then exits.
            for s in sinks:
                self.assertEqual(s.stop(), 0, s.text()[-2000:])
            final = Sink(bootstrap, raw, q, log, "--exit-at-end")
            sinks.append(final)
            self.assertEqual(final.proc.wait(timeout=240), 0, final.text()[-2000:])

            read = run(["kcat", "-C", "-b", bootstrap, "-t", TOPIC, "-o", "beginning", "-e", "-f", "%p %o %s\n"],
                       timeout=120)
            topic = read.stdout.splitlines()
            self.assertEqual(len(topic), n, "kcat reads every delivered record: " + read.stderr.decode()[-2000:])
            files = raw_files(raw)
            landed = [line for lines in files.values() for line in lines]
            want = collections.Counter(line.split(b" ", 2)[2] for line in topic)
            got = collections.Counter(landed)
            self.assertEqual(sum((want - got).values()), 0, "records lost")
            self.assertEqual(sum((got - want).values()), 0, "records landed twice")
            # Every offset of each partition in exactly one file, no gap, no overlap.
            end = collections.Counter()
            for line in topic:
                p, o, _ = line.split(b" ", 2)
                end[int(p)] = max(end[int(p)], int(o) + 1)
            for p in range(3):
                ranges = sorted((a, b) for (pp, a, b) in files if pp == p)
                expect = 0
                for a, b in ranges:
                    self.assertEqual(a, expect, f"partition {p}: offsets {expect}..{a - 1} missing or overlapping")
                    expect = b + 1
                self.assertEqual(expect, end[p], f"partition {p}: ends at {expect}, topic at {end[p]}")

            evpipe("raw-to-parquet", "--all", "--topic", TOPIC, "--raw-dir", raw, "--parquet-dir", pq,
                   "--quarantine-dir", q, timeout=300)
            rec = evpipe("reconcile", "--bootstrap", bootstrap, "--topic", TOPIC, "--orders", str(ORDERS),
                         "--seed", str(SEED), "--raw-dir", raw, "--parquet-dir", pq, "--quarantine-dir", q,
                         check=False, timeout=120)
            self.assertEqual(rec.returncode, 0, rec.stdout.decode() + rec.stderr.decode())
            self.assertIn(b"every date balances", rec.stderr)
            print(f"{n} records, {len(files)} raw files, reconcile balances, "
                  f"{time.monotonic() - t0:.1f} s in all", flush=True)
        finally:
            if producer and producer.poll() is None:
                producer.kill()
                producer.wait()
            for s in sinks:
                if s.proc.poll() is None:
                    s.proc.kill()
                    s.proc.wait()
            cluster.stop()
            if not os.environ.get("EVPIPE_KEEP_TMP"):
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
