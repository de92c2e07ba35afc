"""`calmline fit` wall time and peak memory at 100k, 1M and 2M upset calls.

    python -m benchmarks.fit                       # 100k and 1M upset calls
    python -m benchmarks.fit --sizes 100000 1000000 2000000

For each size: generate a centre with about that many upset calls (cached in
--workdir), load it, then run the whole model suite (90-day horizon) in a fresh
child process. Prints the wall time and peak resident memory of the fit, and
the time (wall and CPU seconds) spent in each model family, with the load average
at the start of each round (the machine is shared). Target (issue #12): the suite at
1M upset calls in <= 20 s and <= 1.5 GB on the 2-core machine; 10M completes in <= 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.measure import run_child

UPSET_SHARE = 0.39
"""About this share of generated calls is upset (anger_level >= 3)."""

FIT = """
import json, sys, threading, time
from pathlib import Path
import calmline.analysis.runner as runner
from calmline import vocabulary
step, peaks, done = ["start"], {}, threading.Event()

def sample():  # resident memory every 0.2 s, kept per progress step (the step's peak)
    while not done.is_set():
        with open("/proc/self/status") as status:
            mb = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))
        peaks[step[0]] = max(peaks.get(step[0], 0.0), mb)
        time.sleep(0.2)

threading.Thread(target=sample, daemon=True).start()
summary = runner.fit(Path(sys.argv[1]), list(vocabulary.practice_names()), progress=lambda m: step.__setitem__(0, m))
done.set()
Path(sys.argv[2]).write_text(json.dumps({"seconds": summary.seconds, "timings": summary.timings,
                                         "cpu": summary.cpu, "cpu_seconds": summary.cpu_seconds,
                                         "rows": summary.rows, "peaks": peaks, "code": runner.__file__}))
"""


def prepare(workdir: Path, upset: int, seed: int) -> Path:
    from calmline.synth import customers_for_calls

    db = workdir / f"fit-{upset}.duckdb"
    if db.exists():
        return db
    source = workdir / f"fit-source-{upset}"
    customers = customers_for_calls(round(upset / UPSET_SHARE))
    print(f"generating about {upset:,} upset calls ({customers:,} customers) ...", flush=True)
    subprocess.run([sys.executable, "-m", "calmline", "generate", "--out", str(source), "--customers",
                    str(customers), "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    truth = json.loads((source / "ground_truth.json").read_text())
    subprocess.run([sys.executable, "-m", "calmline", "etl", "--source", str(source), "--db", str(db),
                    "--as-of", truth["as_of"]], check=True, stdout=subprocess.DEVNULL)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--rounds", type=int, default=1, help="fits per size (medians printed)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    import duckdb

    for upset in args.sizes:
        db = prepare(args.workdir, upset, args.seed)
        con = duckdb.connect(str(db), read_only=True)
        n_upset, n_window = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE days_observable >= 90) FROM customer_retention"
        ).fetchone()
        con.close()
        walls, peaks, cpus, families = [], [], [], {}
        for _ in range(args.rounds):
            work = args.workdir / f"fit-run-{upset}.duckdb"
            work.write_bytes(db.read_bytes())
            figures = args.workdir / f"fit-run-{upset}.json"
            load = os.getloadavg()[0]
            wall, rss, _ = run_child([sys.executable, "-c", FIT, str(work), str(figures)])
            result = json.loads(figures.read_text())
            walls.append(wall)
            peaks.append(rss)
            cpus.append(result.get("cpu_seconds", float("nan")))
            for family, seconds in result["timings"].items():
                families.setdefault(family, []).append((seconds, result.get("cpu", {}).get(family, float("nan"))))
            work.unlink()
            print(f"  round: {wall:.1f} s wall, {cpus[-1]:.1f} s CPU (fit process), peak {rss:,.0f} MB, "
                  f"load average {load:.1f} at start / {os.getloadavg()[0]:.1f} at end; code {result.get('code')}",
                  flush=True)
            for step, mb in result.get("peaks", {}).items():
                print(f"    peak resident memory in {step:<38} {mb:7,.0f} MB")
        print(f"\n{n_upset:,} upset calls ({n_window:,} with a closed 90-day window), median of "
              f"{args.rounds}: fit {median(walls):.1f} s wall, {median(cpus):.1f} s CPU, "
              f"peak {median(peaks):,.0f} MB")
        print(f"  {'family':<40} {'wall s':>7} {'CPU s':>7}")
        for family, pairs in sorted(families.items(), key=lambda kv: -median(w for w, _ in kv[1])):
            print(f"  {family:<40} {median(w for w, _ in pairs):7.1f} {median(c for _, c in pairs):7.1f}")


if __name__ == "__main__":
    main()
