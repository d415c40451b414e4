"""sink-raw as a process: SIGTERM finishes cleanly, --metrics-port serves
Prometheus text, a disk fault (through the file-system seam, armed by
EVPIPE_SINK_TEST_FAULT) fails with one clear line and commits nothing, and
`evpipe broker` killed and restarted under the sink loses nothing and repeats
nothing."""
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import sink_support
from sink_support import (EVPIPE, BROKER_BIN, SinkProcess, broker_built, check_exactly_once, kcat_topic, make_events,
                          produce, read_raw, start_broker)

SEED = int(os.environ.get("EVPIPE_TEST_SEED", "20260205"))


class SinkProcessTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="evpipe-sink-proc-")
        self.broker, kind = start_broker(self.tmp)
        print(f"seed={SEED} broker={kind} tmp={self.tmp}", flush=True)
        self.lines = make_events(400, seed=SEED)
        produce(self.broker.bootstrap, self.lines, self.tmp)
        self.raw = os.path.join(self.tmp, "raw")
        self.q = os.path.join(self.tmp, "quarantine")
        self.log = os.path.join(self.tmp, "sink.log")

    def tearDown(self):
        self.broker.stop()
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_sigterm_finishes_closes_commits_and_exits_zero(self):
        sink = SinkProcess(self.broker.bootstrap, self.raw, self.q, self.log, "--metrics-port", "0",
                           "--roll-max-seconds", "3600")
        self.assertTrue(sink.wait_for("assigned partition"))
        m, body = None, ""
        deadline = time.time() + 60
        while time.time() < deadline:
            m = re.search(r"metrics on http://127.0.0.1:(\d+)/metrics", sink.log_text())
            if m:
                body = urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/metrics", timeout=5).read().decode()
                got = re.search(r"^evpipe_sink_records_total (\d+)$", body, re.M)
                if got and int(got.group(1)) == len(self.lines):
                    break
            time.sleep(0.1)
        self.assertIsNotNone(m)
        self.assertIn(f'evpipe_sink_durable_offset{{topic="{sink_support.TOPIC}",partition="0"}}', body)
        self.assertIn("evpipe_sink_lag", body)
        # Everything is read, nothing is rolled yet (1 h roll age): SIGTERM must publish it.
        self.assertEqual(read_raw(self.raw)[0], [])
        sink.proc.send_signal(signal.SIGTERM)
        self.assertEqual(sink.wait(60), 0, sink.log_text()[-2000:])
        check_exactly_once(self, self.lines, self.raw, self.q)
        # A second run of the same group has nothing left to do.
        again = SinkProcess(self.broker.bootstrap, self.raw, self.q, self.log, "--exit-at-end")
        self.assertEqual(again.wait(60), 0)
        self.assertIn("done: 0 records", again.log_text())

    def test_disk_fault_one_clear_error_nonzero_exit_nothing_committed(self):
        for spec, text in (("sync:0:28", "No space left on device"), ("append:10:5", "Input/output error"),
                           ("sync:0:5", "Input/output error")):
            with self.subTest(spec=spec):
                raw = os.path.join(self.tmp, "raw-" + spec.replace(":", "_"))
                group = "fault-" + spec.replace(":", "_")
                sink = SinkProcess(self.broker.bootstrap, raw, self.q, self.log, "--exit-at-end", group=group,
                                   env={"EVPIPE_SINK_TEST_FAULT": spec})
                code = sink.wait(120)
                self.assertEqual(code, 1, sink.log_text()[-2000:])
                errors = [l for l in sink.log_text().splitlines() if "error" in l.lower() and "sink-raw" in l]
                self.assertEqual(len(errors), 1, errors)
                self.assertIn(text, errors[0])
                self.assertEqual(read_raw(raw)[1], [], "a file became visible despite the fault")
                # Nothing was committed: a healthy rerun of the same group lands every record once.
                rerun = SinkProcess(self.broker.bootstrap, raw, self.q, self.log, "--exit-at-end", group=group)
                self.assertEqual(rerun.wait(120), 0)
                self.assertIn(f"done: {len(self.lines)} records", rerun.log_text())
                check_exactly_once(self, self.lines, raw, self.q)

    @unittest.skipUnless(broker_built(), "needs `evpipe broker` (the mock cluster cannot restart with its data)")
    def test_broker_killed_and_restarted_under_the_sink(self):
        rng = random.Random(SEED)
        more = make_events(3000, seed=SEED + 1)
        sink = SinkProcess(self.broker.bootstrap, self.raw, self.q, self.log, "--roll-max-bytes", "20000",
                           "--roll-max-seconds", "1")
        self.assertTrue(sink.wait_for("assigned partition"))
        producer = subprocess.Popen([EVPIPE, "produce", "-b", self.broker.bootstrap, "-t", sink_support.TOPIC, "--from", "-"],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        producer.communicate(b"".join(l + b"\n" for l in more), timeout=300)
        for _ in range(3):
            time.sleep(rng.uniform(0.2, 1.0))
            self.broker.kill()
            time.sleep(rng.uniform(0.5, 2.0))
            self.broker.start()
        self.assertIsNone(sink.proc.poll(), "the sink died with the broker")
        sink.proc.send_signal(signal.SIGTERM)
        self.assertEqual(sink.wait(120), 0, sink.log_text()[-2000:])
        final = SinkProcess(self.broker.bootstrap, self.raw, self.q, self.log, "--exit-at-end")
        self.assertEqual(final.wait(180), 0, final.log_text()[-2000:])
        check_exactly_once(self, kcat_topic(self.broker.bootstrap), self.raw, self.q)


if __name__ == "__main__":
    unittest.main(verbosity=2)
