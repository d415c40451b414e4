"""evpipe broker against librdkafka's in-memory mock cluster, kcat as the
client on both: produce (acks=all; ours fsyncs before the ack, the mock keeps
memory only) and fetch, on data that fits the mock's 5 MiB per partition."""
import atexit
import glob
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from run import Case  # noqa: E402

_procs = []


def _stop_all():
    for p in _procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _our_broker(ctx, name):
    d = os.path.join(ctx.work, name)
    os.makedirs(d, exist_ok=True)
    ready = os.path.join(d, "ready")
    port = _free_port()
    p = subprocess.Popen([ctx.evpipe, "broker", "--data-dir", os.path.join(d, "data"), "--listen",
                          f"127.0.0.1:{port}", "--admin-listen", "127.0.0.1:0", "--ready-file", ready],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _procs.append(p)
    for _ in range(300):
        if os.path.exists(ready) and os.path.getsize(ready) > 0:
            return f"127.0.0.1:{port}"
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("evpipe broker did not start")


def _mock(ctx, topic):
    exe = os.path.join(ctx.build_dir, "broker_mock_cluster")
    p = subprocess.Popen([exe, topic, "3"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    _procs.append(p)
    line = p.stdout.readline().strip()
    if not line:
        raise RuntimeError("broker_mock_cluster did not start")
    return line


def cases(ctx):
    atexit.register(_stop_all)
    orders = 500 if ctx.quick else 3000
    gen = os.path.join(ctx.work, "broker-gen")
    subprocess.run([ctx.evpipe, "gen", "--orders", str(orders), "--seed", "5", "--gen-dir", gen],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, **ctx.env))
    data = os.path.join(ctx.work, "broker-data.ndjson")
    with open(data, "wb") as out:
        for p in sorted(glob.glob(os.path.join(gen, "*", "ingest_date=*", "*.ndjson"))):
            with open(p, "rb") as f:
                out.write(f.read())
    size = os.path.getsize(data)
    records = sum(1 for _ in open(data, "rb"))

    ours = _our_broker(ctx, "broker-bench")
    subprocess.run([ctx.evpipe, "topic", "create", "-b", ours, "-t", "bench", "-p", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([ctx.evpipe, "topic", "create", "-b", ours, "-t", "fetch", "-p", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mock_produce = _mock(ctx, "bench")
    mock_fetch = _mock(ctx, "fetch")
    produce = "kcat -b {b} -t {t} -P -X acks=all -X linger.ms=5 -X batch.num.messages=10000 -l " + data
    for b in (ours, mock_fetch):  # the fetch topics hold the data once
        subprocess.run(["bash", "-c", produce.format(b=b, t="fetch")], check=True)
    fetch = "kcat -b {b} -t fetch -C -e -q -o beginning > /dev/null"
    return [
        Case(name="broker produce (kcat, acks=all)", unit="records/s", items=records, bytes=size,
             ours=produce.format(b=ours, t="bench"), baseline=produce.format(b=mock_produce, t="bench"),
             baseline_name="librdkafka mock (memory)", target_ratio=1.0,
             note="ours fsyncs before every acks=all answer (group commit)"),
        Case(name="broker fetch (kcat -C -e)", unit="records/s", items=records, bytes=size,
             ours=fetch.format(b=ours), baseline=fetch.format(b=mock_fetch),
             baseline_name="librdkafka mock (memory)", target_ratio=1.0),
    ]
