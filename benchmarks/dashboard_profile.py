"""Dashboard callbacks in process: wall and CPU time per callback, and where it goes (SQL, the rest).

    python -m benchmarks.dashboard_profile                          # the 2M-call database, 30 rounds
    python -m benchmarks.dashboard_profile --db calmline.duckdb --rounds 10 --cold

Sends the requests :func:`benchmarks.dashboard.scenarios` replays (the same bodies, the same
random filters) to the app through Flask's test client in this process, one at a time, so the
figures measure the server's own work without the network, gunicorn or other clients. Each
dashboard query (:func:`calmline.dashboard.data.frame`) that runs is timed on its own, so the
report shows per callback: median and p95 wall, median CPU (this process, every thread: DuckDB's
too), median SQL time and the queries that took it. ``--cold`` empties the app's caches before
every request (the data cache and the per-database-version memos): the first visit after a new
database, and every request whose filters nobody asked for before.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.dashboard import percentile

_local = threading.local()


def _timed_queries():
    """Wrap the data module's query runner so each query's seconds are recorded per request."""
    from calmline.dashboard import data

    inner = data._query

    def timed(db, version, name, key):
        started = time.perf_counter()
        try:
            return inner(db, version, name, key)
        finally:
            spent = getattr(_local, "spent", None)
            if spent is not None:
                spent.append((name, time.perf_counter() - started))

    data._query = timed


def profile(db: Path, rounds: int, cold: bool, seed: int, only: str | None = None) -> list[dict]:
    """Per replayed callback: n, wall median/p95 (ms), CPU median (ms), SQL median (ms), top queries."""
    from benchmarks.dashboard import RULES, choices, scenarios
    from calmline.dashboard import data
    from calmline.dashboard.access import User
    from calmline.dashboard.app import Settings, create_app

    del User  # signed-out on loopback: the explorer is served to the local user
    _timed_queries()
    app = create_app(Settings(db=db, rules=RULES))
    client = app.server.test_client()
    client.get("/")
    deps = client.get("/_dash-dependencies").json
    layout = client.get("/_dash-layout").json
    plays = scenarios(deps, choices(db), layout)
    rng = random.Random(seed)
    rows = []
    for name, play in plays.items():
        if only and only not in name:
            continue
        walls, cpus, sqls, queries = [], [], [], defaultdict(list)
        for _ in range(rounds):
            payload = play(rng)
            if cold:
                data.clear_caches()
            _local.spent = []
            started, cpu = time.perf_counter(), time.process_time()
            if isinstance(payload, str):
                resp = client.get(payload)
            else:
                resp = client.post("/_dash-update-component", json=payload)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            if resp.status_code not in (200, 204) or b'"sideUpdate"' in resp.data:
                raise SystemExit(f"{name}: HTTP {resp.status_code} {resp.data[:300]!r}")
            sqls.append(sum(s for _, s in _local.spent))
            for query, seconds in _local.spent:
                queries[query].append(seconds)
            _local.spent = None
        top = sorted(((sum(v) / rounds, q, len(v) / rounds) for q, v in queries.items()), reverse=True)[:3]
        rows.append({"callback": name, "n": rounds, "wall_p50": 1000 * statistics.median(walls),
                     "wall_p95": 1000 * percentile(walls, 0.95), "cpu_p50": 1000 * statistics.median(cpus),
                     "sql_p50": 1000 * statistics.median(sqls),
                     "queries": ", ".join(f"{q} {1000 * s:.0f}" + (f" x{k:.1f}" if k != 1 else "")
                                          for s, q, k in top)})
    return rows


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench"
                        / "dashboard-2000000.duckdb")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--cold", action="store_true", help="empty the app's caches before every request")
    parser.add_argument("--only", help="only the callbacks whose name contains this")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rows = profile(args.db, args.rounds, args.cold, args.seed, args.only)
    print(f"{'callback':44} {'n':>4} {'p50':>6} {'p95':>6} {'cpu':>6} {'sql':>6}  ms; slowest queries (mean ms)")
    for r in sorted(rows, key=lambda r: -r["wall_p95"]):
        print(f"{r['callback']:44} {r['n']:>4} {r['wall_p50']:>6.0f} {r['wall_p95']:>6.0f} {r['cpu_p50']:>6.0f} "
              f"{r['sql_p50']:>6.0f}  {r['queries']}")


if __name__ == "__main__":
    main()
