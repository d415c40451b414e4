"""raw-to-parquet: evpipe vs DuckDB and vs the seed's Python job on the biggest
date of `evpipe gen --orders 50000`.

All convert the same raw NDJSON date (duplicates included) with the same dedup
and order to Parquet zstd; DuckDB runs through @duckdb/node-api with 2 threads
(bench/duckdb_raw_to_parquet.mjs), the seed's job is Python 3.11 + pyarrow from
.venv (bench/seed_raw_to_parquet.py). Issue 14 item 4: >= 3x DuckDB, >= 10x the
seed's job, output no larger than DuckDB's, peak memory at most a third of
DuckDB's. Output sizes go into the case note.
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def cases(ctx):
    from run import Case  # noqa: the runner's module (bench/run.py)

    orders = 2000 if ctx.quick else 50000
    work = os.path.join(ctx.work, "raw_to_parquet")
    gen = os.path.join(work, "gen")

    def biggest_date():
        topic = os.path.join(gen, "events")
        best = None
        for name in sorted(os.listdir(topic)):
            d = os.path.join(topic, name)
            size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if not f.startswith("."))
            if best is None or size > best[1]:
                best = (name.split("=", 1)[1], size, d)
        return best

    # Generated at load time: items and bytes must be known when the case is built.
    os.makedirs(work, exist_ok=True)
    subprocess.run([ctx.evpipe, "gen", "--orders", str(orders), "--gen-dir", gen], check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, EVPIPE_PROGRESS="0"))
    date, size, date_dir = biggest_date()
    lines = 0
    for fname in os.listdir(date_dir):
        if fname.startswith("."):
            continue
        with open(os.path.join(date_dir, fname), "rb") as f:
            lines += sum(1 for _ in f)
    pq = os.path.join(work, "parquet")
    duck_out = os.path.join(work, "duckdb.parquet")
    script = os.path.join(ROOT, "bench", "duckdb_raw_to_parquet.mjs")
    ours = (f"{ctx.evpipe} raw-to-parquet --date {date} --raw-dir {gen} --parquet-dir {pq} "
            f"--quarantine-dir {work}/quarantine")
    baseline = f"node {script} {date_dir} {duck_out} 2"

    def checks(row):
        return [(f"bytes ≤ DuckDB's ({row['ours_bytes']} vs {row['duckdb_bytes']})",
                 0 < row["ours_bytes"] <= row["duckdb_bytes"]),
                ("peak ≤ 1/3 DuckDB's", row["ours_peak_mib"] * 3 <= row["baseline_peak_mib"])]

    case = Case(name="raw-to-parquet (one date, dedup, zstd)", unit="rows/s", items=lines, bytes=size,
                ours=ours, baseline=baseline, baseline_name="DuckDB 2 threads", target_ratio=3.0, checks=checks)

    python = os.path.join(ROOT, ".venv", "bin", "python")
    if not os.access(python, os.X_OK):
        raise RuntimeError(f"{python} missing: run make venv (the seed job's baseline needs pyarrow)")
    seed_out = os.path.join(work, "seed.parquet")
    seed = Case(name="raw-to-parquet vs the seed's job (one date)", unit="rows/s", items=lines, bytes=size,
                ours=ours, baseline=f"{python} {os.path.join(ROOT, 'bench', 'seed_raw_to_parquet.py')} {date_dir} {seed_out}",
                baseline_name="Python 3.11 + pyarrow (json.loads, dict dedup, pq.write_table zstd)", target_ratio=10.0)

    def teardown():
        ours_bytes = 0
        d = os.path.join(pq, "events", f"ingest_date={date}")
        if os.path.isdir(d):
            ours_bytes = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".parquet"))
        duck_bytes = os.path.getsize(duck_out) if os.path.exists(duck_out) else 0
        case.note = (f"date {date}: {lines} lines, {size} input bytes; output bytes ours {ours_bytes}, "
                     f"DuckDB {duck_bytes}")
        case.extra.update(ours_bytes=ours_bytes, duckdb_bytes=duck_bytes)
        print(f"bench: raw-to-parquet: {case.note}", file=sys.stderr)

    # The Iceberg commit's cost (issue 11: at most 5%): every date (--all) with
    # the table against the same run with --no-iceberg, output wiped each time.
    all_pq = os.path.join(work, "parquet-all")
    convert_all = (f"{ctx.evpipe} raw-to-parquet --all --json --raw-dir {gen} --parquet-dir {all_pq} "
                   f"--quarantine-dir {work}/quarantine-all")
    total_lines = 0
    for root, _, names in os.walk(os.path.join(gen, "events")):
        for fname in names:
            if not fname.startswith("."):
                with open(os.path.join(root, fname), "rb") as f:
                    total_lines += sum(1 for _ in f)
    commit = Case(name="raw-to-parquet --all with the Iceberg commit", unit="rows/s", items=total_lines,
                  ours=convert_all, baseline=convert_all + " --no-iceberg", baseline_name="same, --no-iceberg",
                  target_ratio=0.95,
                  before_each=lambda _side: shutil.rmtree(all_pq, ignore_errors=True),
                  note="target: the commit adds at most 5%")

    case.teardown = teardown
    commit.teardown = lambda: shutil.rmtree(work, ignore_errors=True)  # the last case of this file
    return [case, seed, commit]
