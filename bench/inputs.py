"""Inputs the bench cases share: `evpipe gen` output joined into one NDJSON file."""
import glob
import os
import subprocess


def gen_ndjson(ctx, name, orders, seed):
    """Runs `evpipe gen` into <ctx.work>/<name>-gen and joins its raw files (sorted by
    path) into <ctx.work>/<name>-data.ndjson; returns (path, bytes, lines)."""
    gen = os.path.join(ctx.work, f"{name}-gen")
    subprocess.run([ctx.evpipe, "gen", "--orders", str(orders), "--seed", str(seed), "--gen-dir", gen],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, **ctx.env))
    data = os.path.join(ctx.work, f"{name}-data.ndjson")
    with open(data, "wb") as out:
        for p in sorted(glob.glob(os.path.join(gen, "*", "ingest_date=*", "*.ndjson"))):
            with open(p, "rb") as f:
                out.write(f.read())
    with open(data, "rb") as f:
        lines = sum(1 for _ in f)
    return data, os.path.getsize(data), lines
