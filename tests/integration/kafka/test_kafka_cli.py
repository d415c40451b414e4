"""The first hour without friction (issue 13 item 4), each a regression test
against a real `evpipe broker`: explicit flags beat the environment, topic
delete and --json, consume past the end and its output formats, typos."""
import json
import os
import unittest

import subprocess

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
