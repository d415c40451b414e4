"""`evpipe up|down|ps|health|logs` on both brokers we start (issue 10 item 1,
issue 13 item 4): BROKER=kafka runs Apache Kafka from the jars `make deps`
fetched; without our pid file ps/down/health still probe the configured
addresses; `up` on a taken port names the holder; a crashed broker leaves a
stale pid file that is reported and removed. Every broker runs on free ports
with its own data and run dirs, and is stopped by pid also when a check fails."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from kafka_support import EVPIPE, Broker, free_port, run

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
import kafka_peer  # noqa: E402

KAFKA_OK, KAFKA_WHY = kafka_peer.available()
_PID_FILES = []


def _kill_leftovers():
    for path in _PID_FILES:
        try:
            os.kill(read_pid(path), signal.SIGKILL)
        except (OSError, ValueError):
            pass


atexit.register(_kill_leftovers)


def alive(pid):
    """Runs, or has threads still exiting (a JVM's main thread goes zombie first)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            zombie = f.read().split(") ", 1)[1][0] == "Z"
        return not zombie or len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


class StackTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="evpipe-stack-")

    def tearDown(self):
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, run_dir="run", data_dir="data", **extra):
        env = dict(os.environ, EVPIPE_PROGRESS="0", BROKER_RUN_DIR=os.path.join(self.tmp, run_dir),
                   BROKER_DATA_DIR=os.path.join(self.tmp, data_dir))
        env.update(extra)
        return env

    def ev(self, *args, env, timeout=180):
        return run([EVPIPE, *args], check=False, env=env, timeout=timeout)

    def assertOneLine(self, p, *needles, rc=1):
        err = p.stderr.decode(errors="replace")
        self.assertEqual(p.returncode, rc, f"stdout {p.stdout!r} stderr {err!r}")
        self.assertEqual(len(err.strip().splitlines()), 1 if rc else 0, err)
        for n in needles:
            self.assertIn(n, err if rc else p.stdout.decode(errors="replace"))

    # ---- the embedded broker: no JVM, seconds -------------------------------------

    def test_embedded_foreign_broker_and_taken_ports(self):
        broker = Broker(self.tmp)
        try:
            broker.start()
            env = self.env(BROKER="embedded", BROKER_LISTEN=broker.bootstrap,
                           BROKER_ADMIN_LISTEN=f"127.0.0.1:{broker.admin_port}")
            # health asks BROKER_ADMIN_LISTEN (not 9644) when no pid file of ours is here.
            self.assertOneLine(self.ev("health", env=env), f"127.0.0.1:{broker.admin_port}", rc=0)
            # ps and down see the broker that answers without our pid file, and name it.
            holder = f"pid {broker.proc.pid} (evpipe"
            self.assertOneLine(self.ev("ps", env=env), "answers Kafka", holder, rc=0)
            down = self.ev("down", env=env)
            self.assertOneLine(down, "not ours to stop", holder)
            self.assertTrue(alive(broker.proc.pid), "down must not stop a broker it did not start")
            # up on the taken port names the holder, and starts nothing.
            self.assertOneLine(self.ev("up", env=env), "is taken by", holder, "BROKER_LISTEN")
            self.assertFalse(os.path.exists(os.path.join(self.tmp, "run", "broker.pid")))
        finally:
            broker.stop()
        # Nothing answers any more: ps and health fail, down has nothing to do.
        self.assertEqual(self.ev("ps", env=env).returncode, 1)
        self.assertEqual(self.ev("health", env=env).returncode, 1)
        self.assertOneLine(self.ev("down", env=env), "nothing to stop", rc=0)

    def test_embedded_up_names_a_plain_port_holder(self):
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            env = self.env(BROKER="embedded", BROKER_LISTEN=f"127.0.0.1:{free_port()}",
                           BROKER_ADMIN_LISTEN=f"127.0.0.1:{port}")
            p = self.ev("up", env=env)
            self.assertOneLine(p, f"--admin-listen 127.0.0.1:{port} is taken by pid {os.getpid()} (python",
                               "BROKER_ADMIN_LISTEN")

    def test_embedded_up_right_after_down_and_admin_port_not_shared(self):
        admin = f"127.0.0.1:{free_port()}"
        env = self.env(BROKER="embedded", BROKER_LISTEN=f"127.0.0.1:{free_port()}", BROKER_ADMIN_LISTEN=admin)
        try:
            for round_ in range(2):
                self.assertOneLine(self.ev("up", env=env), "embedded broker up", rc=0)
                # Served connections leave TIME_WAIT entries on the admin port.
                for _ in range(3):
                    with urllib.request.urlopen(f"http://{admin}/metrics", timeout=10) as r:
                        self.assertEqual(r.status, 200)
                if round_ == 0:
                    # SO_REUSEPORT must not let a second listener share the running admin port.
                    with socket.socket() as other:
                        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                        with self.assertRaises(OSError, msg="a second socket bound the admin port"):
                            other.bind(("127.0.0.1", int(admin.rsplit(":", 1)[1])))
                # regression: the next up said "--admin-listen ... is taken" for about a minute.
                self.assertOneLine(self.ev("down", env=env), "stopped", rc=0)
        finally:
            self.ev("down", env=env, timeout=60)

    def test_kafka_without_jars_names_make_deps(self):
        env = self.env(BROKER="kafka", EVPIPE_KAFKA_LIB=os.path.join(self.tmp, "no-jars"),
                       BROKER_LISTEN=f"127.0.0.1:{free_port()}")
        self.assertOneLine(self.ev("up", env=env), "make deps")
        env = self.env(BROKER="kafka", JAVA_HOME="", PATH="/nonexistent",
                       BROKER_LISTEN=f"127.0.0.1:{free_port()}")
        self.assertOneLine(self.ev("up", env=env), "java not found", "make deps")

    # ---- Apache Kafka: one JVM for the whole story -----------------------------------

    @unittest.skipUnless(KAFKA_OK, KAFKA_WHY)
    def test_kafka_up_ps_health_crash_restart_down(self):
        port, cport = free_port(), free_port()
        bootstrap = f"127.0.0.1:{port}"
        env = self.env(BROKER="kafka", BROKER_LISTEN=bootstrap, KAFKA_CONTROLLER_LISTEN=f"127.0.0.1:{cport}")
        pid_file = os.path.join(self.tmp, "run", "kafka.pid")
        _PID_FILES.append(pid_file)
        try:
            self.assertEqual(self.ev("ps", env=env).returncode, 1, "nothing runs yet")
            self.assertEqual(self.ev("health", env=env).returncode, 1)
            t = time.monotonic()
            self.assertOneLine(self.ev("up", env=env), "kafka broker up", bootstrap, rc=0)
            print(f"kafka up in {time.monotonic() - t:.1f} s", flush=True)
            pid = read_pid(pid_file)
            self.assertOneLine(self.ev("up", env=env), "already running", rc=0)
            self.assertOneLine(self.ev("ps", env=env), "running, ready", rc=0)
            self.assertOneLine(self.ev("health", env=env), "ready", rc=0)
            self.assertIn(b"Kafka Server started", self.ev("logs", env=env).stdout)
            lines = b"".join(b"stack-%d\n" % i for i in range(50))
            run(["kcat", "-P", "-b", bootstrap, "-t", "stack", "-X", "acks=all"], input=lines)

            # Another run dir: the broker answers without that pid file.
            other = self.env("run2", "data2", BROKER="kafka", BROKER_LISTEN=bootstrap,
                             KAFKA_CONTROLLER_LISTEN=f"127.0.0.1:{cport}")
            holder = f"pid {pid} (java"
            self.assertOneLine(self.ev("ps", env=other), "not started here", "answers Kafka", holder, rc=0)
            self.assertOneLine(self.ev("down", env=other), "not ours to stop", holder)
            self.assertOneLine(self.ev("up", env=other), "is taken by", holder)
            self.assertTrue(alive(pid))

            # A crash: the pid file goes stale; ps says so (once) and removes it.
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertOneLine(self.ev("ps", env=env), "has exited", "kafka.log")
            self.assertFalse(os.path.exists(pid_file))
            self.assertOneLine(self.ev("ps", env=env), "not running")

            # Up again on the same data: the records are still there.
            self.assertOneLine(self.ev("up", env=env), "kafka broker up", rc=0)
            got = run(["kcat", "-C", "-b", bootstrap, "-t", "stack", "-e", "-q"]).stdout
            self.assertEqual(got, lines)
            pid = read_pid(pid_file)
            self.assertOneLine(self.ev("down", env=env), "stopped", rc=0)
            self.assertFalse(alive(pid))
            self.assertOneLine(self.ev("down", env=env), "nothing to stop", rc=0)
        finally:
            if os.path.exists(pid_file):
                self.ev("down", env=env, timeout=60)


if __name__ == "__main__":
    unittest.main(verbosity=2)
