"""The failure cases of issue 4: no broker, an unknown topic, a bad -X, a
missing key field, and the broker killed mid-produce and restarted."""
import collections
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

from kafka_support import BrokerTest, EVPIPE, evpipe, free_port, make_events, order_id, new_broker


class NoBrokerTest(unittest.TestCase):
    def test_clear_error_within_seconds(self):
        bootstrap = f"127.0.0.1:{free_port()}"
        with tempfile.NamedTemporaryFile() as f:
            f.write(b'{"payload":{"order_id":"o-1"}}\n')
            f.flush()
            for args in (["produce", "--from", f.name], ["consume", "-t", "events"], ["topic", "list"],
                         ["topic", "create", "-t", "x"]):
                # The timeout guards against a hang (librdkafka's own defaults are minutes).
                p = evpipe(*args, "-b", bootstrap, check=False, timeout=30)
                err = p.stderr.decode()
                self.assertEqual(p.returncode, 1, args)
                self.assertEqual(len(err.strip().splitlines()), 1, f"one line: {err}")
                self.assertIn(f"cannot reach a Kafka broker at {bootstrap}", err)
                self.assertIn("make up", err)


class BadInputTest(BrokerTest):
    def test_unknown_topic(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b'{"payload":{"order_id":"o-1"}}\n')
            f.flush()
            p = evpipe("produce", "-b", self.broker.bootstrap, "-t", "no-such-topic", "--from", f.name, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"topic no-such-topic does not exist", p.stderr)
        p = evpipe("consume", "-b", self.broker.bootstrap, "-t", "no-such-topic", "-e", check=False, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"topic no-such-topic does not exist", p.stderr)
        p = evpipe("topic", "describe", "-b", self.broker.bootstrap, "-t", "no-such-topic", check=False)
        self.assertEqual(p.returncode, 1)

    def test_bad_kafka_setting(self):
        for setting, why in (("no.such.key=1", b"No such configuration property"),
                             ("linger.ms=soon", b"linger.ms=soon"),
                             ("acks", b"expected key=value")):
            for cmd in (["produce", "--orders", "1"], ["consume", "-e"], ["topic", "list"]):
                p = evpipe(*cmd, "-b", self.broker.bootstrap, "-X", setting, check=False, timeout=30)
                self.assertEqual(p.returncode, 2, (cmd, setting))
                self.assertIn(why, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1)

    def test_missing_key_field_rule(self):
        self.create_topic("nokey")
        lines = [b'{"event_id":"a","payload":{"order_id":"o-1"}}', b'{"event_id":"b","payload":{}}',
                 b'{"order_id":"o-2","event_id":"c","payload":{"order_id":"ignored"}}', b"not json at all"]
        src = self.path("nokey.ndjson")
        with open(src, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        # Default rule: sent with a null key, counted, warned about.
        p = evpipe("produce", "-b", self.broker.bootstrap, "-t", "nokey", "--from", src)
        self.assertIn(b"2 records had no order_id field and were sent with a null key", p.stderr)
        records = {r["value"]: r for r in self.consume_json("nokey")}
        self.assertEqual(len(records), 4)
        self.assertEqual(records[lines[0].decode()]["key"], "o-1")
        self.assertIsNone(records[lines[1].decode()]["key"])
        self.assertEqual(records[lines[2].decode()]["key"], "o-2", "top level first")
        self.assertIsNone(records[lines[3].decode()]["key"])
        # --missing-key fail: stops at the first such line, names it, exit 1.
        p = evpipe("produce", "-b", self.broker.bootstrap, "-t", "nokey", "--from", src, "--missing-key", "fail",
                   check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"line 2: no key field order_id", p.stderr)

    def test_missing_key_fail_stops_the_reader_of_a_large_input(self):
        # ~20 MB: the reader thread is several 4 MiB blocks ahead, waiting to
        # hand over more, when the producing side stops at line 5000.
        self.create_topic("nokey-big")
        src = self.path("nokey-big.ndjson")
        pad = "x" * 600
        with open(src, "w") as f:
            for i in range(1, 30001):
                key = "" if i == 5000 else f'"order_id":"o-{i}",'
                f.write(f'{{{key}"event_id":"e-{i}","pad":"{pad}"}}\n')
        p = evpipe("produce", "-b", self.broker.bootstrap, "-t", "nokey-big", "--from", src, "--missing-key", "fail",
                   check=False, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"line 5000: no key field order_id", p.stderr)
        values = [r["value"] for r in self.consume_json("nokey-big")]
        self.assertEqual(len(values), 4999, "the lines before it are delivered, nothing after it")
        self.assertEqual(sorted(int(json.loads(v)["event_id"][2:]) for v in values), list(range(1, 5000)))


class BrokerRestartTest(unittest.TestCase):
    def test_broker_killed_mid_produce_nothing_lost_nothing_twice(self):
        tmp = tempfile.mkdtemp(prefix="evpipe-kafka-restart-")
        broker = new_broker(tmp).start()
        try:
            evpipe("topic", "create", "-b", broker.bootstrap, "-t", "restart", "-p", "3")
            lines = make_events(12000)
            src = os.path.join(tmp, "events.ndjson")
            with open(src, "wb") as f:
                f.write(b"\n".join(lines) + b"\n")
            # Paced so that the kill lands mid-run.
            env = dict(os.environ, EVPIPE_PROGRESS="0")
            producer = subprocess.Popen([EVPIPE, "produce", "-b", broker.bootstrap, "-t", "restart", "--from", src,
                                         "--rate", "8000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            time.sleep(1.5)
            self.assertIsNone(producer.poll(), "the producer is still running when the broker dies")
            broker.kill()
            time.sleep(1.0)
            broker.start()
            out, err = producer.communicate(timeout=120)
            self.assertEqual(producer.returncode, 0, err.decode())
            self.assertIn(f"{len(lines)} delivered".encode(), err)
            got = evpipe("consume", "-b", broker.bootstrap, "-t", "restart", "--from-beginning", "-e").stdout
            counts = collections.Counter(got.splitlines())
            self.assertEqual(set(counts), set(lines), "nothing lost")
            self.assertEqual(max(counts.values()), 1, "nothing twice")
        finally:
            broker.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
