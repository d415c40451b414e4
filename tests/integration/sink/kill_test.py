"""sink-raw under SIGKILL: the sink runs as a child process and is killed at
seeded random moments, restarted each time, then finishes with --exit-at-end.
Every record of the topic (read back by kcat) must be in the raw files exactly
once, with no partial or hidden file visible. SINK_KILLS sets the number of
kills (make soak: 200); EVPIPE_TEST_SEED the seed."""
import os
import random
import shutil
import tempfile
import time
import unittest

from sink_support import (SinkProcess, check_exactly_once, kcat_topic, make_events, produce, read_raw,
                          start_broker)

SEED = int(os.environ.get("EVPIPE_TEST_SEED", str(int(time.time()) % 100000)))
KILLS = int(os.environ.get("SINK_KILLS", "20"))
ORDERS = int(os.environ.get("SINK_ORDERS", "3000"))

BAD = [b"{\"event_id\":", b"[1,2]", b"not json at all", b"{\"event_id\":\"x\",\"event_type\":\"a\"}"]


class KillAnywhereTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="evpipe-sink-kill-")
        self.broker, kind = start_broker(self.tmp)
        print(f"seed={SEED} kills={KILLS} orders={ORDERS} broker={kind} tmp={self.tmp}", flush=True)

    def tearDown(self):
        self.broker.stop()
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_every_record_exactly_once_after_random_kills(self):
        rng = random.Random(SEED)
        lines = make_events(ORDERS, seed=SEED)
        for b in BAD:  # bad records among the good ones
            lines.insert(rng.randrange(len(lines)), b)
        produce(self.broker.bootstrap, lines, self.tmp)
        topic = kcat_topic(self.broker.bootstrap)
        self.assertEqual(len(topic), len(lines))
        raw = os.path.join(self.tmp, "raw")
        q = os.path.join(self.tmp, "quarantine")
        log = os.path.join(self.tmp, "sink.log")
        good = set(topic) - set(BAD)
        for k in range(KILLS):
            # Small rolls so that kills land in every phase: writing, fsync, state, renames, commit.
            roll = rng.choice(["2000", "8000", "30000", "200000"])
            sink = SinkProcess(self.broker.bootstrap, raw, q, log, "--roll-max-bytes", roll,
                               "--roll-max-seconds", "1")
            self.assertTrue(sink.wait_for("assigned partition", 60) or sink.proc.poll() is not None,
                            "sink never got partitions")
            time.sleep(rng.uniform(0.0, 0.6))
            sink.kill()
            # Visible files are never partial, whatever the moment of the kill.
            got, _, _, bad = read_raw(raw)
            self.assertEqual(bad, [], f"kill {k}: partial or badly named file visible")
            self.assertTrue(all(l in good for l in got), f"kill {k}: a visible line that is not a record")
        print(f"after {KILLS} kills: {len(read_raw(raw)[0])} of {len(good)} lines landed", flush=True)
        final = SinkProcess(self.broker.bootstrap, raw, q, log, "--exit-at-end", "--roll-max-bytes", "30000")
        self.assertEqual(final.wait(timeout=240), 0, final.log_text()[-3000:])
        check_exactly_once(self, topic, raw, q, BAD)


if __name__ == "__main__":
    unittest.main(verbosity=2)
