"""The broker's and the sink's /metrics pass `promtool check metrics`
(Debian's prometheus package, installed by make deps), with label values
that need escaping (a consumer group named with a quote and a backslash) and
with the lint rules promtool applies (HELP, TYPE, counter names)."""
import os
import re
import shutil
import signal
import subprocess
import time
import unittest
import urllib.request

from kafka_support import EVPIPE, BrokerTest, evpipe

PROMTOOL = shutil.which("promtool")
WEIRD_GROUP = 'we"ird\\grp\nline'


def promtool_check(body):
    if PROMTOOL is None:
        raise AssertionError("promtool not found: run make deps (Debian package prometheus)")
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=body.encode(), capture_output=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def fetch(url):
    return urllib.request.urlopen(url, timeout=10).read().decode()


class MetricsTest(BrokerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.b = cls.broker.bootstrap
        path = cls.path(cls, "m.ndjson")
        with open(path, "wb") as f:
            f.write(b"".join(b'{"order_id":"o%d","n":%d}\n' % (i, i) for i in range(50)))
        evpipe("topic", "create", "-b", cls.b, "-t", "metered", "-p", "2")
        evpipe("produce", "-b", cls.b, "-t", "metered", "--from", path)
        # A group id may hold any bytes; the broker exports it as a label value.
        evpipe("consume", "-b", cls.b, "-t", "metered", "--group", WEIRD_GROUP, "--from-beginning", "-e")

    def test_broker_metrics_pass_promtool(self):
        body = fetch(f"http://127.0.0.1:{self.broker.admin_port}/metrics")
        self.assertIn("evpipe_broker", body)
        code, out = promtool_check(body)
        self.assertEqual(code, 0, f"promtool check metrics failed on the broker's /metrics:\n{out}")

    def test_sink_metrics_pass_promtool(self):
        log_path = self.path("sink.log")
        env = dict(os.environ, EVPIPE_PROGRESS="0")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [EVPIPE, "sink-raw", "-b", self.b, "-t", "metered", "--group", "metered-sink",
                 "--raw-dir", self.path("raw"), "--quarantine-dir", self.path("quarantine"),
                 "--metrics-port", "0", "--roll-max-seconds", "3600"], stdout=log, stderr=log, env=env)
        try:
            body = ""
            deadline = time.time() + 60
            while time.time() < deadline and proc.poll() is None:
                m = re.search(r"metrics on http://127.0.0.1:(\d+)/metrics", open(log_path, errors="replace").read())
                if m:
                    body = fetch(f"http://127.0.0.1:{m.group(1)}/metrics")
                    if 'partition="1"' in body:  # both partitions assigned
                        break
                time.sleep(0.2)
            self.assertIn("evpipe_sink", body, open(log_path, errors="replace").read()[-2000:])
            code, out = promtool_check(body)
            self.assertEqual(code, 0, f"promtool check metrics failed on the sink's /metrics:\n{out}")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


if __name__ == "__main__":
    unittest.main(verbosity=2)
