"""The one way a bench case starts a broker of ours: `evpipe broker` on a free
loopback port with its own data dir, stopped at exit (SIGTERM, then SIGKILL
after 20 s). Other children a case starts can be stopped the same way (track)."""
import atexit
import os
import signal
import socket
import subprocess
import time

_procs = []


def stop_all():
    for p in _procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def track(p):
    """Stops `p` (a subprocess.Popen) at exit with the brokers."""
    if not _procs:
        atexit.register(stop_all)
    _procs.append(p)
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_evpipe_broker(ctx, name):
    """Starts `evpipe broker` in <ctx.work>/<name>; returns its bootstrap "127.0.0.1:port"
    once its ready file is written (RuntimeError after 15 s or when it exits)."""
    d = os.path.join(ctx.work, name)
    os.makedirs(d, exist_ok=True)
    ready = os.path.join(d, "ready")
    port = free_port()
    p = track(subprocess.Popen([ctx.evpipe, "broker", "--data-dir", os.path.join(d, "data"), "--listen",
                                f"127.0.0.1:{port}", "--admin-listen", "127.0.0.1:0", "--ready-file", ready],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(300):
        if os.path.exists(ready) and os.path.getsize(ready) > 0:
            return f"127.0.0.1:{port}"
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("evpipe broker did not start")
