#!/usr/bin/env python3
"""Rows per ingest_date of an evpipe Iceberg table, read by pyiceberg (not by evpipe).

    .venv/bin/python scripts/iceberg_query.py data/parquet/events [SQL-like row filter]

Opens the newest metadata/vN.metadata.json with StaticTable, so it needs no
catalog; the optional filter is pyiceberg's, e.g. "ingest_date = '2026-02-05'".
"""
import glob
import os
import sys

from pyiceberg.table import StaticTable


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    table_dir = sys.argv[1]
    files = glob.glob(os.path.join(table_dir, "metadata", "v*.metadata.json"))
    if not files:
        print(f"iceberg_query: no table at {table_dir} (no metadata/v*.metadata.json)", file=sys.stderr)
        return 1
    newest = max(files, key=lambda f: int(os.path.basename(f)[1:].split(".")[0]))
    table = StaticTable.from_metadata(os.path.abspath(newest))
    scan = table.scan(row_filter=sys.argv[2]) if len(sys.argv) > 2 else table.scan()
    counts = scan.to_arrow().group_by("ingest_date").aggregate([("event_id", "count")]).sort_by("ingest_date")
    snap = table.current_snapshot()
    print(f"{newest}: snapshot {snap.snapshot_id if snap else '-'}")
    total = 0
    for row in counts.to_pylist():
        print(f"{row['ingest_date']}  {row['event_id_count']}")
        total += row["event_id_count"]
    print(f"total  {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
