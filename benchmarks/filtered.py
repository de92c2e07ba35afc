"""Estimates for a filter on Practice impact: time to re-estimate the logit AME and AIPW for the calls
a filter keeps, on the 2M-call database of benchmarks/dashboard.py.

    python -m benchmarks.filtered                    # 4 filters keeping 10-30% of the calls, 3 rounds
    python -m benchmarks.filtered --rounds 5 --db PATH

Each round runs every filter once, cold (no cache), in this process, on a cursor of a read-only
snapshot as the dashboard does: :func:`calmline.analysis.filtered_runner.estimate` (read the
filter's upset calls from the stored model population and the filter macros, then complete cases,
design, practice_effects without the direct logit and balance, q-values and MDE, on one BLAS thread). Prints per filter the share of the run's model calls it keeps,
the median wall time of reading and of estimating, the median total wall and CPU seconds (CPU: the
process's, DuckDB's threads included), then the median and p95 over every (filter, round), the
time of a cached answer, and the load average. Target (#12): p95 <= 3 s for filters keeping at
least 10% of the calls.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PHASES = {
    "design": [("calmline.analysis.filtered_runner", "build")],
    "logit": [("calmline.analysis.logit", "fit"), ("calmline.analysis.logit", "ame")],
    "aipw": [("calmline.analysis.aipw", "estimate"), ("calmline.analysis.logit", "propensities")],
    "balance": [("calmline.analysis.aipw", "balance")],
    "q/mde": [("calmline.analysis.filtered_runner", "add_q_and_mde")],
}
"""The estimate's phases, timed by wrapping these functions (module, name): the outcome logits and their
AMEs, the AIPW estimates (their propensity logits included, also when fitted together by
``logit.propensities`` before the estimates), the balance SMDs (none since the filter skips them),
the q-values and MDEs.
A call inside another timed call counts in the outer one's phase (a propensity logit is AIPW's)."""

FILTERS = {
    "one team (leeds-1)": {"teams": ["leeds-1"]},
    "email calls": {"channels": ["email"]},
    "one site (Belfast)": {"sites": ["Belfast"]},
    "two months (Apr-May)": {"start": "2025-04-01", "end": "2025-05-31"},
}
"""Filters as the dashboard binds them (data.filter_params); each keeps 10-30% of the model's calls
on the generator's 2M-call centre (shares are printed)."""


class PhaseTimer:
    """Wall and CPU seconds per phase of :data:`PHASES`, accumulated while installed."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._depth = 0
        self._undo: list = []

    def install(self) -> None:
        import importlib

        for phase, targets in PHASES.items():
            for module_name, name in targets:
                module = importlib.import_module(module_name)
                if hasattr(module, name):
                    original = getattr(module, name)
                    self._undo.append((module, name, original))
                    setattr(module, name, self._timed(phase, original))

    def uninstall(self) -> None:
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)
        self._undo.clear()

    def reset(self) -> None:
        self.wall, self.cpu = {}, {}

    def _timed(self, phase: str, fn):
        def wrapper(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                self.wall[phase] = self.wall.get(phase, 0.0) + time.perf_counter() - wall
                self.cpu[phase] = self.cpu.get(phase, 0.0) + time.process_time() - cpu
        return wrapper


def _params(chosen: dict) -> dict:
    from calmline.analysis.filtered_runner import PARAMETERS

    return {name: chosen.get(name) for name in PARAMETERS}


def p95(values: list[float]) -> float:
    """The 95th percentile (linear interpolation between closest ranks)."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a loaded and fitted database (default: the 2M-call one "
                                                "benchmarks/dashboard.py builds and caches)")
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    args = parser.parse_args(argv)
    if args.db is None:
        from benchmarks.dashboard import prepare

        args.workdir.mkdir(parents=True, exist_ok=True)
        args.db = prepare(args.workdir, args.calls, args.seed)

    from calmline import vocabulary
    from calmline.analysis import filtered_runner
    from calmline.dashboard.filtered_estimates import EstimateCache
    from calmline.database import snapshots

    with snapshots.reading(args.db) as con:
        con.execute("SET enable_progress_bar = false")
        run = con.execute("SELECT run_id, horizon_days, n_calls FROM model_runs ORDER BY run_id DESC LIMIT 1"
                          ).fetchone()
        practices = [p for (p,) in con.execute("SELECT DISTINCT practice FROM practice_effects WHERE run_id = $r",
                                               {"r": run[0]}).fetchall()]
    practices = [p for p in vocabulary.practice_names() if p in practices]
    horizon, run_calls = int(run[1]), int(run[2])
    print(f"{args.db}: model run {run[0]}, {horizon} days, {run_calls:,} upset calls in the model; "
          f"{len(practices)} practices; {args.rounds} rounds", flush=True)

    times: dict[str, list[tuple[float, float, float, float, int]]] = {name: [] for name in FILTERS}
    phases: dict[str, list[float]] = {}
    timer = PhaseTimer()
    timer.install()
    for r in range(args.rounds):
        for name, chosen in FILTERS.items():
            timer.reset()
            with snapshots.reading(args.db) as con:
                con.execute("SET enable_progress_bar = false")
                wall, cpu = time.perf_counter(), time.process_time()
                result = filtered_runner.estimate(con, _params(chosen), horizon, practices, int(run[0]))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            sec = result.seconds
            rest = sec["estimate_cpu"] - sum(timer.cpu.values())
            for phase in PHASES:
                phases.setdefault(phase, []).append(timer.cpu.get(phase, 0.0))
            phases.setdefault("other", []).append(rest)
            times[name].append((wall, cpu, sec["read"], sec["estimate"], sec["read_cpu"], sec["estimate_cpu"],
                                result.n_calls))
            print(f"  round {r + 1}: {name}: {wall:.2f} s wall, {cpu:.2f} s CPU (read {sec['read']:.2f} s, "
                  f"{sec['read_cpu']:.2f} s CPU; estimate {sec['estimate']:.2f} s, {sec['estimate_cpu']:.2f} s CPU)"
                  + (f"; refused: {result.refusal}" if result.refusal else ""), flush=True)
            print("    CPU s by phase: " + ", ".join(f"{p} {timer.cpu.get(p, 0.0):.2f}" for p in PHASES)
                  + f", other {rest:.2f}", flush=True)
    timer.uninstall()

    print(f"\n{'filter':<24}{'calls':>9}{'share':>7}{'read':>13}{'estimate':>13}{'total':>13}"
          "  (medians: wall s / CPU s)")
    walls, cpus = [], []
    for name, rows in times.items():
        walls += [w for w, *_ in rows]
        cpus += [c for _, c, *_ in rows]
        med = [statistics.median(v) for v in zip(*rows)]
        n = rows[0][-1]
        print(f"{name:<24}{n:>9,}{n / run_calls:>7.0%}{med[2]:>7.2f} /{med[4]:>4.1f}{med[3]:>7.2f} /{med[5]:>4.1f}"
              f"{med[0]:>7.2f} /{med[1]:>4.1f}")
    print("estimate's CPU s by phase, median over every (filter, round): "
          + ", ".join(f"{p} {statistics.median(v):.2f}" for p, v in phases.items()))
    cache = EstimateCache()
    cache.get(("k",), lambda: result)
    start = time.perf_counter()
    for _ in range(1000):
        cache.get(("k",), lambda: result)
    cached = (time.perf_counter() - start) / 1000
    print(f"\nall filters and rounds (n = {len(walls)}): median {statistics.median(walls):.2f} s, "
          f"p95 {p95(walls):.2f} s wall; CPU median {statistics.median(cpus):.2f} s, p95 {p95(cpus):.2f} s; "
          "target p95 <= 3 s wall")
    print(f"a cached answer: {cached * 1e6:.1f} µs")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
