"""Delivery accounting under injected broker errors, through librdkafka's mock
cluster (tests/support/mock_cluster.cc): transient Produce errors are retried
without duplicates; permanent ones are counted and make produce fail."""
import collections
import os
import subprocess
import tempfile
import unittest

from kafka_support import BUILD_DIR, evpipe, make_events

MOCK = os.path.join(BUILD_DIR, "evpipe_mock_cluster")


class MockCluster:
    def __init__(self, *args):
        self.proc = subprocess.Popen([MOCK, *args], stdout=subprocess.PIPE)
        self.bootstrap = self.proc.stdout.readline().decode().strip()
        assert self.bootstrap, "mock cluster did not start"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class InjectedErrorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="evpipe-kafka-faults-")
        cls.lines = make_events(500)  # small: the mock keeps only a few MiB per partition
        cls.src = os.path.join(cls.tmp.name, "events.ndjson")
        with open(cls.src, "wb") as f:
            f.write(b"\n".join(cls.lines) + b"\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_transient_produce_errors_are_retried_once_each(self):
        # 7 = REQUEST_TIMED_OUT on the next 5 Produce requests.
        with MockCluster("--topic", "t:3", "--push-errors", "0:7:5") as mock:
            p = evpipe("produce", "-b", mock.bootstrap, "-t", "t", "--from", self.src)
            self.assertIn(f"{len(self.lines)} delivered".encode(), p.stderr)
            got = evpipe("consume", "-b", mock.bootstrap, "-t", "t", "--from-beginning", "-e").stdout
            self.assertEqual(collections.Counter(got.splitlines()), collections.Counter(self.lines))

    def test_permanent_produce_errors_fail_the_run_naming_the_count(self):
        # 10 = MESSAGE_TOO_LARGE on the next 2 Produce requests: those batches are lost.
        with MockCluster("--topic", "t:3", "--push-errors", "0:10:2") as mock:
            p = evpipe("produce", "-b", mock.bootstrap, "-t", "t", "--from", self.src, check=False)
            self.assertEqual(p.returncode, 1)
            err = p.stderr.decode()
            self.assertRegex(err, rf"evpipe produce: \d+ of {len(self.lines)} records were not delivered "
                                  r"\(first error: Broker: Message size too large\)")
            failed = int(err.split("evpipe produce: ")[1].split(" of ")[0])
            self.assertGreater(failed, 0)
            got = evpipe("consume", "-b", mock.bootstrap, "-t", "t", "--from-beginning", "-e").stdout
            self.assertEqual(len(got.splitlines()), len(self.lines) - failed, "the count is exact")


if __name__ == "__main__":
    unittest.main(verbosity=2)
