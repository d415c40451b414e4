"""sink-raw: evpipe sink-raw vs kcat landing the same topic into a file.

Same broker (`evpipe broker`; librdkafka's mock cluster process while the broker
is not built, with data kept under its 5 MiB-per-partition limit), same data.
Ours: `evpipe sink-raw --exit-at-end` into a fresh RAW_DIR with a fresh group
(group join, the ingest_time each record is routed by (`--validate route`, the
default: raw-to-parquet validates the rest), per-date files, fsync, rename,
state record, commit: every guarantee on). Baseline: `kcat -G <group> -c N` (issue 14): a
consumer group member of its own that stops after the N records and writes the
values to one file: no parsing, no fsync, no commit. Data: `evpipe gen` of
100k orders (~540k events) on the durable broker (8k orders in --quick or on
the mock cluster, which keeps 5 MiB per partition).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "kafka"))


def cases(ctx):
    from run import Case  # noqa: the runner's module (bench/run.py)
    from kafka_support import Broker  # noqa: tests/integration/kafka

    work = os.path.join(ctx.work, "sink_raw")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, EVPIPE_PROGRESS="0", EVPIPE_BIN=ctx.evpipe)
    state = {}

    def setup():
        p = subprocess.run([ctx.evpipe, "broker", "--help"], capture_output=True)
        real = p.returncode == 0 and b"--data-dir" in p.stdout + p.stderr
        if real:
            os.environ["EVPIPE_BIN"] = ctx.evpipe
            b = Broker(work).start()
            subprocess.run([ctx.evpipe, "topic", "create", "-b", b.bootstrap, "-t", "events", "-p", "3"],
                           check=True, env=env, capture_output=True)
            state["stop"] = b.stop
            bootstrap = b.bootstrap
        else:
            exe = os.path.join(ctx.build_dir, "evpipe_mock_cluster")
            proc = subprocess.Popen([exe, "--topic", "events:3"], stdout=subprocess.PIPE)
            bootstrap = proc.stdout.readline().decode().strip()
            state["stop"] = lambda: (proc.terminate(), proc.wait())
        state["bootstrap"] = bootstrap
        path = os.path.join(work, "input.ndjson")
        orders = 1000 if ctx.quick else (100_000 if real else 8000)
        subprocess.run([ctx.evpipe, "gen", "-n", str(orders), "--out", path], check=True, env=env,
                       capture_output=True)
        with open(path, "rb") as f:
            count = sum(1 for _ in f)
        case.items = count
        case.bytes = os.path.getsize(path)
        subprocess.run([ctx.evpipe, "produce", "-b", bootstrap, "-t", "events", "--from", path],
                       check=True, env=env, capture_output=True)
        case.ours = ours_cmd(bootstrap)
        # $$/$RANDOM: a fresh group per run, reading from the beginning.
        case.baseline = (f"kcat -b {bootstrap} -G kcat-$$-$RANDOM -X auto.offset.reset=earliest -c {count} "
                         f"-q -f '%s\\n' events > {work}/kcat.ndjson")
        case.note = f"broker: {'evpipe broker' if real else 'librdkafka mock cluster'}"

    def ours_cmd(bootstrap):
        # $$ (the timing shell's pid) makes a fresh group per run.
        return (f"{ctx.evpipe} sink-raw -b {bootstrap} -t events -g bench-$$-$RANDOM --raw-dir {work}/raw "
                f"--quarantine-dir {work}/quarantine --exit-at-end")

    def before_each(side):
        shutil.rmtree(os.path.join(work, "raw"), ignore_errors=True)
        shutil.rmtree(os.path.join(work, "quarantine"), ignore_errors=True)
        if os.path.exists(os.path.join(work, "kcat.ndjson")):
            os.remove(os.path.join(work, "kcat.ndjson"))

    def teardown():
        if "stop" in state:
            state["stop"]()
        shutil.rmtree(work, ignore_errors=True)

    case = Case(name="sink-raw (land a topic, exactly once, fsync)", unit="records/s", items=0,
                bytes=0, ours="true", baseline="true", baseline_name="kcat -G -c N > file",
                setup=setup, teardown=teardown, before_each=before_each, target_ratio=1.0)
    return [case]
