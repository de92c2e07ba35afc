"""`calmline etl --engine spark` against the DuckDB engine on the same calls: wall time, CPU and peak memory.

    flock /tmp/brief/s11/bench.lock .venv/bin/python -m benchmarks.spark                  # 10M calls
    flock /tmp/brief/s11/bench.lock .venv/bin/python -m benchmarks.spark --calls 1000000 --engines spark duckdb

The source folder is the generator's (12 monthly calls files, no transcripts), made once and
cached in --workdir (shared with ``benchmarks.etl``). Each engine loads it into a new database
in a fresh child process, the Spark one on ``--spark-master`` (default ``local[2]``), writing its
lake beside the database. While the child runs, its process tree is sampled every
``--interval`` seconds with psutil: the peak resident memory of the Python driver, of the JVM
(on ``local[N]`` the Spark driver and its executors are one JVM: executors are threads in it)
and of the whole tree at once, and each process's CPU seconds (user + system; summed over the
tree at the end), and every 15 s the lake folder's size (its peak includes the intermediate
``_work`` Parquet a load removes when it publishes). The child prints when each step of the load
starts, so each stage's wall time is reported too, with the local session's heap (:func:`calmline.spark.session.local_driver_memory`:
a quarter of the machine, or ``CALMLINE_SPARK_DRIVER_MEMORY``) and the shuffle partitions the
source's size gives. Then the sizes of what stays: the DuckDB file, the lake, and the Parquet of the
summary marts that DuckDB copied into the file.

Prints one block per engine and a JSON line with everything (``--json FILE`` writes it too).
The machine is shared: the load average is printed before and after each child.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import sys, time
from pathlib import Path
engine, source, db, lake, master = sys.argv[1:6]
start = time.monotonic()
def tick(step, done, total):
    print(f"STEP {time.monotonic() - start:.2f} {step}", flush=True)
if engine == "spark":
    from calmline.spark.load import load
    report = load(Path(source), Path(db), lake=Path(lake), master=master, progress=tick)
else:
    from calmline.etl.load import load
    report = load(Path(source), Path(db), progress=tick)
print(f"STEP {time.monotonic() - start:.2f} end", flush=True)
print(f"ROWS {report.rows_loaded} {report.rows_rejected}", flush=True)
"""


def _folder_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def measure(engine: str, source: Path, workdir: Path, master: str, interval: float) -> dict:
    """Run one load in a child process and sample its process tree (see the module's text)."""
    import psutil

    db = workdir / f"spark-bench-{engine}.duckdb"
    lake = workdir / f"spark-bench-{engine}.lake"
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(lake, ignore_errors=True)
    load_before = os.getloadavg()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", CHILD, engine, str(source), str(db), str(lake), master],
                                 stdout=out, stderr=err, text=True, cwd=ROOT)
        root = psutil.Process(child.pid)
        peak = {"driver_python": 0.0, "jvm": 0.0, "tree": 0.0}
        cpu: dict[int, float] = {}
        disk_peak, disk_at = 0.0, 0.0
        while child.poll() is None:
            if engine == "spark" and time.perf_counter() - disk_at >= 15:
                # the lake folder while the load runs: with its _work folder of intermediate
                # Parquet (removed at publish), what a load needs on disk at its peak
                disk_at = time.perf_counter()
                try:
                    disk_peak = max(disk_peak, _folder_mb(lake))
                except OSError:  # a file removed while walked
                    pass
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0.0
            for p in procs:
                try:
                    rss = p.memory_info().rss / 2**20
                    times = p.cpu_times()
                    name = p.name()
                except psutil.Error:
                    continue
                cpu[p.pid] = times.user + times.system + times.children_user + times.children_system
                total += rss
                key = "driver_python" if p.pid == root.pid else ("jvm" if "java" in name else None)
                if key:
                    peak[key] = max(peak[key], rss)
            peak["tree"] = max(peak["tree"], total)
            time.sleep(interval)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text = out.read()
        if child.returncode != 0:
            reached = [line for line in text.splitlines() if line.startswith("STEP ")]
            why = [line for line in err.read().splitlines() if "Exception" in line or "Error" in line][:3]
            sys.exit(f"{engine} load failed after {wall:,.0f} s (peak RSS {peak}; steps reached: {reached}):\n"
                     + "\n".join(why))
    # The JVM's own CPU is counted in its pid's times; the driver's children_* double-count
    # nothing here (the JVM is reaped after the driver's last sample).
    steps = []
    rows = None
    for line in text.splitlines():
        if line.startswith("STEP "):
            _, at, step = line.split(" ", 2)
            steps.append((float(at), step))
        elif line.startswith("ROWS "):
            rows = [int(x) for x in line.split()[1:]]
    stages = [(step, round(nxt - at, 1)) for (at, step), (nxt, _) in zip(steps, steps[1:])]
    small = {}
    settings = {}
    if engine == "spark":
        from calmline.spark.session import SHUFFLE_BYTES_PER_PARTITION, local_driver_memory

        source_bytes = sum(f.stat().st_size for f in source.rglob("*.csv"))
        settings = {"heap": local_driver_memory() if master.startswith("local") else None,
                    "source_mb": round(source_bytes / 2**20, 1),
                    "shuffle_partitions_at_least": -(-source_bytes // SHUFFLE_BYTES_PER_PARTITION)}
    for part in sorted(lake.glob("batch-*/marts/*")):
        small[part.name] = round(_folder_mb(part), 2)
    return {"engine": engine, "master": master if engine == "spark" else None, "wall_s": round(wall, 1),
            "cpu_s": round(sum(cpu.values()), 1), "peak_mb": {k: round(v) for k, v in peak.items()},
            "rows_loaded": rows[0] if rows else None, "rows_rejected": rows[1] if rows else None,
            "stages_s": stages, "duckdb_file_mb": round(_folder_mb(db), 1), "lake_mb": round(_folder_mb(lake), 1),
            "mart_parquet_mb": small, "settings": settings, "lake_peak_mb": round(disk_peak, 1),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000_000, help="about this many calls (monthly files)")
    parser.add_argument("--engines", nargs="+", default=["spark", "duckdb"], choices=["spark", "duckdb"])
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between memory samples")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    from benchmarks.etl import ensure_source

    args.workdir.mkdir(parents=True, exist_ok=True)
    source = ensure_source(args.workdir, args.calls, args.seed)
    results = []
    for engine in args.engines:
        print(f"{engine}: loading {source} ...", flush=True)
        r = measure(engine, source, args.workdir, args.spark_master, args.interval)
        results.append(r)
        print(f"  wall {r['wall_s']:,.1f} s, CPU {r['cpu_s']:,.1f} s (load average {r['load_before'][0]} "
              f"before, {r['load_after'][0]} after)")
        print(f"  peak RSS: driver (Python) {r['peak_mb']['driver_python']:,} MB, JVM (Spark driver and "
              f"executors) {r['peak_mb']['jvm']:,} MB, whole tree {r['peak_mb']['tree']:,} MB")
        print(f"  rows loaded {r['rows_loaded']:,}, rejected {r['rows_rejected']:,}; DuckDB file "
              f"{r['duckdb_file_mb']:,} MB, lake {r['lake_mb']:,} MB")
        if r["lake_peak_mb"]:
            print(f"  lake folder at its peak (with the intermediate _work folder, sampled every 15 s): "
                  f"{r['lake_peak_mb']:,} MB")
        if r["settings"]:
            print(f"  source {r['settings']['source_mb']:,} MB of CSV; local heap {r['settings']['heap']}, "
                  f"shuffle partitions {r['settings']['shuffle_partitions_at_least']} (or twice the cores)")
        for step, seconds in r["stages_s"]:
            print(f"    {seconds:>9,.1f} s  {step}")
        if r["mart_parquet_mb"]:
            print("  marts' Parquet (MB): " + ", ".join(f"{k} {v}" for k, v in r["mart_parquet_mb"].items()))
    if len(results) == 2:
        a, b = results
        print(f"same-run ratio {a['engine']}/{b['engine']}: wall {a['wall_s'] / b['wall_s']:.2f}, "
              f"CPU {a['cpu_s'] / b['cpu_s']:.2f}")
    line = json.dumps({"calls": args.calls, "results": results})
    print(line)
    if args.json:
        args.json.write_text(line + "\n")


if __name__ == "__main__":
    main()
