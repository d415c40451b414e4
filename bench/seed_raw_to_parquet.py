#!/usr/bin/env python3
"""The seed's raw-to-parquet job, as a benchmark baseline (issue 14 item 4).

What a first Python version of the job does: json.loads per line, drop lines
that are not a JSON object with the required fields or whose ingest_time is not
on DATE, keep one row per event_id (earliest ingest_time, then the first file
by name and line), order by (event_time, event_id), pq.write_table with zstd.
It does less than evpipe (no checksum check, no quarantine file, the payload is
re-serialised by json.dumps rather than kept byte for byte), so it is, if
anything, a fast baseline.

Usage: seed_raw_to_parquet.py RAW_DATE_DIR OUT.parquet   (RAW_DATE_DIR ends in ingest_date=D)
"""
import datetime
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

STRINGS = ("tenant_id", "user_id", "session_id", "source_system", "environment", "record_source", "checksum")


def micros(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp()) * 1_000_000 + t.microsecond


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    src, out = sys.argv[1], sys.argv[2]
    date = os.path.basename(os.path.normpath(src)).split("=", 1)[1]
    day = datetime.date.fromisoformat(date)
    begin = int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp()) * 1_000_000
    end = begin + 86_400_000_000
    best = {}  # event_id -> (ingest_us, file index, line, row)
    bad = 0
    names = sorted(n for n in os.listdir(src) if n.endswith(".ndjson") and not n.startswith("."))
    for fi, name in enumerate(names):
        with open(os.path.join(src, name), "rb") as f:
            for ln, line in enumerate(f):
                try:
                    e = json.loads(line)
                    row = (e["event_id"], e["event_type"], int(e["schema_version"]), micros(e["event_time"]),
                           micros(e["ingest_time"]), *(e.get(k) for k in STRINGS),
                           json.dumps(e["payload"], separators=(",", ":")))
                except (ValueError, KeyError, TypeError, AttributeError):
                    bad += 1
                    continue
                if not begin <= row[4] < end:
                    bad += 1
                    continue
                key = (row[4], fi, ln)
                old = best.get(row[0])
                if old is None or key < old[0]:
                    best[row[0]] = (key, row)
    rows = sorted((r for _, r in best.values()), key=lambda r: (r[3], r[0].encode()))
    cols = list(zip(*rows)) if rows else [[] for _ in range(13)]
    ts = pa.timestamp("us", tz="UTC")
    table = pa.table({
        "event_id": pa.array(cols[0], pa.string()),
        "event_type": pa.array(cols[1], pa.string()),
        "schema_version": pa.array(cols[2], pa.int32()),
        "event_time": pa.array(cols[3], ts),
        "ingest_time": pa.array(cols[4], ts),
        **{k: pa.array(cols[5 + i], pa.string()) for i, k in enumerate(STRINGS[:-1])},
        "payload": pa.array(cols[12], pa.string()),
        "checksum": pa.array(cols[11], pa.string()),
    })
    pq.write_table(table, out, compression="zstd")
    print(f"{len(rows)} rows, {bad} bad lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
