"""The committed table, read by readers we did not write, and its faults.

A table is built from `evpipe gen` output and then changed (a date gets a new
raw file: a partition overwrite that expires the older snapshots). After each
commit: pyiceberg (StaticTable on the newest metadata file, and through the
SQLite catalog), DuckDB over the date directories, pyarrow over every Parquet
file (with the field ids) and fastavro over every manifest must return the same
rows with the same checksums. Then the faults: an expired snapshot fails
cleanly, empty raw input does not wipe a date, corrupt or foreign metadata is
a one-line error and is left as it was, a second job on the topic fails
clearly, --no-iceberg writes no table.
"""

import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lake as L  # noqa: E402

CHECKS = 0


def check(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise AssertionError(what)


def field_ids(lk):
    md = lk.metadata()
    return {f["name"]: f["id"] for f in md["schemas"][0]["fields"] if f["name"] != "ingest_date"}


def all_readers_agree(lk, what):
    """Every reader, same rows; returns the digest."""
    want = L.digest(L.read_pyiceberg(L.static_table(lk.newest_metadata())))
    check(len(want) > 0, f"{what}: the table has no rows")
    L.expect_eq(L.digest(L.read_pyiceberg(L.catalog_table(lk))), want, f"{what}: pyiceberg via the SQLite catalog")
    L.expect_eq(L.digest(L.read_duckdb(lk.table_dir)), want, f"{what}: DuckDB over ingest_date=*/*.parquet")
    L.expect_eq(L.digest(L.read_pyarrow(lk.table_dir, field_ids(lk))), want, f"{what}: pyarrow over every file")
    live = L.read_manifests(lk)
    per_date = {}
    for date, rows, _ in live.values():
        per_date[date] = per_date.get(date, 0) + rows
    L.expect_eq(per_date, {d: n for d, (n, _) in want.items()}, f"{what}: fastavro manifest record counts")
    # The date directories hold exactly the table's files (hard links of them).
    hive = sorted(os.path.relpath(p, lk.table_dir) for p in glob.glob(os.path.join(lk.table_dir, "ingest_date=*", "*")))
    table = sorted(os.path.relpath(p, os.path.join(lk.table_dir, "data")) for p in live)
    L.expect_eq(hive, table, f"{what}: date directories vs the table's data files")
    for p in live:
        h = os.path.join(lk.table_dir, os.path.relpath(p, os.path.join(lk.table_dir, "data")))
        check(os.path.samefile(p, h), f"{what}: {h} is not the table's file {p}")
    check(not glob.glob(os.path.join(lk.table_dir, "ingest_date=*", "_*")), f"{what}: a _ file in a date directory")
    return want


def one_line_error(p, what):
    check(p.returncode != 0, f"{what}: exit 0")
    lines = p.stderr.strip().splitlines()
    check(len(lines) == 1, f"{what}: want a one-line error, got {p.stderr!r}")
    return lines[0] if lines else ""


def tree(path):
    out = {}
    for dirpath, _, files in os.walk(path):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, path)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def main():
    work = tempfile.mkdtemp(prefix="evpipe-iceberg-readers-")
    lk = L.build_table(os.path.join(work, "a"), orders=300, seed=11)
    first = all_readers_agree(lk, "first commit")
    md1 = lk.newest_metadata()
    check(os.path.basename(md1) == "v1.metadata.json", f"first commit wrote {md1}")
    with open(os.path.join(lk.table_dir, "metadata", "version-hint.text")) as f:
        check(f.read().strip() == "1", "version-hint.text says 1")
    md = lk.metadata()
    check(md["format-version"] == 2 and md["partition-specs"][0]["fields"][0]["transform"] == "identity",
          "v2 table, identity partition")
    check([f["name"] for f in md["schemas"][0]["fields"]][-1] == "ingest_date", "ingest_date is the last column")

    # A re-run with nothing changed commits nothing.
    p = lk.convert()
    check("unchanged, skipped" in p.stdout, f"re-run skips: {p.stdout}")
    check(lk.newest_metadata() == md1, "re-run: no new metadata version")

    # A new raw file for one date: that partition is overwritten, the rest kept.
    dates = lk.dates()
    target = dates[len(dates) // 2]
    src = os.path.join(lk.raw_dir, L.TOPIC, f"ingest_date={target}")
    with open(glob.glob(os.path.join(src, "*.ndjson"))[0]) as f:
        lines = [l for l in f if l.strip()]
    with open(os.path.join(src, "part-00001.ndjson"), "w") as f:
        f.writelines(lines[: len(lines) // 3])  # repeats: the date's rows stay, the input changed
    p = lk.convert()
    second = all_readers_agree(lk, "overwrite commit")
    L.expect_eq(second, first, "an overwrite with duplicate input: same rows")
    md = lk.metadata()
    cur = next(s for s in md["snapshots"] if s["snapshot-id"] == md["current-snapshot-id"])
    s = cur["summary"]
    check(s["operation"] == "overwrite" and s["changed-partition-count"] == "1", f"overwrite summary {s}")
    check(int(s["deleted-records"]) == int(s["added-records"]) == first[target][0], f"summary records {s}")
    check(s["evpipe.dates"] == target, f"summary dates {s}")
    check(len(md["snapshots"]) == 1, "the snapshot that listed the replaced file is expired")
    check([e["metadata-file"] for e in md["metadata-log"]] == ["file://" + md1], f"metadata-log {md['metadata-log']}")

    # The expired snapshot fails cleanly (its file is gone), never reads other rows.
    try:
        L.read_pyiceberg(L.static_table(md1))
        check(False, "reading the expired v1 snapshot succeeded")
    except (FileNotFoundError, OSError) as e:
        check("No such file" in str(e) or "not found" in str(e).lower() or "Failed to open" in str(e),
              f"expired snapshot error: {e}")

    # Empty raw input for a date with output: refused, nothing changes; --force does it.
    before = tree(lk.table_dir)
    victim = dates[0]
    vdir = os.path.join(lk.raw_dir, L.TOPIC, f"ingest_date={victim}")
    aside = os.path.join(work, "aside")
    shutil.move(vdir, aside)
    os.makedirs(vdir)
    p = lk.convert("--date", victim, check=False)
    line = one_line_error(p, "empty input")
    check("refusing" in line and "--force" in line, f"empty input message: {line}")
    L.expect_eq(tree(lk.table_dir), before, "empty input: the table and the files are untouched")
    p = lk.convert("--all", check=False)
    check(p.returncode == 1 and "refusing" in p.stderr, f"--all with an empty date: {p.returncode} {p.stderr}")
    check(all_readers_agree(lk, "after refusals") == second, "after refusals: same rows")
    p = lk.convert("--date", victim, "--force")
    forced = all_readers_agree(lk, "forced empty date")
    check(victim not in forced and len(forced) == len(second) - 1, f"--force removed {victim} only")
    shutil.rmtree(vdir)
    shutil.move(aside, vdir)
    lk.convert()
    L.expect_eq(all_readers_agree(lk, "date restored"), second, "restoring the input restores the date")

    # Corrupt and foreign metadata/: one line, nothing overwritten.
    newest = lk.newest_metadata()
    with open(newest) as f:
        good = f.read()
    for name, text in (("corrupt", good[: len(good) // 2]),
                       ("foreign", json.dumps(dict(json.loads(good), location="file:///somewhere/else")))):
        with open(newest, "w") as f:
            f.write(text)
        os.remove(os.path.join(lk.raw_dir, L.TOPIC, f"ingest_date={target}", "part-00001.ndjson"))
        snap = tree(lk.table_dir)
        p = lk.convert(check=False)
        line = one_line_error(p, f"{name} metadata")
        check("metadata" in line and "never overwrites" in line, f"{name} metadata message: {line}")
        L.expect_eq(tree(lk.table_dir), snap, f"{name} metadata: nothing written")
        with open(newest, "w") as f:
            f.write(good)
        with open(os.path.join(src, "part-00001.ndjson"), "w") as f:
            f.writelines(lines[: len(lines) // 3])
    check(all_readers_agree(lk, "metadata restored") == second, "metadata restored: same rows")

    # A second job on the topic while one holds the lock: fails clearly.
    lock = os.open(os.path.join(lk.table_dir, ".raw-to-parquet.lock"), os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        p = lk.convert("--date", target, check=False)
        line = one_line_error(p, "concurrent job")
        check("another raw-to-parquet is running" in line, f"concurrent job message: {line}")
    finally:
        os.close(lock)

    # --no-iceberg: files only, no table.
    plain = L.Lake(os.path.join(work, "plain"))
    plain.gen(120, 5)
    plain.convert("--no-iceberg", catalog=False)
    check(not os.path.exists(os.path.join(plain.table_dir, "metadata")), "--no-iceberg wrote metadata/")
    check(glob.glob(os.path.join(plain.table_dir, "ingest_date=*", "*.parquet")), "--no-iceberg wrote no Parquet")
    # And a later run with the table converts the dates into it.
    plain.convert(catalog=False)
    check(L.digest(L.read_pyiceberg(L.static_table(plain.newest_metadata()))) == L.digest(L.read_duckdb(plain.table_dir)),
          "table after --no-iceberg agrees with the files")

    # Runs that only add dates keep the earlier snapshots: time travel to them works.
    inc = L.Lake(os.path.join(work, "inc"))
    inc.gen(120, 9)
    d1, d2 = inc.dates()[:2]
    inc.convert("--date", d1)
    inc.convert("--date", d2)
    md = inc.metadata()
    check(len(md["snapshots"]) == 2 and md["snapshots"][1]["summary"]["operation"] == "append",
          f"an append keeps the earlier snapshot: {[s['summary']['operation'] for s in md['snapshots']]}")
    t = L.static_table(inc.newest_metadata())
    old = t.scan(snapshot_id=md["snapshots"][0]["snapshot-id"]).to_arrow()
    check(sorted(set(str(d) for d in old.column("ingest_date").to_pylist())) == [d1],
          "time travel to the first snapshot reads the first date only")
    now = L.digest(L.read_pyiceberg(t))
    check(sorted(now) == [d1, d2] and now == L.digest(L.read_duckdb(inc.table_dir)), "after two appends")

    shutil.rmtree(work)
    print(f"iceberg readers: {len(second)} dates, {sum(n for n, _ in second.values())} rows in every reader")
    print(f"{CHECKS} passed, 0 failed")


if __name__ == "__main__":
    L.main_guard(main)
