"""`calmline fit` wall time and peak memory at 100k, 1M and 2M upset calls.

    python -m benchmarks.fit                       # 100k and 1M upset calls
    python -m benchmarks.fit --sizes 100000 1000000 2000000
    python -m benchmarks.fit --sizes 1000000 --lanes 1 2   # each round: one lane, then two
    python -m benchmarks.fit --db /tmp/lead12/fit4m.duckdb   # a database already loaded (sizes ignored)
    python -m benchmarks.fit --db /tmp/lead12/fit4m.duckdb --memory-limit 4G   # must complete within 4 GB
    python -m benchmarks.fit --db fit-1000000.duckdb --rounds 3 --suite full issue   # and the issue's suite alone

For each size: generate a centre with about that many upset calls (cached in
--workdir), load it, then run the whole model suite (90-day horizon) in a fresh
child process, once per --lanes value in each round (CALMLINE_FIT_LANES; the
default is the fit's own: two from 300k to 1.5M upset calls, else one). Two lanes fork a process per model family: the peak then adds
each forked process's own pages (smaps_rollup Private_*) to the fit's resident memory. Prints the wall time,
CPU seconds and peak resident memory of the fit, the time (wall and CPU seconds) spent
in each model family, and the peak resident memory while each step ran (steps run at
the same time share their peaks) with what was held when it started (its first sample), with the load average at the start and end of each
round and the seconds the fit's threads were ready to run but waited for a core (the
machine is shared: two threads gain nothing when the other core is busy); with two
--lanes values or more, the same-round ratios of wall and CPU seconds against the first.
--memory-limit SIZE runs each fit in a memory cgroup of its own with that hard limit and no swap
(benchmarks/memory_cap.py): a fit the system kills for want of memory is reported as not completed,
and the cgroup's peak charge (resident and file pages) is printed beside the resident peak.
--free-blas leaves BLAS's threads as the environment sets them (the fit sets one). --suite issue fits only
the families issue #12 names: the disputed points, the sensitivity checks and the coaching and training-impact
tables (added by later issues) return empty tables at once; each fit of a round runs each --suite. Target
(issue #12): the suite at 1M upset calls in <= 20 s and <= 1.5 GB on the 2-core machine; 10M completes in <= 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.measure import run_child
from benchmarks.memory_cap import MemoryCap, parse_size

PYTHONPATH = os.environ.get("PYTHONPATH", "")
"""The benchmark's own PYTHONPATH, after each fit's --code."""

UPSET_SHARE = 0.39
"""About this share of generated calls is upset (anger_level >= 3)."""

FIT = """
import json, os, sys, threading, time
from pathlib import Path
import calmline.analysis.runner as runner
from calmline import vocabulary
from calmline.analysis import schedule
step, peaks, starts, done = ["start"], {}, {}, threading.Event()
if os.environ.get("BENCH_FREE_BLAS"):
    runner.BLAS_THREADS = None  # BLAS's threads as the environment sets them (the fit sets one)
if os.environ.get("BENCH_ISSUE_SUITE"):  # only the families issue #12 names: the later ones return nothing
    import pandas as pd
    runner._sensitivity = lambda *args: pd.DataFrame()
    runner.disputes.dispute_effects = lambda *args, **kwargs: (pd.DataFrame(), [])
    runner.secondary.trainer_tables = lambda *args: {"agent_coaching": pd.DataFrame(),
                                                     "training_impact": pd.DataFrame()}

waited = {}  # per thread: seconds it was ready to run but waited for a core (/proc schedstat)

def private_mb(pid):  # a forked step's own pages (what it shares with the fit is counted once, here)
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return sum(int(line.split()[1]) for line in rollup if line.startswith("Private_")) / 1024
    except OSError:
        return 0.0  # it ended

def sample():  # resident memory every 0.05 s (the fit's, plus its forked steps' own), per running step
    while not done.is_set():
        with open("/proc/self/status") as status:
            mb = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))
        children = [pid for task in Path("/proc/self/task").iterdir()
                    for pid in (task / "children").read_text().split()]
        mb += sum(private_mb(pid) for pid in children)
        peaks["whole fit"] = max(peaks.get("whole fit", 0.0), mb)
        for name in step[0].split("; "):
            peaks[name] = max(peaks.get(name, 0.0), mb)
            starts.setdefault(name, mb)
        for task in Path("/proc/self/task").iterdir():
            try:
                waited[task.name] = int((task / "schedstat").read_text().split()[1]) / 1e9
            except (OSError, IndexError, ValueError):
                pass  # the thread ended
        time.sleep(0.05)

threading.Thread(target=sample, daemon=True).start()
def progress(message):  # the step, and the peaks so far, also on file: a fit killed for memory says where
    step[0] = message
    Path(sys.argv[2] + ".steps").write_text(json.dumps({"step": message, "peaks": peaks, "starts": starts}))

summary = runner.fit(Path(sys.argv[1]), list(vocabulary.practice_names()), progress=progress)
done.set()
Path(sys.argv[2]).write_text(json.dumps({"seconds": summary.seconds, "timings": summary.timings,
                                         "cpu": summary.cpu, "cpu_seconds": summary.cpu_seconds,
                                         "rows": summary.rows, "peaks": peaks, "starts": starts, "code": runner.__file__,
                                         "lanes": getattr(summary, "lanes", None) or getattr(schedule, "lanes", getattr(schedule, "threads", None))(),
                                         "waited": sum(waited.values())}))
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
    parser.add_argument("--lanes", nargs="+", default=[""], metavar="N",
                        help="CALMLINE_FIT_LANES of each fit of a round, run back to back (default: unset)")
    parser.add_argument("--memory-limit", type=parse_size, metavar="SIZE",
                        help="run each fit under this hard memory limit (a cgroup of its own, no swap): 4G")
    parser.add_argument("--suite", nargs="+", default=["full"], choices=["full", "issue"],
                        help="each fit of a round: the whole suite, or only the families issue #12 names")
    parser.add_argument("--free-blas", action="store_true",
                        help="leave BLAS's threads as the environment sets them (the fit sets one)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    parser.add_argument("--db", type=Path, nargs="+", default=[], metavar="PATH",
                        help="fit these databases (built by `calmline etl`; each fit on a copy) instead of --sizes")
    parser.add_argument("--code", nargs="+", default=[""], metavar="DIR",
                        help="PYTHONPATH of each fit of a round, run back to back: a folder whose calmline/ "
                             "is another checkout's code (empty: the installed calmline); with --lanes, "
                             "every pair")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    import duckdb

    settings = [(code, lanes, suite) for code in args.code for lanes in args.lanes for suite in args.suite]
    for upset, db in ([(None, d) for d in args.db] if args.db else
                      ((n, prepare(args.workdir, n, args.seed)) for n in args.sizes)):
        con = duckdb.connect(str(db), read_only=True)
        n_upset, n_window = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE days_observable >= 90) FROM customer_retention"
        ).fetchone()
        con.close()
        runs = {s: {"walls": [], "peaks": [], "cpus": [], "families": {}, "step_peaks": {}, "completed": []}
                for s in settings}
        for _ in range(args.rounds):
            for code, lanes, suite in settings:
                _round(db, upset, lanes, args, runs[code, lanes, suite], code, suite)
        first = runs[settings[0]]
        for (code, lanes, suite), got in runs.items():
            if args.memory_limit:
                print(f"\n{_name(code, lanes, suite)}: {sum(got['completed'])} of {len(got['completed'])} fits "
                      f"completed within the {args.memory_limit / 2 ** 30:.2f} GB limit")
            if not got["walls"]:
                continue
            print(f"\n{n_upset:,} upset calls ({n_window:,} with a closed 90-day window), {_name(code, lanes, suite)}, "
                  f"median of {args.rounds}: fit {median(got['walls']):.1f} s wall, {median(got['cpus']):.1f} s CPU, "
                  f"peak {median(got['peaks']):,.0f} MB")
            if got is not first:
                wall = median(a / b for a, b in zip(got["walls"], first["walls"]))
                cpu = median(a / b for a, b in zip(got["cpus"], first["cpus"]))
                peak = median(a / b for a, b in zip(got["peaks"], first["peaks"]))
                print(f"  against {_name(*settings[0])}, median same-round ratio: wall {wall:.2f}, CPU {cpu:.2f}, "
                      f"peak {peak:.2f}")
            print(f"  {'family':<40} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}")
            for family, pairs in sorted(got["families"].items(), key=lambda kv: -median(w for w, _ in kv[1])):
                peaks = [p for p in got["step_peaks"].get(family, []) if p == p]
                print(f"  {family:<40} {median(w for w, _ in pairs):7.1f} {median(c for _, c in pairs):7.1f} "
                      f"{median(peaks) if peaks else float('nan'):8,.0f}")


def _name(code: str, lanes: str, suite: str = "full") -> str:
    """How a setting of a round is printed."""
    return ((f"code {code}, " if code else "") + f"CALMLINE_FIT_LANES={lanes or 'unset'}"
            + (", the issue's suite" if suite == "issue" else ""))


def _round(db: Path, upset: int | None, lanes: str, args, got: dict, code: str = "", suite: str = "full") -> None:
    """One fit of a copy of ``db`` (``upset``: its nominal size, None for a database given by --db)
    in a child process with CALMLINE_FIT_LANES=``lanes`` (unset when empty; also as
    CALMLINE_FIT_THREADS, which code before session 14 reads: two threads there) and ``code`` first
    on its PYTHONPATH (when given), the whole suite or the issue's (``suite``); its figures appended to ``got``."""
    name = db.stem if upset is None else upset
    work = args.workdir / f"fit-run-{name}.duckdb"
    shutil.copyfile(db, work)
    figures = args.workdir / f"fit-run-{name}.json"
    os.environ.pop("CALMLINE_FIT_LANES", None)
    os.environ.pop("CALMLINE_FIT_THREADS", None)
    os.environ.pop("BENCH_FREE_BLAS", None)
    os.environ.pop("BENCH_ISSUE_SUITE", None)
    if suite == "issue":
        os.environ["BENCH_ISSUE_SUITE"] = "1"
    if lanes:
        os.environ["CALMLINE_FIT_LANES"] = os.environ["CALMLINE_FIT_THREADS"] = lanes
    if args.free_blas:
        os.environ["BENCH_FREE_BLAS"] = "1"
    os.environ.pop("PYTHONPATH", None)
    if code or PYTHONPATH:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [code, PYTHONPATH]))
    load = os.getloadavg()[0]
    child = [sys.executable, "-c", FIT, str(work), str(figures)]
    if args.memory_limit:
        steps = Path(str(figures) + ".steps")
        steps.unlink(missing_ok=True)
        if not _capped(child, args.memory_limit, got, load):
            work.unlink()
            if steps.exists():  # where it was killed, and the peaks of the steps before
                seen = json.loads(steps.read_text())
                print(f"    killed while: {seen['step']}")
                for step, mb in seen["peaks"].items():
                    if step == "whole fit":
                        continue
                    print(f"    peak resident memory while {step:<38} {mb:7,.0f} MB "
                          f"(held at its start {seen['starts'].get(step, float('nan')):7,.0f} MB)")
            return
        wall, rss = got.pop("capped")
    else:
        wall, rss, _ = run_child(child)
    result = json.loads(figures.read_text())
    got["walls"].append(wall)
    rss = max(rss, result.get("peaks", {}).pop("whole fit", 0.0))  # forked steps' own pages added
    got["peaks"].append(rss)
    got["cpus"].append(result.get("cpu_seconds", float("nan")))
    for family, seconds in result["timings"].items():
        got["families"].setdefault(family, []).append((seconds, result.get("cpu", {}).get(family, float("nan"))))
        label = next((step for step in result.get("peaks", {}) if step.endswith(family.split(" (")[0])), None)
        got["step_peaks"].setdefault(family, []).append(result["peaks"][label] if label else float("nan"))
    work.unlink()
    print(f"  round, {result.get('lanes')} lane(s): {wall:.1f} s wall, {got['cpus'][-1]:.1f} s CPU (fit process), "
          f"peak {rss:,.0f} MB, load average {load:.1f} at start / {os.getloadavg()[0]:.1f} at end; "
          f"its threads waited {result.get('waited', float('nan')):.1f} s for a core (busy with other work); "
          f"code {result.get('code')}", flush=True)
    starts = result.get("starts", {})
    for step, mb in result.get("peaks", {}).items():
        start = f" (held at its start {starts[step]:7,.0f} MB)" if step in starts else ""
        print(f"    peak resident memory while {step:<38} {mb:7,.0f} MB{start}")


def _capped(child: list[str], limit: int, got: dict, load: float) -> bool:
    """Run the fit ``child`` under the hard memory ``limit`` (:class:`~benchmarks.memory_cap.MemoryCap`);
    whether it completed (its wall seconds and resident peak then in ``got["capped"]``). A fit killed
    for want of memory is reported and counted as not completed; any other failure ends the benchmark."""
    cap = MemoryCap(limit)
    try:
        wall, rss, _, err, code = cap.run(child)
        killed, charged = cap.killed_for_memory(), cap.peak_mb()
    finally:
        cap.close()
    if code != 0 and not killed:
        sys.exit(f"the fit failed:\n{err[-3000:]}")
    got["completed"].append(code == 0)
    print(f"  round under a {limit / 2 ** 30:.2f} GB hard limit: "
          + (f"completed in {wall:.1f} s" if code == 0 else f"killed for want of memory after {wall:.1f} s")
          + f"; cgroup peak charge {charged:,.0f} MB (resident and file pages), resident peak {rss:,.0f} MB, "
            f"load average {load:.1f} at start", flush=True)
    if code == 0:
        got["capped"] = (wall, rss)
    return code == 0


if __name__ == "__main__":
    main()
