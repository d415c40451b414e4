"""evpipe group list|describe|reset-offsets|delete against a real broker
(issue 13 item 1): the lag per partition, the JSON shape, dry-run versus
--execute, refusal while the group has members, and the one-line errors.

EVPIPE_TEST_BROKER=kafka runs the same tests against the broker at
KAFKA_BOOTSTRAP (Apache Kafka, started by tests/support/with_kafka.py)."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import types
import unittest

from kafka_support import EVPIPE, BrokerTest, evpipe, free_port

if os.environ.get("EVPIPE_TEST_BROKER") == "kafka":
    class Base(unittest.TestCase):
        """The broker someone else started (KAFKA_BOOTSTRAP), and a temp dir."""

        @classmethod
        def setUpClass(cls):
            cls.tmp = tempfile.mkdtemp(prefix="evpipe-groups-kafka-")
            cls.broker = types.SimpleNamespace(bootstrap=os.environ["KAFKA_BOOTSTRAP"])
            print(f"broker=kafka {cls.broker.bootstrap} tmp={cls.tmp}", flush=True)

        @classmethod
        def tearDownClass(cls):
            shutil.rmtree(cls.tmp, ignore_errors=True)

        def path(self, name):
            return os.path.join(self.tmp, name)
else:
    Base = BrokerTest


class GroupTest(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.b = cls.broker.bootstrap
        evpipe("topic", "create", "-b", cls.b, "-t", "gt", "-p", "3")
        path = cls.path(cls, "gt.ndjson")
        with open(path, "wb") as f:
            f.write(b"".join(b'{"n":"k%d"}\n' % i for i in range(300)))
        evpipe("produce", "-b", cls.b, "-t", "gt", "--key-field", "n", "--from", path)
        cls.ends = {}
        for p in range(3):
            out = evpipe("consume", "-b", cls.b, "-t", "gt", "-p", str(p), "--from-beginning", "-e").stdout
            cls.ends[p] = len(out.splitlines())
        assert sum(cls.ends.values()) == 300, cls.ends

    def describe(self, group):
        return json.loads(evpipe("group", "describe", "-b", self.b, group, "--json").stdout)

    def member(self, group):
        """A consumer that stays in the group, reading from the end (so it commits nothing)."""
        env = dict(os.environ, EVPIPE_PROGRESS="0")
        proc = subprocess.Popen([EVPIPE, "consume", "-b", self.b, "-t", "gt", "--group", group],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.addCleanup(lambda: (proc.poll() is None and proc.terminate(), proc.wait(timeout=20)))
        deadline = time.time() + 20
        d = None
        while time.time() < deadline:
            r = evpipe("group", "describe", "-b", self.b, group, "--json", check=False)
            d = json.loads(r.stdout) if r.returncode == 0 else None  # NotFound until it has joined
            if d and d["state"] == "Stable" and d["members"] and d["partitions"]:
                return proc, d
            time.sleep(0.2)
        self.fail(f"group {group} never became Stable with a member: {d}")

    def test_describe_after_a_partial_read_shows_the_lag(self):
        evpipe("consume", "-b", self.b, "-t", "gt", "--group", "half", "-p", "1", "--from-beginning", "-e")
        d = self.describe("half")
        self.assertEqual(set(d), {"group", "state", "assignor", "coordinator", "members", "partitions", "total_lag"})
        self.assertEqual(d["group"], "half")
        self.assertEqual(d["state"], "Empty")
        self.assertEqual(d["members"], [])
        self.assertEqual(len(d["partitions"]), 1)
        p = d["partitions"][0]
        self.assertEqual(set(p), {"topic", "partition", "committed", "log_start", "log_end", "lag",
                                  "lag_from_log_start", "member_id", "client_id", "host"})
        self.assertEqual((p["topic"], p["partition"], p["committed"], p["log_end"], p["lag"]),
                         ("gt", 1, self.ends[1], self.ends[1], 0))
        # Move it back by 7 and the lag is 7.
        evpipe("group", "reset-offsets", "-b", self.b, "half", "-t", "gt", "--shift-by", "-7", "--execute")
        d = self.describe("half")
        lags = {p["partition"]: p["lag"] for p in d["partitions"]}
        self.assertEqual(lags[1], 7)
        self.assertEqual(d["total_lag"], sum(lags.values()))
        table = evpipe("group", "describe", "-b", self.b, "half").stdout.decode()
        self.assertIn("TOTAL-LAG", table)
        self.assertRegex(table, r"gt\s+1\s+%d\s+0\s+%d\s+7\s" % (self.ends[1] - 7, self.ends[1]))

    def test_list_shows_groups_with_state_and_members(self):
        evpipe("consume", "-b", self.b, "-t", "gt", "--group", "listed", "--from-beginning", "-e")
        proc, _ = self.member("busy")
        groups = {g["group"]: g for g in json.loads(evpipe("group", "list", "-b", self.b, "--json").stdout)}
        self.assertEqual((groups["listed"]["state"], groups["listed"]["members"]), ("Empty", 0))
        self.assertEqual((groups["busy"]["state"], groups["busy"]["members"]), ("Stable", 1))
        table = evpipe("group", "list", "-b", self.b).stdout.decode()
        self.assertRegex(table, r"(?m)^GROUP\s+STATE\s+PROTOCOL\s+MEMBERS$")
        self.assertRegex(table, r"(?m)^busy\s+Stable\s+consumer\s+1$")

    def test_member_without_commit_lag_from_log_start_and_reset_refused(self):
        proc, d = self.member("live")
        self.assertEqual(len(d["members"]), 1)
        m = d["members"][0]
        self.assertTrue(m["member_id"] and m["client_id"] and m["host"])
        self.assertEqual(sorted(a["partition"] for a in m["assignment"]), [0, 1, 2])
        for p in d["partitions"]:
            self.assertIsNone(p["committed"])
            self.assertTrue(p["lag_from_log_start"])
            self.assertEqual(p["lag"], p["log_end"] - p["log_start"])
            self.assertEqual(p["member_id"], m["member_id"])
        self.assertEqual(d["total_lag"], 300)
        table = evpipe("group", "describe", "-b", self.b, "live").stdout.decode()
        self.assertIn("lag counted from the log start", table)
        r = evpipe("group", "reset-offsets", "-b", self.b, "live", "-t", "gt", "--to-earliest", "--execute",
                   check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        err = r.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("has 1 member(s)", err)
        self.assertIn("stop its consumers first", err)

    def test_reset_is_a_dry_run_unless_execute(self):
        evpipe("consume", "-b", self.b, "-t", "gt", "--group", "rs", "--from-beginning", "-e")
        before = self.describe("rs")
        r = evpipe("group", "reset-offsets", "-b", self.b, "rs", "-t", "gt", "--to-earliest")
        self.assertIn("dry run", r.stderr.decode())
        self.assertEqual(self.describe("rs")["partitions"], before["partitions"], "a dry run changes nothing")
        plan = json.loads(evpipe("group", "reset-offsets", "-b", self.b, "rs", "-t", "gt", "--to-offset", "5",
                                 "--json").stdout)
        self.assertFalse(plan["executed"])
        self.assertEqual({p["partition"]: p["target"] for p in plan["partitions"]}, {0: 5, 1: 5, 2: 5})
        self.assertEqual({p["partition"]: p["current"] for p in plan["partitions"]}, self.ends)
        evpipe("group", "reset-offsets", "-b", self.b, "rs", "-t", "gt", "--to-earliest", "--execute")
        after = self.describe("rs")
        self.assertEqual({p["partition"]: p["committed"] for p in after["partitions"]}, {0: 0, 1: 0, 2: 0})
        self.assertEqual(after["total_lag"], 300)
        # The consumer group now reads everything again.
        again = evpipe("consume", "-b", self.b, "-t", "gt", "--group", "rs", "-e").stdout
        self.assertEqual(len(again.splitlines()), 300)
        # Offsets past the end clamp to the end; a time in the future means the end too.
        plan = json.loads(evpipe("group", "reset-offsets", "-b", self.b, "rs", "-t", "gt", "--to-offset",
                                 "999999", "--json").stdout)
        self.assertEqual({p["partition"]: p["target"] for p in plan["partitions"]}, self.ends)
        plan = json.loads(evpipe("group", "reset-offsets", "-b", self.b, "rs", "-t", "gt", "--to-datetime",
                                 "2999-01-01T00:00:00Z", "--json").stdout)
        self.assertEqual({p["partition"]: p["target"] for p in plan["partitions"]}, self.ends)
        plan = json.loads(evpipe("group", "reset-offsets", "-b", self.b, "rs", "-t", "gt", "--to-datetime",
                                 "2000-01-01", "--json").stdout)
        self.assertEqual({p["partition"]: p["target"] for p in plan["partitions"]}, {0: 0, 1: 0, 2: 0})

    def test_delete_refused_with_members_then_forgets_the_offsets(self):
        proc, _ = self.member("del")
        r = evpipe("group", "delete", "-b", self.b, "del", check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("still has members", r.stderr.decode())
        proc.terminate()
        proc.wait(timeout=20)
        evpipe("consume", "-b", self.b, "-t", "gt", "--group", "del", "--from-beginning", "-e")
        self.assertEqual(self.describe("del")["total_lag"], 0)
        out = evpipe("group", "delete", "-b", self.b, "del").stdout.decode()
        self.assertIn("deleted group del", out)
        r = evpipe("group", "describe", "-b", self.b, "del", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no consumer group del", r.stderr.decode())
        self.assertNotIn("del", [g["group"] for g in json.loads(evpipe("group", "list", "-b", self.b,
                                                                       "--json").stdout)])
        r = evpipe("group", "delete", "-b", self.b, "del", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no consumer group del", r.stderr.decode())
        # A new consumer in the deleted group starts afresh (everything again).
        again = evpipe("consume", "-b", self.b, "-t", "gt", "--group", "del", "--from-beginning", "-e").stdout
        self.assertEqual(len(again.splitlines()), 300)

    def test_bad_input_one_line_errors(self):
        cases = [
            (["group", "describe", "-b", self.b, "nosuch"], 1, "no consumer group nosuch"),
            (["group", "reset-offsets", "-b", self.b, "x", "-t", "gt"], 2, "exactly one of"),
            (["group", "reset-offsets", "-b", self.b, "x", "-t", "gt", "--to-earliest", "--to-latest"], 2,
             "exactly one of"),
            (["group", "reset-offsets", "-b", self.b, "x", "-t", "gt", "--to-datetime", "yesterday"], 2,
             "--to-datetime yesterday"),
            (["group", "reset-offsets", "-b", self.b, "x", "-t", "nosuch", "--to-earliest"], 1,
             "topic nosuch does not exist"),
            (["group", "list", "-b", f"127.0.0.1:{free_port()}", "--connect-timeout", "1"], 1,
             "cannot reach a Kafka broker"),
        ]
        for args, code, text in cases:
            with self.subTest(args=args):
                r = evpipe(*args, check=False, timeout=30)
                err = r.stderr.decode()
                self.assertEqual(r.returncode, code, err)
                self.assertIn(text, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
