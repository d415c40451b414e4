"""evpipe broker against librdkafka's in-memory mock cluster, kcat as the
client on both: produce (acks=all; ours fsyncs before the ack, the mock keeps
memory only) and fetch, on data that fits the mock's 5 MiB per partition."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from brokers import start_evpipe_broker, track  # noqa: E402
from inputs import gen_ndjson  # noqa: E402
from run import Case  # noqa: E402


def _mock(ctx, topic):
    exe = os.path.join(ctx.build_dir, "broker_mock_cluster")
    p = track(subprocess.Popen([exe, topic, "3"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    line = p.stdout.readline().strip()
    if not line:
        raise RuntimeError("broker_mock_cluster did not start")
    return line


def cases(ctx):
    orders = 500 if ctx.quick else 3000
    data, size, records = gen_ndjson(ctx, "broker", orders, 5)

    ours = start_evpipe_broker(ctx, "broker-bench")
    subprocess.run([ctx.evpipe, "topic", "create", "-b", ours, "-t", "bench", "-p", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([ctx.evpipe, "topic", "create", "-b", ours, "-t", "fetch", "-p", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mock_produce = _mock(ctx, "bench")
    mock_fetch = _mock(ctx, "fetch")
    produce = "kcat -b {b} -t {t} -P -X acks=all -X linger.ms=5 -X batch.num.messages=10000 -l " + data
    # The fetch topics hold the data once, spread record by record over the
    # partitions: keyless records otherwise stick to one partition per batch,
    # and the mock keeps only the newest 5 MiB of each partition.
    load = produce + " -X sticky.partitioning.linger.ms=0"
    for b in (ours, mock_fetch):
        subprocess.run(["bash", "-c", load.format(b=b, t="fetch")], check=True)
        held = subprocess.run(["bash", "-c", "timeout 60 kcat -b %s -t fetch -C -e -q -o beginning | wc -l" % b],
                              check=True, capture_output=True, text=True).stdout.strip()
        if int(held) != records:
            raise RuntimeError(f"the fetch topic on {b} holds {held} of {records} records")
    # Stop at the record count, not at -e: librdkafka reports the end of a
    # partition only in answer to a fetch at the high watermark, which either
    # broker holds for fetch.wait.max.ms (500 ms), so -e measured that timer.
    fetch = "timeout 60 kcat -b {b} -t fetch -C -c %d -q -o beginning > /dev/null" % records
    return [
        Case(name="broker produce (kcat, acks=all)", unit="records/s", items=records, bytes=size,
             ours=produce.format(b=ours, t="bench"), baseline=produce.format(b=mock_produce, t="bench"),
             baseline_name="librdkafka mock (memory)", target_ratio=1.0,
             note="ours fsyncs before every acks=all answer (group commit)"),
        Case(name="broker fetch (kcat -C -c N)", unit="records/s", items=records, bytes=size,
             ours=fetch.format(b=ours), baseline=fetch.format(b=mock_fetch),
             baseline_name="librdkafka mock (memory)", target_ratio=1.0),
    ]
