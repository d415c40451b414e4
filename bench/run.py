#!/usr/bin/env python3
"""The benchmark runner behind `make bench`.

Times whole commands side by side with their baselines on the same data in the
same run, several runs each (median), and prints one table: our figure, the
baseline's, the ratio and peak memory. Cases live in bench/cases/*.py; each
module defines `cases(ctx)` returning a list of Case. Google Benchmark micro
benchmarks (build/release/evpipe_*_bench) run after, in a second table.
Results are also written to bench/results/ as markdown and JSON.
"""
import argparse
import datetime
import glob
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.dirname(HERE)


@dataclass
class Case:
    """One row: `ours` and `baseline` are shell commands doing the same work.

    items: how many records/rows/events one run handles (for the rate);
    bytes: how many input bytes one run handles (for MB/s), optional.
    setup/teardown run once around the case; before_each runs before every
    timed command (e.g. to reset a consumer group) and is not timed.
    """
    name: str
    unit: str
    items: int
    ours: str
    baseline: str
    baseline_name: str
    bytes: int = 0
    setup: Optional[Callable[[], None]] = None
    teardown: Optional[Callable[[], None]] = None
    before_each: Optional[Callable[[str], None]] = None  # arg: "ours" or "baseline"
    target_ratio: Optional[float] = None
    # An absolute target for our rate, in `unit` (e.g. 2e6 events/s for gen).
    target_rate: Optional[float] = None
    note: str = ""
    # Targets beside the ratio: called with the finished row (peaks, note, and
    # whatever teardown put in `extra`), returns [(label, met)], e.g.
    # [("peak ≤ 1/3 DuckDB's", True)]. A target not met prints MISSED.
    checks: Optional[Callable[[dict], list]] = None
    extra: dict = field(default_factory=dict)


@dataclass
class Context:
    evpipe: str
    build_dir: str
    work: str
    runs: int
    quick: bool
    env: dict = field(default_factory=dict)


def timed(cmd: str, env: dict, deadline: float):
    """Runs cmd in bash; returns (seconds, peak RSS MiB of the largest process of the tree).

    The peak comes from /usr/bin/time around bash, not from our own wait4: a
    child forked from this Python process keeps Python's resident-set high-water
    mark across exec, so wait4 reported max(this runner, the command) (56-81 MiB
    for kcat or dd, sessions before 2026-12-01 13:20)."""
    start = time.perf_counter()
    rss_file = os.path.join(tempfile.gettempdir(), f"evpipe-bench-rss-{os.getpid()}")
    proc = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file,
                             "bash", "-c", "set -eo pipefail; " + cmd], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timeout = max(1.0, deadline - time.time())
    try:
        # wait4 gives the rusage of this child including the descendants it waited for.
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                raise TimeoutError(cmd)
            time.sleep(0.002)
    finally:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    secs = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"exit {code}: {cmd}\n{err.strip()[-2000:]}")
    try:
        with open(rss_file) as f:
            peak_kib = int(f.read().split()[-1])
        os.unlink(rss_file)
    except (OSError, ValueError, IndexError):
        peak_kib = ru.ru_maxrss  # no /usr/bin/time output: an upper bound
    return secs, peak_kib / 1024.0


LATENCY_MODULES = []  # case modules that also define latency_rows(ctx, deadline)


def load_cases(ctx):
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
            out.extend(mod.cases(ctx))
            if hasattr(mod, "latency_rows"):
                LATENCY_MODULES.append(mod)
        except Exception as e:  # one broken case file must not stop the others
            name = os.path.basename(path)
            print(f"bench: {name}: cannot set up: {e}", file=sys.stderr)
            out.append(Case(name=name, unit="", items=0, ours="false", baseline="false",
                            baseline_name="", note=f"setup failed: {str(e).splitlines()[0][:200]}"))
    return out


def run_case(case: Case, ctx: Context, deadline: float):
    env = dict(os.environ, **ctx.env)
    if case.setup:
        case.setup()
    try:
        ours, base = [], []
        for _ in range(ctx.runs):  # alternate, so drift hits both sides alike
            for side, cmd, acc in (("ours", case.ours, ours), ("baseline", case.baseline, base)):
                if case.before_each:
                    case.before_each(side)
                # No run pays for the write-back of what earlier runs and cases
                # left dirty (gen's 529 MB, Kafka's unsynced log): a case that
                # fsyncs would otherwise queue behind it (sink-raw read 0.63x
                # after the others at 20:47 UTC, 1.79x alone).
                os.sync()
                acc.append(timed(cmd, env, deadline))
        return ours, base
    finally:
        if case.teardown:
            case.teardown()


def fmt_rate(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    return f"{v:.0f}"


def micro_benchmarks(ctx: Context, deadline: float):
    rows = []
    for exe in sorted(glob.glob(os.path.join(ctx.build_dir, "evpipe_*_bench"))):
        if time.time() > deadline:
            break
        out = os.path.join(ctx.work, os.path.basename(exe) + ".json")
        args = [exe, f"--benchmark_out={out}", "--benchmark_out_format=json",
                "--benchmark_min_time=0.1" if ctx.quick else "--benchmark_min_time=0.3"]
        try:
            subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=max(5, deadline - time.time()), check=True)
        except (subprocess.SubprocessError, OSError) as e:
            rows.append({"name": os.path.basename(exe), "error": str(e)})
            continue
        with open(out) as f:
            data = json.load(f)
        for b in data.get("benchmarks", []):
            rows.append({"name": b["name"], "time_ns": b.get("real_time"),
                         "items_per_second": b.get("items_per_second"),
                         "bytes_per_second": b.get("bytes_per_second")})
    return rows


def targets_of(row, case):
    """[(label, met)] for a throughput row: the ratio target, then the case's checks."""
    out = []
    if case.target_ratio:
        out.append((f"≥ {case.target_ratio:g}x", row["ratio"] >= case.target_ratio))
    if case.target_rate:
        out.append((f"≥ {fmt_rate(case.target_rate)}{case.unit}", row["ours_rate"] >= case.target_rate))
    if case.checks:
        out.extend(case.checks(row))
    return out


def fmt_targets(targets):
    return "; ".join(label + ("" if met else " **MISSED**") for label, met in targets)


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores {cpu}, {mem:.0f} GiB, {platform.platform()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evpipe", default=os.path.join(ROOT, "build/release/evpipe"))
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build/release"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    ap.add_argument("--budget", type=float, default=float(os.environ.get("BENCH_BUDGET_S", "570")),
                    help="stop starting new cases after this many seconds")
    ap.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="substring of case names")
    ap.add_argument("--quick", action="store_true", help="small data, 1 run (smoke test)")
    ap.add_argument("--no-micro", action="store_true")
    args = ap.parse_args()

    started = time.time()
    deadline = started + args.budget
    work = tempfile.mkdtemp(prefix="evpipe-bench-")
    ctx = Context(evpipe=os.path.abspath(args.evpipe), build_dir=os.path.abspath(args.build_dir),
                  work=work, runs=1 if args.quick else args.runs, quick=args.quick,
                  env={"EVPIPE_PROGRESS": "0"})
    rows = []
    try:
        for case in load_cases(ctx):
            if args.only and args.only not in case.name:
                continue
            if time.time() > deadline:
                rows.append({"name": case.name, "skipped": "time budget"})
                continue
            if case.note.startswith("setup failed"):
                rows.append({"name": case.name, "error": case.note})
                continue
            print(f"bench: {case.name} ...", file=sys.stderr, flush=True)
            try:
                ours, base = run_case(case, ctx, deadline)
            except Exception as e:  # a failed case is a row, not the end of the run
                rows.append({"name": case.name, "error": str(e).splitlines()[0][:300]})
                print(f"bench: {case.name}: {e}", file=sys.stderr)
                continue
            o_s = statistics.median(t for t, _ in ours)
            b_s = statistics.median(t for t, _ in base)
            row = {"name": case.name, "unit": case.unit, "items": case.items,
                   "ours_s": o_s, "baseline_s": b_s, "baseline": case.baseline_name,
                   "ours_rate": case.items / o_s, "baseline_rate": case.items / b_s,
                   "ratio": b_s / o_s, "ours_peak_mib": max(m for _, m in ours),
                   "baseline_peak_mib": max(m for _, m in base), "runs": len(ours),
                   "target_ratio": case.target_ratio, "note": case.note}
            if case.bytes:
                row["ours_mb_s"] = case.bytes / o_s / 1e6
                row["baseline_mb_s"] = case.bytes / b_s / 1e6
            row.update(case.extra)
            row["targets"] = targets_of(row, case)
            rows.append(row)
        latency = []
        for mod in LATENCY_MODULES:
            if args.only and args.only not in getattr(mod, "LATENCY_NAME", mod.__name__):
                continue
            print(f"bench: {mod.__name__} latency ...", file=sys.stderr, flush=True)
            try:
                latency.extend(mod.latency_rows(ctx, deadline + 60))
            except Exception as e:  # a failed row, not the end of the run
                latency.append({"name": f"{mod.__name__} latency", "error": str(e).splitlines()[0][:300]})
        micro = [] if args.no_micro else micro_benchmarks(ctx, deadline + 25)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.time() - started
    lines = [f"evpipe benchmarks, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, "
             f"{machine()}; median of {ctx.runs} runs; {elapsed:.0f} s in all", "",
             "| case | ours | baseline | ours/baseline | target | peak MiB ours / baseline |",
             "|---|---|---|---|---|---|"]
    missed = []
    for r in rows:
        if "ours_rate" not in r:
            lines.append(f"| {r['name']} | {r.get('error') or r.get('skipped')} | | | **MISSED** (no result) | |")
            missed.append(r["name"])
            continue
        mb = f", {r['ours_mb_s']:.0f} MB/s" if "ours_mb_s" in r else ""
        bmb = f", {r['baseline_mb_s']:.0f} MB/s" if "baseline_mb_s" in r else ""
        if not all(met for _, met in r["targets"]):
            missed.append(r["name"])
        lines.append(f"| {r['name']} | {fmt_rate(r['ours_rate'])}{r['unit']}{mb} | "
                     f"{r['baseline']}: {fmt_rate(r['baseline_rate'])}{r['unit']}{bmb} | "
                     f"{r['ratio']:.2f}x | {fmt_targets(r['targets'])} | "
                     f"{r['ours_peak_mib']:.0f} / {r['baseline_peak_mib']:.0f} |")
    # Latency rows in the same table: p50 / p99 / max; the ratio is baseline p99
    # over ours (higher is better, like the rows above); the target is absolute.
    for r in latency:
        if "error" in r:
            lines.append(f"| {r['name']} | {r['error']} | | | **MISSED** (no result) | |")
            missed.append(r["name"])
            continue
        o, b = r["ours"], r["baseline"]
        targets = []
        if r.get("target_p99_ms"):
            targets.append((f"p99 < {r['target_p99_ms']:g} ms", o[1] < r["target_p99_ms"]))
        targets.append(("no record lost", bool(o[3])))
        r["targets"] = targets
        if not all(met for _, met in targets):
            missed.append(r["name"])
        lines.append(f"| {r['name']} | p50 {o[0]:.1f} / p99 {o[1]:.1f} / max {o[2]:.0f} ms | "
                     f"{r['baseline_name']}: p50 {b[0]:.1f} / p99 {b[1]:.1f} / max {b[2]:.0f} ms"
                     f"{'' if b[3] else ' (records lost)'} | {b[1] / o[1]:.2f}x (p99 baseline/ours) | "
                     f"{fmt_targets(targets)} | |")
    lines += ["", f"Targets missed: {len(missed)}" + (f" ({', '.join(missed)})" if missed else "")]
    if micro:
        lines += ["", "| micro benchmark | time/iter | rate |", "|---|---|---|"]
        for m in micro:
            if "error" in m:
                lines.append(f"| {m['name']} | {m['error'][:80]} | |")
                continue
            rate = ""
            if m.get("items_per_second"):
                rate = f"{fmt_rate(m['items_per_second'])}items/s"
            if m.get("bytes_per_second"):
                rate += f" {m['bytes_per_second'] / 1e6:.0f} MB/s"
            lines.append(f"| {m['name']} | {m['time_ns']:.0f} ns | {rate} |")
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (stamp, "latest"):
        with open(os.path.join(HERE, "results", name + ".md"), "w") as f:
            f.write(table + "\n")
        with open(os.path.join(HERE, "results", name + ".json"), "w") as f:
            json.dump({"machine": machine(), "runs": ctx.runs, "cases": rows, "latency": latency, "micro": micro},
                      f, indent=1)
    failed = [r for r in rows + latency if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
