"""The make targets as a user types them (issue 4, issue 10): make up, health,
ps, topic, produce, consume, sink-raw, raw-to-parquet-all, reconcile, down, on
the broker of EVPIPE_TEST_BROKER (BROKER=embedded or BROKER=kafka) with a data
dir and ports of its own (so it never clashes with a broker on 9092)."""
import collections
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from kafka_support import BUILD_DIR, EVPIPE, SOURCE_DIR, TEST_BROKER, evpipe, free_port


class MakeFlowTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="evpipe-kafka-make-")
        port, admin = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{port}"
        self.env = dict(os.environ, BROKER=TEST_BROKER, EVPIPE_PROGRESS="0",
                        BROKER_DATA_DIR=os.path.join(self.tmp, "broker"),
                        BROKER_RUN_DIR=os.path.join(self.tmp, "run"),
                        BROKER_LISTEN=self.bootstrap, BROKER_ADMIN_LISTEN=f"127.0.0.1:{admin}",
                        KAFKA_CONTROLLER_LISTEN=f"127.0.0.1:{free_port()}",
                        KAFKA_BOOTSTRAP=self.bootstrap, TOPIC="make-events",
                        RAW_DIR=os.path.join(self.tmp, "raw"), PARQUET_DIR=os.path.join(self.tmp, "parquet"),
                        QUARANTINE_DIR=os.path.join(self.tmp, "quarantine"))
        self.env.pop("MAKEFLAGS", None)
        print(f"broker={self.bootstrap} tmp={self.tmp}", flush=True)

    def tearDown(self):
        self.make("down", check=False)
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def make(self, *args, check=True):
        # -o build: the test runs on the binary ctest built (no rebuild from inside a test).
        p = subprocess.run(["make", "--no-print-directory", "-s", "-C", SOURCE_DIR, "-o", "build",
                            f"BUILD_DIR={BUILD_DIR}", *args], env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=180)
        if check and p.returncode != 0:
            raise AssertionError(f"make {args} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        return p

    def test_up_topic_produce_consume_down(self):
        self.assertNotEqual(self.make("health", check=False).returncode, 0, "nothing runs yet")
        up = self.make("up")
        self.assertIn(f"{TEST_BROKER} broker up".encode(), up.stdout)
        again = self.make("up")
        self.assertIn(b"already running", again.stdout, "starting twice says so, exit 0")
        self.make("health")
        self.assertIn(b"running, ready", self.make("ps").stdout)
        self.make("topic", "PARTITIONS=3")
        self.assertRegex(self.make("topics").stdout.decode(), r"make-events\s+3\s+1")
        produced = self.make("produce", "N_ORDERS=5000").stderr.decode()
        m = re.search(r"produce: (\d+) records, .* (\d+) delivered", produced)
        self.assertIsNotNone(m, produced)
        n = int(m.group(1))
        self.assertGreater(n, 5000, "5000 orders make more events than that")
        self.assertEqual(int(m.group(2)), n)
        values = self.make("consume", "EXIT_AT_END=1").stdout.splitlines()
        self.assertEqual(len(values), n)
        # The same records with their partitions: one partition per order, and
        # in produce order (the simulator streams in ingest_time order).
        records = [json.loads(l) for l in evpipe("consume", "-b", self.bootstrap, "-t", "make-events",
                                                 "--from-beginning", "-e", "--format", "json").stdout.splitlines()]
        self.assertEqual(collections.Counter(r["value"].encode() for r in records), collections.Counter(values))
        partition_of = {}
        last_ingest = collections.defaultdict(str)
        ids = collections.Counter()
        for r in sorted(records, key=lambda r: (r["partition"], r["offset"])):
            try:
                event = json.loads(r["value"])
                oid = event["payload"]["order_id"]
                ingest = event["ingest_time"]
            except (ValueError, KeyError, TypeError):
                continue  # a poison line (none with the default options)
            ids[event["event_id"]] += 1
            self.assertEqual(r["key"], oid)
            self.assertEqual(partition_of.setdefault(oid, r["partition"]), r["partition"], oid)
            if ids[event["event_id"]] > 1:
                continue  # a re-delivered duplicate carries its original's (earlier) ingest_time
            self.assertGreaterEqual(ingest, last_ingest[r["partition"]], "produce order within a partition")
            last_ingest[r["partition"]] = ingest
        self.assertGreater(len(ids), 0)
        # The rest of the README's flow: land, compact, reconcile.
        self.make("sink-raw", "EXIT_AT_END=1")
        self.make("raw-to-parquet-all")
        reconciled = self.make("reconcile", "N_ORDERS=5000")
        self.assertRegex(reconciled.stdout.decode(), rf"total\s+\d+\s+\d+\s+\d+\s+{n}\s+{n}\s",
                         "every record of the topic landed raw")
        self.assertIn(b"every date balances", reconciled.stderr)
        self.assertIn(b"stopped", self.make("down").stdout)
        self.assertIn(f"no {TEST_BROKER} broker running".encode(), self.make("down").stdout,
                      "stopping twice says so, exit 0")
        self.assertNotEqual(self.make("ps", check=False).returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
