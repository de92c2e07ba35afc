"""ETL speed and memory against a bare DuckDB read of the same calls, measured in one run.

    python -m benchmarks.etl                          # 12 monthly files (2M calls) and one 1M-row file, 3 rounds
    python -m benchmarks.etl --only monthly --calls 10000000 --rounds 1
    python -m benchmarks.etl --only single --single-calls 1000000

Two scenarios, as issue #12 sets the target for both:

- ``monthly``: the generator's source folder as it writes it (``calls/`` holds 12 monthly
  CSV files; about --calls calls);
- ``single``: the same kind of centre (about --single-calls calls) with its calls in one
  ``calls.csv`` file (the monthly files joined, one header).

The source folders are generated once (cached in --workdir). Each round then runs, each in a
fresh child process: `calmline etl` into a new database, and a bare
``CREATE TABLE calls AS SELECT * FROM read_csv(<the same calls files>)``. Prints per-round
figures with that round's ratio (the same-run ratio: both measured back to back under the same
conditions), then the medians of the rounds: ETL and bare wall time, the ratio of the medians and
the median of the per-round ratios. Targets (#12): ratio <= 1.5 for both scenarios, peak memory
<= 3 GB at 2M calls. Peak memory is the child's maximum resident set.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.measure import run_child  # noqa: F401  (kept for callers importing it from here)


def run_child_cpu(args: list[str]) -> tuple[float, float, float]:
    """Run ``args``; return (wall seconds, peak RSS in MB, CPU seconds: user + system of the child).

    As :func:`benchmarks.measure.run_child`, with the child's CPU time beside its wall time,
    because on a shared machine the wall time mostly measures the other work.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"{' '.join(args[:4])} failed:\n{err.read()[-3000:]}")
        return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime

BARE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE calls AS SELECT * FROM read_csv(?)", [sys.argv[2]])
print(con.execute("SELECT count(*) FROM calls").fetchone()[0])
"""
TARGET_RATIO = 1.5
"""Issue #12: `calmline etl` within 1.5x of a bare read of the same files."""


def ensure_source(workdir: Path, calls: int, seed: int) -> Path:
    """The generator's source folder for about ``calls`` calls (monthly files), made once.

    Without transcripts: this measures the load of the calls files against a bare read of them
    (transcript detection has a benchmark of its own, ``benchmarks/detect.py``)."""
    source = workdir / f"source-{calls}-{seed}"
    marker = source / ".complete"
    if marker.exists():
        return source
    shutil.rmtree(source, ignore_errors=True)
    from calmline.synth import customers_for_calls

    customers = customers_for_calls(calls)
    print(f"generating about {calls:,} calls ({customers:,} customers) into {source} ...", flush=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "calmline", "generate", "--out", str(source),
                    "--customers", str(customers), "--seed", str(seed), "--no-transcripts"],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
    marker.write_text("ok")
    return source


def ensure_single_file_source(workdir: Path, calls: int, seed: int) -> Path:
    """A source folder like :func:`ensure_source`'s with its calls in one ``calls.csv`` file.

    The other entities' files are hard links (copies where links are refused) of the monthly
    source's; a transcripts source, if the generator wrote one, is left out (this measures
    the calls' load).
    """
    monthly = ensure_source(workdir, calls, seed)
    single = workdir / f"single-{calls}-{seed}"
    marker = single / ".complete"
    if marker.exists():
        return single
    shutil.rmtree(single, ignore_errors=True)
    single.mkdir(parents=True)
    for path in monthly.glob("*.csv"):
        if path.stem.lower() == "transcripts":
            continue
        try:
            os.link(path, single / path.name)
        except OSError:
            shutil.copyfile(path, single / path.name)
    parts = sorted((monthly / "calls").glob("*.csv"))
    with (single / "calls.csv").open("wb") as out:
        for n, part in enumerate(parts):
            with part.open("rb") as handle:
                header = handle.readline()
                if n == 0:
                    out.write(header)
                shutil.copyfileobj(handle, out, 1 << 20)
    marker.write_text("ok")
    return single


def calls_files(source: Path) -> str:
    """The calls file (or glob of files) of a source folder, as the bare read is given it."""
    return str(source / "calls.csv") if (source / "calls.csv").exists() else str(source / "calls" / "*.csv")


def count_calls(source: Path) -> tuple[int, int]:
    """(rows, bytes) of the source's calls files."""
    import duckdb

    pattern = calls_files(source)
    rows = duckdb.connect().execute("SELECT count(*) FROM read_csv(?)", [pattern]).fetchone()[0]
    paths = [Path(pattern)] if "*" not in pattern else list(Path(pattern).parent.glob("*.csv"))
    return rows, sum(p.stat().st_size for p in paths)


def measure(name: str, source: Path, workdir: Path, rounds: int) -> dict:
    """Alternate `calmline etl` and the bare read of ``source`` ``rounds`` times; return the figures."""
    rows, size = count_calls(source)
    files = len(list((source / "calls").glob("*.csv"))) if (source / "calls").is_dir() else 1
    print(f"\n{name}: {rows:,} calls in {files} file(s), {size / 1e6:,.0f} MB of CSV; "
          f"{os.cpu_count()} cores", flush=True)
    etl_runs, bare_runs, ratios = [], [], []
    etl_cpu, bare_cpu, cpu_ratios = [], [], []
    db = workdir / f"etl-{name}.duckdb"
    for r in range(1, rounds + 1):
        db.unlink(missing_ok=True)
        wall, rss, cpu = run_child_cpu([sys.executable, "-m", "calmline", "etl", "--source", str(source),
                                        "--db", str(db)])
        etl_runs.append((wall, rss))
        etl_cpu.append(cpu)
        bare_db = workdir / f"bare-{name}.duckdb"
        bare_db.unlink(missing_ok=True)
        bwall, brss, bcpu = run_child_cpu([sys.executable, "-c", BARE, str(bare_db), calls_files(source)])
        bare_db.unlink(missing_ok=True)
        bare_runs.append((bwall, brss))
        bare_cpu.append(bcpu)
        ratios.append(wall / bwall)
        cpu_ratios.append(cpu / bcpu)
        load = os.getloadavg()[0]
        print(f"  round {r}: etl {wall:6.2f} s ({cpu:6.2f} CPU-s) {rss:7.0f} MB | bare read {bwall:6.2f} s "
              f"({bcpu:6.2f} CPU-s) {brss:7.0f} MB | same-run ratio {wall / bwall:.2f} wall, "
              f"{cpu / bcpu:.2f} CPU | load average {load:.1f}", flush=True)
    etl_wall = statistics.median(w for w, _ in etl_runs)
    bare_wall = statistics.median(w for w, _ in bare_runs)
    figures = {
        "scenario": name, "calls": rows, "files": files, "csv_mb": round(size / 1e6), "rounds": rounds,
        "etl_wall_s": round(etl_wall, 2), "etl_rows_per_s": round(rows / etl_wall),
        "etl_peak_mb": round(max(m for _, m in etl_runs)),
        "bare_wall_s": round(bare_wall, 2), "bare_rows_per_s": round(rows / bare_wall),
        "bare_peak_mb": round(max(m for _, m in bare_runs)),
        "ratio_of_medians": round(etl_wall / bare_wall, 2),
        "median_same_run_ratio": round(statistics.median(ratios), 2),
        "same_run_ratios": [round(x, 2) for x in ratios],
        "etl_cpu_s": round(statistics.median(etl_cpu), 2), "bare_cpu_s": round(statistics.median(bare_cpu), 2),
        "median_same_run_cpu_ratio": round(statistics.median(cpu_ratios), 2),
        "same_run_cpu_ratios": [round(x, 2) for x in cpu_ratios],
        "db_mb": round(db.stat().st_size / 1e6),
    }
    print(f"  median ETL  : {etl_wall:.2f} s ({figures['etl_cpu_s']:.2f} CPU-s), {rows / etl_wall:,.0f} rows/s, "
          f"peak {figures['etl_peak_mb']:,} MB")
    print(f"  median bare : {bare_wall:.2f} s ({figures['bare_cpu_s']:.2f} CPU-s), {rows / bare_wall:,.0f} rows/s, "
          f"peak {figures['bare_peak_mb']:,} MB")
    print(f"  ETL / bare read in CPU seconds: median of same-run ratios {figures['median_same_run_cpu_ratio']:.2f}")
    print(f"  ETL / bare read: median of same-run ratios {figures['median_same_run_ratio']:.2f}, ratio of "
          f"medians {figures['ratio_of_medians']:.2f} (target <= {TARGET_RATIO}); database {figures['db_mb']:,} MB",
          flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2_000_000, help="calls of the monthly-files scenario")
    parser.add_argument("--single-calls", type=int, default=1_000_000, help="calls of the one-file scenario")
    parser.add_argument("--only", choices=("monthly", "single"), help="run one scenario only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    if args.only in (None, "monthly"):
        results.append(measure("monthly", ensure_source(args.workdir, args.calls, args.seed),
                               args.workdir, args.rounds))
    if args.only in (None, "single"):
        results.append(measure("single", ensure_single_file_source(args.workdir, args.single_calls, args.seed),
                               args.workdir, args.rounds))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
