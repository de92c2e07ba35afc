"""ETL speed and memory against a bare DuckDB read of the same calls, measured in one run.

    python -m benchmarks.etl                 # 2M calls, 3 rounds
    python -m benchmarks.etl --calls 10000000 --rounds 1

Generates the source folder once (cached in --workdir), then alternates, each in
a fresh child process: `calmline etl` into a new database, and a bare
`CREATE TABLE calls AS SELECT * FROM read_csv('calls/*.csv')`. Prints per-round
figures, then medians and the ratio of the medians (target: <= 2.0, and peak
memory <= 3 GB at 2M calls). Peak memory is the child's maximum resident set.
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

from benchmarks.measure import run_child

BARE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE calls AS SELECT * FROM read_csv(?)", [sys.argv[2]])
print(con.execute("SELECT count(*) FROM calls").fetchone()[0])
"""


def ensure_source(workdir: Path, calls: int, seed: int) -> Path:
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
                    "--customers", str(customers), "--seed", str(seed)],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
    marker.write_text("ok")
    return source


def count_calls(source: Path) -> tuple[int, int]:
    import duckdb

    rows = duckdb.connect().execute("SELECT count(*) FROM read_csv(?)",
                                    [str(source / "calls" / "*.csv")]).fetchone()[0]
    size = sum(p.stat().st_size for p in (source / "calls").glob("*.csv"))
    return rows, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = ensure_source(args.workdir, args.calls, args.seed)
    rows, size = count_calls(source)
    print(f"calls: {rows:,} rows in {size / 1e6:,.0f} MB of CSV; {os.cpu_count()} cores")
    etl_runs, bare_runs = [], []
    for r in range(1, args.rounds + 1):
        db = args.workdir / "etl.duckdb"
        db.unlink(missing_ok=True)
        wall, rss, _ = run_child([sys.executable, "-m", "calmline", "etl", "--source", str(source),
                                  "--db", str(db)])
        etl_runs.append((wall, rss))
        bare_db = args.workdir / "bare.duckdb"
        bare_db.unlink(missing_ok=True)
        bwall, brss, out = run_child([sys.executable, "-c", BARE, str(bare_db),
                                      str(source / "calls" / "*.csv")])
        bare_runs.append((bwall, brss))
        print(f"round {r}: etl {wall:6.2f} s {rss:7.0f} MB | bare read {bwall:6.2f} s {brss:7.0f} MB "
              f"| ratio {wall / bwall:.2f}", flush=True)
    etl_wall = statistics.median(w for w, _ in etl_runs)
    bare_wall = statistics.median(w for w, _ in bare_runs)
    figures = {
        "calls": rows, "csv_mb": round(size / 1e6), "rounds": args.rounds,
        "etl_wall_s": round(etl_wall, 2), "etl_rows_per_s": round(rows / etl_wall),
        "etl_peak_mb": round(max(m for _, m in etl_runs)),
        "bare_wall_s": round(bare_wall, 2), "bare_rows_per_s": round(rows / bare_wall),
        "bare_peak_mb": round(max(m for _, m in bare_runs)),
        "ratio_etl_to_bare": round(etl_wall / bare_wall, 2),
        "db_mb": round((args.workdir / "etl.duckdb").stat().st_size / 1e6),
    }
    print(f"median ETL  : {etl_wall:.2f} s, {rows / etl_wall:,.0f} rows/s, peak {figures['etl_peak_mb']:,} MB")
    print(f"median bare : {bare_wall:.2f} s, {rows / bare_wall:,.0f} rows/s, peak {figures['bare_peak_mb']:,} MB")
    print(f"ratio ETL / bare read: {figures['ratio_etl_to_bare']:.2f} (target <= 2.0); "
          f"database {figures['db_mb']:,} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
