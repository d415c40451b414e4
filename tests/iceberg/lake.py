"""Building an evpipe table and reading it with readers we did not write.

Shared by the tests in tests/iceberg/ (and meant for the Spark and DDL checks
that come on top): `build_table()` makes raw input with `evpipe gen` and runs
`evpipe raw-to-parquet --all` on it; the `read_*` functions each return the
rows as one reader sees them, normalised to (ingest_date, event_id, checksum,
sha256(payload)); `digest()` folds rows into per-date counts and one
order-independent hash, so that readers can be compared with ==.

Environment: EVPIPE_BIN (the evpipe binary; CTest sets it).
"""

import collections
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

EVPIPE = os.environ.get("EVPIPE_BIN", "build/release/evpipe")
TOPIC = "events"
CATALOG_NAME = "evpipe"      # iceberg::kDefaultCatalogName
CATALOG_NAMESPACE = "default"  # iceberg::kDefaultNamespace


class Lake:
    """One work directory: gen output (the raw input), Parquet root, quarantine, catalog."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.raw_dir = os.path.join(self.root, "gen")
        self.parquet_dir = os.path.join(self.root, "parquet")
        self.quarantine_dir = os.path.join(self.root, "quarantine")
        self.table_dir = os.path.join(self.parquet_dir, TOPIC)
        self.catalog_db = os.path.join(self.root, "catalog.db")
        # SQLAlchemy's form: four slashes for an absolute path.
        self.catalog_uri = "sqlite:///" + self.catalog_db

    def gen(self, orders=300, seed=7):
        run([EVPIPE, "gen", "--orders", str(orders), "--seed", str(seed), "--topic", TOPIC,
             "--gen-dir", self.raw_dir])

    def args(self, *extra):
        return [EVPIPE, "raw-to-parquet", "--topic", TOPIC, "--raw-dir", self.raw_dir,
                "--parquet-dir", self.parquet_dir, "--quarantine-dir", self.quarantine_dir, *extra]

    def convert(self, *extra, catalog=True, check=True, env=None):
        """raw-to-parquet (--all unless --date is in extra); returns the CompletedProcess."""
        if not any(a == "--date" for a in extra) and "--all" not in extra:
            extra = ("--all", *extra)
        e = dict(os.environ, EVPIPE_PROGRESS="0")
        e.pop("EVPIPE_KILL_AT", None)
        if catalog:
            e["ICEBERG_CATALOG"] = self.catalog_uri
        else:
            e.pop("ICEBERG_CATALOG", None)
        e.update(env or {})
        p = subprocess.run(self.args(*extra), env=e, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"raw-to-parquet {' '.join(extra)} exit {p.returncode}: {p.stderr.strip()}")
        return p

    def dates(self):
        return sorted(os.path.basename(d)[len("ingest_date="):]
                      for d in glob.glob(os.path.join(self.raw_dir, TOPIC, "ingest_date=*")))

    def newest_metadata(self):
        files = glob.glob(os.path.join(self.table_dir, "metadata", "v*.metadata.json"))
        return max(files, key=lambda f: int(os.path.basename(f)[1:].split(".")[0]))

    def metadata(self):
        with open(self.newest_metadata()) as f:
            return json.load(f)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def build_table(root, orders=300, seed=7, catalog=True):
    """A fresh Lake under root (wiped) with gen input converted into a table."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    lake = Lake(root)
    lake.gen(orders, seed)
    lake.convert(catalog=catalog)
    return lake


def _row(date, event_id, checksum, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    sha = hashlib.sha256(payload).hexdigest()
    if checksum is not None and checksum != sha:
        raise AssertionError(f"event {event_id}: sha256(payload) {sha} != checksum {checksum}")
    return (str(date), event_id, checksum, sha)


def read_pyiceberg(table):
    """Rows of a pyiceberg Table (StaticTable or catalog), ingest_date from the manifests."""
    t = table.scan(selected_fields=("ingest_date", "event_id", "checksum", "payload")).to_arrow()
    cols = [t.column(c).to_pylist() for c in ("ingest_date", "event_id", "checksum", "payload")]
    return [_row(*r) for r in zip(*cols)]


def static_table(metadata_path):
    from pyiceberg.table import StaticTable
    return StaticTable.from_metadata(metadata_path)


def catalog_table(lake):
    from pyiceberg.catalog.sql import SqlCatalog
    cat = SqlCatalog(CATALOG_NAME, uri=lake.catalog_uri)
    return cat.load_table(f"{CATALOG_NAMESPACE}.{TOPIC}")


def read_duckdb(table_dir):
    import duckdb
    con = duckdb.connect()
    glob_path = os.path.join(table_dir, "ingest_date=*", "*.parquet").replace("'", "''")
    rows = con.execute(
        f"SELECT CAST(ingest_date AS VARCHAR), event_id, checksum, payload, sha256(payload) = checksum "
        f"FROM read_parquet('{glob_path}', hive_partitioning = true)").fetchall()
    bad = [r[1] for r in rows if r[2] is not None and not r[4]]
    if bad:
        raise AssertionError(f"duckdb: sha256(payload) != checksum for {bad[:3]}")
    return [_row(*r[:4]) for r in rows]


def read_pyarrow(table_dir, field_ids):
    """Every Parquet file of every date directory, read by Arrow's C++ reader; checks the field ids."""
    import pyarrow.parquet as pq
    out = []
    for path in sorted(glob.glob(os.path.join(table_dir, "ingest_date=*", "*.parquet"))):
        date = os.path.basename(os.path.dirname(path))[len("ingest_date="):]
        schema = pq.read_schema(path)
        got = {f.name: int(f.metadata[b"PARQUET:field_id"]) for f in schema}
        if got != field_ids:
            raise AssertionError(f"{path}: field ids {got}, table schema says {field_ids}")
        t = pq.read_table(path, columns=["event_id", "checksum", "payload"])
        for e, c, p in zip(*(t.column(n).to_pylist() for n in ("event_id", "checksum", "payload"))):
            out.append(_row(date, e, c, p))
    return out


def read_manifests(lake, metadata=None):
    """fastavro over the current snapshot's manifest list and manifests. Returns the live
    data files as {path: (date, record_count, file_size)} after checking them against the disk."""
    import datetime
    import fastavro
    md = metadata or lake.metadata()
    snap = next(s for s in md["snapshots"] if s["snapshot-id"] == md["current-snapshot-id"])
    live = {}

    def local(uri):
        return uri[len("file://"):] if uri.startswith("file://") else uri

    with open(local(snap["manifest-list"]), "rb") as f:
        reader = fastavro.reader(f)
        _check_field_ids(reader.writer_schema, "manifest list")
        manifests = list(reader)
    added = deleted = 0
    for m in manifests:
        path = local(m["manifest_path"])
        if os.path.getsize(path) != m["manifest_length"]:
            raise AssertionError(f"{path}: manifest_length {m['manifest_length']} != size on disk")
        with open(path, "rb") as f:
            reader = fastavro.reader(f)
            _check_field_ids(reader.writer_schema, "manifest")
            meta = reader.metadata
            if meta.get("format-version") != "2" or meta.get("content") != "data":
                raise AssertionError(f"{path}: manifest metadata {meta}")
            entries = list(reader)
        counts = collections.Counter(e["status"] for e in entries)
        if (counts[1], counts[0], counts[2]) != (m["added_files_count"], m["existing_files_count"],
                                                 m["deleted_files_count"]):
            raise AssertionError(f"{path}: entry statuses {dict(counts)} disagree with the manifest list {m}")
        added += counts[1]
        deleted += counts[2]
        for e in entries:
            if e["status"] == 2:
                continue
            df = e["data_file"]
            p = local(df["file_path"])
            day = df["partition"]["ingest_date"]
            if isinstance(day, int):
                day = datetime.date(1970, 1, 1) + datetime.timedelta(days=day)
            if os.path.getsize(p) != df["file_size_in_bytes"]:
                raise AssertionError(f"{p}: file_size_in_bytes {df['file_size_in_bytes']} != size on disk")
            live[p] = (str(day), df["record_count"], df["file_size_in_bytes"])
    s = snap["summary"]
    if (int(s["added-data-files"]), int(s["deleted-data-files"])) != (added, deleted):
        raise AssertionError(f"snapshot summary {s} disagrees with the manifests ({added} added, {deleted} deleted)")
    if int(s["total-data-files"]) != len(live) or int(s["total-records"]) != sum(v[1] for v in live.values()):
        raise AssertionError(f"snapshot summary totals {s} disagree with the manifests")
    return live


def _check_field_ids(schema, what):
    """Every record field of an Iceberg Avro schema carries a field-id."""
    def walk(t):
        if isinstance(t, list):
            for b in t:
                walk(b)
        elif isinstance(t, dict):
            if t.get("type") == "record":
                for f in t["fields"]:
                    if "field-id" not in f:
                        raise AssertionError(f"{what}: field {f['name']} has no field-id")
                    walk(f["type"])
            elif t.get("type") == "array":
                if "element-id" not in t:
                    raise AssertionError(f"{what}: array without element-id")
                walk(t["items"])
    walk(schema)


def digest(rows):
    """{date: (rows, sha256 over the sorted rows)}: equal for equal row multisets."""
    by_date = collections.defaultdict(list)
    for r in rows:
        by_date[r[0]].append(r)
    out = {}
    for d, rs in sorted(by_date.items()):
        h = hashlib.sha256()
        for r in sorted(rs, key=lambda x: (x[1], x[2] or "", x[3])):
            h.update("|".join(x or "" for x in r).encode() + b"\n")
        out[d] = (len(rs), h.hexdigest())
    return out


def expect_eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}:\n  got:  {str(got)[:1500]}\n  want: {str(want)[:1500]}")


def main_guard(fn):
    """Runs fn(); an AssertionError becomes one FAIL line on stderr and exit status 1."""
    try:
        fn()
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
