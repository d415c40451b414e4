"""Spark (pyspark 3.5 with Iceberg's Spark runtime) on evpipe's table and on the DDL.

One SparkSession for the whole file (local[2], no UI, 1 GB driver, the Iceberg
runtime and sqlite-jdbc from .evpipe/peers/spark/lib, never downloaded here):
  a. the table evpipe committed, read by path (format("iceberg").load(dir)) and
     through the SQLite catalog (type=jdbc): the same rows per date and the
     same checksums as pyiceberg and DuckDB (tests/iceberg/lake.py);
  b. ddl/events.sql's Iceberg half executed unchanged in a named catalog, its
     add_files statement registering evpipe's Parquet files, then rows per date
     and sha2(payload, 256) = checksum against `evpipe reconcile`'s Parquet
     counts, and the same rows (and event times) as the by-path read.
The JVM is stopped on every exit, also when set-up fails.

Environment: EVPIPE_BIN (CTest sets it), EVPIPE_SOURCE_DIR (repo root, default ../..).
"""

import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lake as L  # noqa: E402

SRC = os.environ.get("EVPIPE_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
JAR_DIR = os.path.join(SRC, ".evpipe", "peers", "spark", "lib")
DDL = os.path.join(SRC, "ddl", "events.sql")
DDL_CATALOG = "lakehouse"  # the named (hadoop) catalog the DDL runs in


def jars():
    found = sorted(glob.glob(os.path.join(JAR_DIR, "*.jar")))
    names = " ".join(os.path.basename(j) for j in found)
    if "iceberg-spark-runtime-3.5_2.12-" not in names or "sqlite-jdbc-" not in names:
        raise AssertionError(f"{JAR_DIR}: no Iceberg Spark runtime / sqlite-jdbc jar (run `make deps`)")
    return found


def session(warehouse):
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession
    ext = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
    b = (SparkSession.builder.master("local[2]").appName("evpipe-iceberg-spark-test")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.memory", "1g")
         # a short job on a loaded machine: the C1 compiler and the serial GC start fastest
         .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.jars", ",".join(jars()))
         .config("spark.sql.extensions", ext)
         .config(f"spark.sql.catalog.{DDL_CATALOG}", "org.apache.iceberg.spark.SparkCatalog")
         .config(f"spark.sql.catalog.{DDL_CATALOG}.type", "hadoop")
         .config(f"spark.sql.catalog.{DDL_CATALOG}.warehouse", "file://" + warehouse)
         .config("spark.sql.defaultCatalog", DDL_CATALOG))
    return b.getOrCreate()


class SparkView:
    """One Spark job over a DataFrame with the table's columns: the rows as
    (date, event_id, checksum, sha256(payload)), rows per date, how many rows
    fail sha2(payload, 256) = checksum computed by Spark, and the sums of the
    event and ingest times in microseconds (a wrongly typed column changes them)."""

    def __init__(self, df, what):
        from pyspark.sql import functions as F
        out = df.select(F.col("ingest_date").cast("string"), "event_id", "checksum", "payload",
                        F.col("checksum").isNull() | (F.sha2(F.col("payload"), 256) == F.col("checksum")),
                        F.unix_micros("event_time"), F.unix_micros("ingest_time")).collect()
        bad = [r[1] for r in out if not r[4]]
        if bad:
            raise AssertionError(f"{what}: sha2(payload, 256) != checksum in Spark for {bad[:3]}")
        self.rows = [L._row(*r[:4]) for r in out]
        self.digest = L.digest(self.rows)
        self.per_date = {d: n for d, (n, _) in self.digest.items()}
        self.times = (sum(r[5] for r in out), sum(r[6] for r in out))


def reconcile_parquet_counts(lk):
    p = L.run([L.EVPIPE, "reconcile", "--source", "gen", "--skip-topic", "--orders", "300", "--seed", "7",
               "--topic", L.TOPIC, "--raw-dir", lk.raw_dir, "--parquet-dir", lk.parquet_dir,
               "--quarantine-dir", lk.quarantine_dir])
    lines = p.stdout.splitlines()
    head = lines[0].split()
    col = head.index("parquet")
    counts = {}
    for line in lines[1:]:
        f = line.split()
        if f and re.fullmatch(r"\d{4}-\d{2}-\d{2}", f[0]):
            counts[f[0]] = int(f[col])
    if not counts:
        raise AssertionError(f"reconcile printed no dates:\n{p.stdout}")
    return counts


def ddl_iceberg_half():
    """The executable statements of ddl/events.sql's Iceberg half, and its (commented) add_files call."""
    text = open(DDL).read()
    start = text.index("-- Iceberg (Spark SQL")
    end = text.index("-- Snowflake")
    half = text[start:end]
    # Statements end with ';' at the end of a line (COMMENT strings hold ';' too); Spark
    # gets each one as written, its comments included. Chunks of comments only are not statements.
    chunks = re.split(r";[ \t]*$", half, flags=re.M)
    stmts = [c.strip() for c in chunks
             if any(line.strip() and not line.lstrip().startswith("--") for line in c.splitlines())]
    m = re.search(r"^-- (CALL .*?\);)$", half, re.M | re.S)
    if m is None:
        raise AssertionError("ddl/events.sql: no add_files CALL in the Iceberg half")
    call = "\n".join(re.sub(r"^--\s?", "", line) for line in m.group(1).splitlines()).rstrip(";")
    return stmts, call


def main():
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="evpipe-spark-") as tmp:
        lk = L.build_table(os.path.join(tmp, "lake"), orders=300, seed=7)
        want = L.digest(L.read_pyiceberg(L.static_table(lk.newest_metadata())))
        L.expect_eq(L.digest(L.read_duckdb(lk.table_dir)), want, "DuckDB vs pyiceberg")
        if len(want) < 2:
            raise AssertionError(f"the test table has {len(want)} dates; want several")
        parquet_counts = reconcile_parquet_counts(lk)
        L.expect_eq(parquet_counts, {d: n for d, (n, _) in want.items()}, "reconcile's Parquet counts vs pyiceberg")
        stmts, call = ddl_iceberg_half()
        print(f"table built and read by pyiceberg/DuckDB: {time.monotonic() - t0:.1f} s")

        spark = None
        try:
            spark = session(os.path.join(tmp, "warehouse"))
            spark.sparkContext.setLogLevel("ERROR")
            t1 = time.monotonic()
            print(f"SparkSession up: {t1 - t0:.1f} s")

            # a. By path: Spark follows metadata/version-hint.text to the newest snapshot.
            by_path = SparkView(spark.read.format("iceberg").load(lk.table_dir), "by path")
            L.expect_eq(by_path.digest, want, "Spark format('iceberg').load(<table dir>)")

            # b. The DDL, unchanged, in the named catalog; then its add_files on evpipe's files.
            spark.sql("CREATE NAMESPACE IF NOT EXISTS evpipe")
            for s in stmts:
                spark.sql(s)
            call = call.replace("/path/to/data/parquet/events", lk.table_dir)
            added = spark.sql(call).collect()
            print(f"add_files: {[r.asDict() for r in added]}")
            ddl = SparkView(spark.table("evpipe.events"), "DDL table")
            L.expect_eq(ddl.per_date, parquet_counts,
                        "DDL table (add_files) rows per date vs evpipe reconcile's Parquet counts")
            L.expect_eq(ddl.digest, want, "DDL table rows vs the committed table")
            L.expect_eq(ddl.times, by_path.times, "DDL table event_time/ingest_time vs the committed table")

            # a'. Through the SQLite catalog evpipe registered (JdbcCatalog; its catalog name is the
            # Spark catalog's name, so it is added only now: `evpipe.events` above meant the namespace).
            cat = f"spark.sql.catalog.{L.CATALOG_NAME}"
            spark.conf.set(cat, "org.apache.iceberg.spark.SparkCatalog")
            spark.conf.set(cat + ".type", "jdbc")
            spark.conf.set(cat + ".uri", "jdbc:sqlite:" + lk.catalog_db)
            spark.conf.set(cat + ".warehouse", "file://" + lk.parquet_dir)
            by_name = SparkView(spark.table(f"{L.CATALOG_NAME}.{L.CATALOG_NAMESPACE}.{L.TOPIC}"), "JDBC catalog")
            L.expect_eq(by_name.digest, want, "Spark through the SQLite catalog (type=jdbc)")

            print(f"ok: Spark {spark.version} read {sum(n for n, _ in want.values())} rows in {len(want)} dates "
                  f"by path, by the DDL + add_files and by the JDBC catalog; session {time.monotonic() - t1:.1f} s, "
                  f"total {time.monotonic() - t0:.1f} s")
        finally:
            if spark is not None:
                spark.stop()
            else:
                # set-up failed after the JVM started: stop the gateway it left behind
                from pyspark import SparkContext
                if SparkContext._gateway is not None:
                    SparkContext._gateway.shutdown()


if __name__ == "__main__":
    L.main_guard(main)
