"""The Apache Kafka test peer itself (tests/support/kafka_peer.py): a single
node starts, answers Metadata, keeps its data across a restart and leaves no
JVM behind; a taken port fails fast (the 3-node cluster is exercised by
tests/integration/kafka/test_kafka_cluster.py). Records
go in and out through kcat (librdkafka), a client we did not write."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
import kafka_peer  # noqa: E402

OK, WHY = kafka_peer.available()


def kcat(*args, input=None, timeout=60):
    p = subprocess.run(["kcat", *args], input=input, capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"kcat {args} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie counts as gone.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ", 1)[1][0] != "Z"


@unittest.skipUnless(OK, WHY)
class KafkaPeerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="evpipe-kafka-peer-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_single_node_restart_keeps_data_and_stops_by_pid(self):
        with kafka_peer.KafkaNode(os.path.join(self.tmp, "k")) as node:
            pid = node.pid
            self.assertTrue(alive(pid))
            lines = b"".join(b"record-%d\n" % i for i in range(100))
            kcat("-P", "-b", node.bootstrap, "-t", "peer-smoke", "-X", "acks=all", input=lines)
            md = kafka_peer.metadata(node.bootstrap, ["peer-smoke"])
            self.assertEqual(md["topics"]["peer-smoke"]["partitions"][0]["leader"], 1)
            node.restart()
            self.assertNotEqual(node.pid, pid)
            self.assertFalse(alive(pid))
            got = kcat("-C", "-b", node.bootstrap, "-t", "peer-smoke", "-e", "-q")
            self.assertEqual(got, lines)
            pid = node.pid
        self.assertFalse(alive(pid), "the JVM outlived the context manager")
        self.assertIsNone(node.pid)

    def test_taken_port_fails_fast_and_leaves_no_jvm(self):
        # Something else holds the port: the JVM cannot bind, and start()
        # must raise with the log, not hang or leave the JVM running.
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            node = kafka_peer.KafkaNode(os.path.join(self.tmp, "b"), port=holder.getsockname()[1])
            with self.assertRaises(RuntimeError) as raised:
                node.start(timeout=60)
            self.assertIn("exited", str(raised.exception))
            self.assertIsNone(node.pid)

    def test_unavailable_reason_names_make_deps(self):
        old = os.environ.get(kafka_peer.LIB_ENV)
        os.environ[kafka_peer.LIB_ENV] = self.tmp
        try:
            ok, why = kafka_peer._check_available()
        finally:
            if old is None:
                del os.environ[kafka_peer.LIB_ENV]
            else:
                os.environ[kafka_peer.LIB_ENV] = old
        self.assertFalse(ok)
        self.assertIn("make deps", why)


if __name__ == "__main__":
    unittest.main(verbosity=2)
