"""The first hour without friction (issue 13 item 4), each a regression test
against a real `evpipe broker`: explicit flags beat the environment, topic
delete and --json, consume past the end and its output formats, typos."""
import json
import os
import unittest

import pty
import re
import select
import subprocess
import time

from kafka_support import BUILD_DIR, EVPIPE, SOURCE_DIR, BrokerTest, evpipe, free_port, run


def evpipe_env(*args, env, **kw):
    """evpipe with extra environment variables on top of ours."""
    return run([EVPIPE, *args], env=dict(os.environ, EVPIPE_PROGRESS="0", **env), **kw)


class TopicFlagsTest(BrokerTest):
    def test_explicit_bootstrap_and_topic_beat_the_environment(self):
        # Regression: one shared flags struct let KAFKA_BOOTSTRAP / TOPIC of the
        # environment overwrite the explicit flags of topic create and list.
        env = {"KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}", "TOPIC": "from-env"}
        b = self.broker.bootstrap
        out = evpipe_env("topic", "create", "-b", b, "--topic", "from-flag", "-p", "2", env=env,
                     timeout=30).stdout.decode()
        self.assertIn("created topic from-flag: 2 partitions", out)
        topics = {t["topic"]: t for t in json.loads(evpipe_env("topic", "list", "-b", b, "--json", env=env,
                                                            timeout=30).stdout)}
        self.assertIn("from-flag", topics)
        self.assertNotIn("from-env", topics)
        self.assertEqual(topics["from-flag"]["partitions"], 2)
        d = json.loads(evpipe_env("topic", "describe", "-b", b, "from-flag", "--json", env=env, timeout=30).stdout)
        self.assertEqual(d["topic"], "from-flag")
        self.assertEqual([p["partition"] for p in d["partitions"]], [0, 1])
        self.assertTrue(all(p["log_start"] == 0 and p["log_end"] == 0 for p in d["partitions"]))
        self.assertIn("retention.ms", {c["name"] for c in d["configs"]})

    def test_topic_delete(self):
        b = self.broker.bootstrap
        self.create_topic("doomed", partitions=1)
        # No TOPIC fallback for delete: a bare `topic delete` deletes nothing.
        r = evpipe_env("topic", "delete", "-b", b, env={"TOPIC": "doomed"}, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("name the topic to delete", r.stderr.decode())
        self.assertIn("deleted topic doomed", evpipe("topic", "delete", "-b", b, "doomed").stdout.decode())
        names = [t["topic"] for t in json.loads(evpipe("topic", "list", "-b", b, "--json").stdout)]
        self.assertNotIn("doomed", names)
        r = evpipe("topic", "delete", "-b", b, "doomed", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("topic doomed does not exist", r.stderr.decode())


class ConsumeTest(BrokerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.b = cls.broker.bootstrap
        path = cls.path(cls, "c.ndjson")
        with open(path, "wb") as f:
            f.write(b"".join(b'{"order_id":"k%d","n":%d}\n' % (i % 7, i) for i in range(40)))
        evpipe("topic", "create", "-b", cls.b, "-t", "ct", "-p", "1")
        evpipe("produce", "-b", cls.b, "-t", "ct", "--from", path)

    def test_offset_past_the_end_fails_instead_of_printing_everything(self):
        r = evpipe("consume", "-b", self.b, "-t", "ct", "-p", "0", "-o", "999999", "-e", check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"", "regression: it printed the whole partition from offset 0")
        self.assertIn("offset 999999 is past the end of ct/0 (40)", r.stderr.decode())
        # The end itself is fine (nothing to print), and so is the last offset.
        self.assertEqual(evpipe("consume", "-b", self.b, "-t", "ct", "-p", "0", "-o", "40", "-e").stdout, b"")
        self.assertEqual(len(evpipe("consume", "-b", self.b, "-t", "ct", "-p", "0", "-o", "39",
                                    "-e").stdout.splitlines()), 1)

    def test_template_format_key_partition_offset(self):
        out = evpipe("consume", "-b", self.b, "-t", "ct", "--from-beginning", "-e", "-f",
                     "%p %o %k\\t%s").stdout.decode().splitlines()
        self.assertEqual(len(out), 40)
        self.assertEqual(out[0], '0 0 k0\t{"order_id":"k0","n":0}')
        self.assertEqual(out[39], '0 39 k4\t{"order_id":"k4","n":39}')
        r = evpipe("consume", "-b", self.b, "-t", "ct", "-e", "-f", "xml", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format xml", r.stderr.decode())

    def test_caught_up_notice_once_on_a_terminal(self):
        master, slave = pty.openpty()
        env = dict(os.environ)
        env.pop("EVPIPE_PROGRESS", None)
        proc = subprocess.Popen([EVPIPE, "consume", "-b", self.b, "-t", "ct", "--from-beginning"],
                                stdout=subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        seen = b""
        try:
            deadline = time.time() + 30
            while time.time() < deadline and b"Ctrl-C" not in seen:
                ready, _, _ = select.select([master], [], [], 0.5)
                if ready:
                    seen += os.read(master, 4096)
            time.sleep(1.5)  # a second notice would come within this
            while select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)
        finally:
            proc.send_signal(2)
            out, _ = proc.communicate(timeout=30)
            os.close(master)
        text = seen.decode(errors="replace")
        self.assertEqual(text.count("caught up"), 1, text)
        self.assertIn("waiting for new records (Ctrl-C to stop)", text)
        self.assertEqual(len(out.splitlines()), 40, "the notice is on stderr, the records on stdout")


class ReconcileTest(unittest.TestCase):
    """reconcile over `evpipe gen` output (no broker needed for most of it)."""

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="evpipe-reconcile-")
        self.gen = os.path.join(self.tmp, "gen")
        self.pq = os.path.join(self.tmp, "parquet")
        self.q = os.path.join(self.tmp, "quarantine")
        evpipe("gen", "--orders", "300", "--seed", "7", "--topic", "rt", "--gen-dir", self.gen)
        self.convert = evpipe("raw-to-parquet", "--all", "--topic", "rt", "--raw-dir", self.gen, "--parquet-dir",
                              self.pq, "--quarantine-dir", self.q)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def reconcile(self, *args, check=False):
        return evpipe("reconcile", "--topic", "rt", "--source", "gen", "--raw-dir", self.gen, "--parquet-dir",
                      self.pq, "--quarantine-dir", self.q, *args, check=check)

    def test_raw_to_parquet_all_ends_with_a_total_and_a_query(self):
        out = self.convert.stdout.decode().splitlines()
        total = [l for l in out if l.startswith("total: ")]
        self.assertEqual(len(total), 1, out)
        rows_out = sum(int(re.search(r"rows out (\d+)", l).group(1)) for l in out if re.match(r"\d{4}-", l))
        self.assertIn(f"rows out {rows_out},", total[0])
        self.assertRegex(out[0], r"^\d{4}-\d\d-\d\d: rows in \d+, .* (\d+(\.\d)? [kM]?B), [\d.]+ s, [\d.]+[kM]? rows/s$")
        self.assertIn("make query", self.convert.stderr.decode())
        self.assertIn("/rt/*/*.parquet", self.convert.stderr.decode())

    def test_defaults_to_the_recorded_run_and_json(self):
        r = self.reconcile("--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = json.loads(r.stdout)
        self.assertTrue(d["balanced"])
        self.assertEqual(d["unbalanced"], 0)
        self.assertFalse(d["topic_read"])
        self.assertGreater(d["total"]["made"], 300)
        self.assertEqual(d["total"]["made"], d["total"]["parquet_rows"] + d["total"]["duplicates_removed"] +
                         d["total"]["quarantined"])
        self.assertEqual({"date", "made", "topic", "raw_lines", "parquet_rows", "balanced"} - set(d["dates"][0]),
                         set())

    def test_every_date_mismatching_names_the_flags_that_differ(self):
        r = self.reconcile("--orders", "100", "--seed", "7")
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("every date mismatches: the gen run recorded --orders 300", err)
        self.assertNotIn("--seed", err.split("recorded", 1)[1])

    def test_broker_down_falls_back_to_no_topic_column(self):
        r = evpipe("reconcile", "--topic", "rt", "--raw-dir", self.gen, "--parquet-dir", self.pq,
                   "--quarantine-dir", self.q, "-b", f"127.0.0.1:{free_port()}", "--connect-timeout", "1",
                   "--json", check=False, timeout=60)
        d = json.loads(r.stdout)
        self.assertFalse(d["topic_read"])
        self.assertIsNone(d["total"]["topic"])
        self.assertIn("cannot reach a Kafka broker", d["topic_warning"])
        self.assertIn("warning: topic column n/a", r.stderr.decode())


class PsJsonTest(unittest.TestCase):
    def test_ps_json_when_nothing_runs(self):
        import tempfile
        with tempfile.TemporaryDirectory(prefix="evpipe-ps-") as tmp:
            r = evpipe("ps", "--json", "--broker", "embedded", "--run-dir", tmp, "--data-dir", tmp,
                       "--listen", f"127.0.0.1:{free_port()}", "--admin-listen", f"127.0.0.1:{free_port()}",
                       check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        d = json.loads(r.stdout)
        self.assertEqual((d["running"], d["ready"], d["exit_code"]), (False, False, 1))
        self.assertIn("not running", d["message"])


class TyposTest(unittest.TestCase):
    def check(self, args, expected):
        r = evpipe(*args, check=False)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 2, err)
        self.assertEqual(err, expected)
        self.assertEqual(r.stdout, b"")

    def test_unknown_flag_did_you_mean(self):
        self.check(["produce", "--order", "10"], "evpipe: unknown flag --order for `evpipe produce`; did you mean "
                   "--orders? (see 'evpipe produce --help')\n")
        self.check(["consume", "--frm-beginning"], "evpipe: unknown flag --frm-beginning for `evpipe consume`; "
                   "did you mean --from-beginning? (see 'evpipe consume --help')\n")
        self.check(["topic", "list", "--zzzzzzzz"], "evpipe: unknown flag --zzzzzzzz for `evpipe topic list` "
                   "(see 'evpipe topic list --help')\n")

    def test_unknown_command_did_you_mean(self):
        self.check(["produse"], "evpipe: unknown command 'produse' for `evpipe`; did you mean 'produce'? "
                   "(see 'evpipe --help')\n")
        self.check(["topic", "crate"], "evpipe: unknown command 'crate' for `evpipe topic`; did you mean 'create'? "
                   "(see 'evpipe topic --help')\n")
        self.check(["group"], "evpipe: `evpipe group` needs a command: list, describe, reset-offsets, delete "
                   "(see 'evpipe group --help')\n")


class BuildNoiseTest(unittest.TestCase):
    def test_an_up_to_date_build_prints_nothing(self):
        # Regression: every make target printed ninja's "[0/2] Re-checking globbed
        # directories..." and "ninja: no work to do." on stdout (`make consume > file`).
        p = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "build.sh"), BUILD_DIR], capture_output=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((p.stdout, p.stderr), (b"", b""))

    def test_a_failing_build_reports_on_stderr_only(self):
        p = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "build.sh"), "/nonexistent-evpipe-build"],
                           capture_output=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stdout, b"")
        self.assertNotEqual(p.stderr, b"")


if __name__ == "__main__":
    unittest.main(verbosity=2)
