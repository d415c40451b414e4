"""evpipe broker against librdkafka's in-memory mock cluster, kcat as the
client on both: produce (acks=all; ours fsyncs before the ack, the mock keeps
memory only) and fetch.

Why the fetch case is shaped as it is:
- The mock keeps only the newest ~5 MiB of each partition (it drops older
  segments), so a larger data set goes into more partitions, not bigger ones:
  32 partitions of ~2.5 MiB each (half the window, so the random spread of
  the records cannot pass it), ~80 MB and ~136k records in all. The read then
  takes a few hundred milliseconds, so kcat's own start (~10-20 ms) no longer
  decides the ratio, as it did with the 3-partition, 9 MB case (0.86x-1.10x
  on one idle machine).
- The records are loaded one by one over the partitions
  (sticky.partitioning.linger.ms=0): keyless records otherwise stick to one
  partition per batch and one partition would outgrow the mock's window.
- Both brokers get the same file with the same kcat command, and the case
  checks that each holds every record before it is timed: a row must not
  count records the mock dropped.
- kcat stops at the record count (-c N), bounded by timeout 60, not at -e:
  librdkafka reports a partition's end only in answer to a fetch at the high
  watermark, which either broker holds for fetch.wait.max.ms (500 ms).
- The produce case keeps the smaller data set on 3 partitions: it measures
  the acks=all path, and the mock drops what passes its window anyway."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from brokers import start_evpipe_broker, track  # noqa: E402
from inputs import gen_ndjson  # noqa: E402
from run import Case  # noqa: E402


FETCH_PARTITIONS = 32


def _mock(ctx, topic, partitions=3):
    exe = os.path.join(ctx.build_dir, "broker_mock_cluster")
    p = track(subprocess.Popen([exe, topic, str(partitions)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    line = p.stdout.readline().strip()
    if not line:
        raise RuntimeError("broker_mock_cluster did not start")
    return line


def cases(ctx):
    orders = 500 if ctx.quick else 3000
    data, size, records = gen_ndjson(ctx, "broker", orders, 5)
    fetch_orders = 3000 if ctx.quick else 30000
    fetch_data, fetch_size, fetch_records = gen_ndjson(ctx, "broker-fetch", fetch_orders, 6)

    ours = start_evpipe_broker(ctx, "broker-bench")
    subprocess.run([ctx.evpipe, "topic", "create", "-b", ours, "-t", "bench", "-p", "3"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([ctx.evpipe, "topic", "create", "-b", ours, "-t", "fetch", "-p", str(FETCH_PARTITIONS)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mock_produce = _mock(ctx, "bench")
    mock_fetch = _mock(ctx, "fetch", FETCH_PARTITIONS)
    produce = "kcat -b {b} -t {t} -P -X acks=all -X linger.ms=5 -X batch.num.messages=10000 -l " + data
    # The fetch topics hold the fetch data once, spread record by record over
    # the partitions (see the docstring).
    load = produce.replace(data, fetch_data) + " -X sticky.partitioning.linger.ms=0"
    for b in (ours, mock_fetch):
        subprocess.run(["bash", "-c", load.format(b=b, t="fetch")], check=True)
        held = subprocess.run(["bash", "-c", "timeout 60 kcat -b %s -t fetch -C -e -q -o beginning | wc -l" % b],
                              check=True, capture_output=True, text=True).stdout.strip()
        if int(held) != fetch_records:
            raise RuntimeError(f"the fetch topic on {b} holds {held} of {fetch_records} records")
    # Stop at the record count, not at -e: librdkafka reports the end of a
    # partition only in answer to a fetch at the high watermark, which either
    # broker holds for fetch.wait.max.ms (500 ms), so -e measured that timer.
    fetch = "timeout 60 kcat -b {b} -t fetch -C -c %d -q -o beginning > /dev/null" % fetch_records
    return [
        Case(name="broker produce (kcat, acks=all)", unit="records/s", items=records, bytes=size,
             ours=produce.format(b=ours, t="bench"), baseline=produce.format(b=mock_produce, t="bench"),
             baseline_name="librdkafka mock (memory)", target_ratio=1.0,
             note="ours fsyncs before every acks=all answer (group commit)"),
        Case(name="broker fetch (kcat -C -c N)", unit="records/s", items=fetch_records, bytes=fetch_size,
             ours=fetch.format(b=ours), baseline=fetch.format(b=mock_fetch),
             baseline_name="librdkafka mock (memory)", target_ratio=1.0),
    ]
