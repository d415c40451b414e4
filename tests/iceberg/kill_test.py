"""SIGKILL raw-to-parquet at seeded points of its commit; the table must stay whole.

State A: a table built from gen input (small files: several per date). Then
the input changes (three dates get a new raw file): a run from A gives state B. For each
chosen kill point k (EVPIPE_KILL_AT=k: the process SIGKILLs itself at the k-th
step of its build-and-commit, iceberg/kill_point.h), starting from a copy of A:
after the kill, pyiceberg reads the newest metadata file and gets exactly A's
rows or B's rows, every data file the current snapshot lists exists with its
recorded size, and the date directories hold A's or B's rows per date; then a
re-run converges to B in every reader, with no stray files left.

EVPIPE_TEST_SEED picks the points (printed); EVPIPE_KILL_POINTS (default 20)
how many.
"""

import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lake as L  # noqa: E402


def table_rows(lk):
    return L.digest(L.read_pyiceberg(L.static_table(lk.newest_metadata())))


def main():
    seed = int(os.environ.get("EVPIPE_TEST_SEED", int(time.time()) % 100000))
    want_points = int(os.environ.get("EVPIPE_KILL_POINTS", "20"))
    print(f"kill_test: seed {seed} (EVPIPE_TEST_SEED={seed} to repeat)")
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="evpipe-iceberg-kill-")
    root = os.path.join(work, "t")
    os.makedirs(root)
    lk = L.Lake(root)
    lk.gen(200, 3)
    rpf = ("--rows-per-file", "60")
    lk.convert(*rpf)
    a_rows = table_rows(lk)
    base = os.path.join(work, "base")
    subprocess.run(["cp", "-a", root, base], check=True)  # -a keeps the hard links

    def reset():
        shutil.rmtree(root)
        subprocess.run(["cp", "-a", base, root], check=True)

    def change_input():
        for d in lk.dates()[-3:]:
            src = os.path.join(lk.raw_dir, L.TOPIC, f"ingest_date={d}")
            with open(sorted(glob.glob(os.path.join(src, "*.ndjson")))[0]) as f:
                lines = [x for x in f if x.strip()]
            # Half the date again under new event ids: B has more rows than A.
            with open(os.path.join(src, "part-00001.ndjson"), "w") as f:
                f.writelines(x.replace('{"event_id":"', '{"event_id":"again-', 1) for x in lines[: len(lines) // 2])

    change_input()
    lk.convert(*rpf)
    b_rows = table_rows(lk)
    if b_rows == a_rows:
        raise AssertionError("B must differ from A")
    reset()
    change_input()
    listing = lk.convert(*rpf, env={"EVPIPE_KILL_AT": "list"}, check=False)
    steps = [l for l in listing.stderr.splitlines() if l.startswith("kill-point ")]
    if listing.returncode != 0 or len(steps) < 8:
        raise AssertionError(f"listing the kill points: exit {listing.returncode}, {len(steps)} points: {listing.stderr}")
    L.expect_eq(table_rows(lk), b_rows, "an uninterrupted run gives B")
    n = len(steps)
    points = sorted(rng.sample(range(1, n + 1), min(want_points, n)))
    if len(points) < want_points:  # fewer distinct points than asked: repeat some
        points += sorted(rng.choices(range(1, n + 1), k=want_points - len(points)))
    print(f"kill_test: {n} kill points in one run; killing at {points}")
    saw = {"A": 0, "B": 0}
    for k in points:
        reset()
        change_input()
        p = lk.convert(*rpf, env={"EVPIPE_KILL_AT": str(k)}, check=False)
        if p.returncode != -9:
            raise AssertionError(f"kill at {k} ({steps[k - 1]}): exit {p.returncode}, not SIGKILL: {p.stderr}")
        got = table_rows(lk)
        state = "A" if got == a_rows else "B" if got == b_rows else None
        if state is None:
            raise AssertionError(f"kill at {k} ({steps[k - 1]}): the table is neither A nor B: {got}")
        saw[state] += 1
        L.read_manifests(lk)  # every listed file exists with its recorded size
        hive = L.digest(L.read_duckdb(lk.table_dir))
        for d, v in hive.items():
            if v != a_rows.get(d) and v != b_rows.get(d):
                raise AssertionError(f"kill at {k} ({steps[k - 1]}): date directory {d} is neither A nor B")
        lk.convert(*rpf)
        L.expect_eq(table_rows(lk), b_rows, f"re-run after kill at {k}: table")
        L.expect_eq(L.digest(L.read_duckdb(lk.table_dir)), b_rows, f"re-run after kill at {k}: date directories")
        live = L.read_manifests(lk)
        data = set(glob.glob(os.path.join(lk.table_dir, "data", "ingest_date=*", "*")))
        L.expect_eq(sorted(data), sorted(live), f"re-run after kill at {k}: data/ holds exactly the table's files")
        stray = [x for x in os.listdir(lk.table_dir) if x.startswith(".") and x != ".raw-to-parquet.lock"]
        L.expect_eq(stray, [], f"re-run after kill at {k}: leftovers")
    shutil.rmtree(work)
    print(f"kill_test: {len(points)} kills; the table read A {saw['A']} times, B {saw['B']} times")
    print(f"{len(points)} passed, 0 failed")


if __name__ == "__main__":
    L.main_guard(main)
