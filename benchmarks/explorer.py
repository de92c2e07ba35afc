"""A runaway explorer query under dashboard load: does it stop in time, and do other pages keep up?

    python -m benchmarks.explorer                       # 2M calls, 3 rounds of 30 s idle + 30 s runaway
    python -m benchmarks.explorer --seconds 60 --rounds 2

Uses the database `benchmarks/dashboard.py` builds (2M generated calls, loaded and
fitted, cached in --workdir) and serves it the production way: gunicorn, 2 workers x 4
threads on loopback, with sign-in (a users file in CALMLINE_USERS, so the explorer is on
and every request carries basic authentication as a browser's would). 8 clients replay the
dashboard's callbacks with random filters, as in the dashboard benchmark: first for
--warmup seconds, not counted, then through alternating phases of --seconds each:

- idle: the dashboard load alone;
- runaway: the same load while an analyst runs, one after another, an explorer query
  that would take hours (a cross join of range(1e9) with range(1000)), each stopped by the
  explorer's time limit (10 s by default).

Prints, per callback and pooled over all of them, the p95 latency in each phase and their
ratio (target <= 2), each runaway query's wall time as the analyst saw it (target: the time
limit + 1 s at most) and whether it ended with the time-limit message, the error count, and
the server's peak memory.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.dashboard import (choices, free_port, load, load_options, memory_sampler,
                                  outputs, percentile, prepare, scenarios, start_server)
from calmline.explorer.sandbox import Limits

RUNAWAY = "SELECT count(*) FROM range(1000000000) a CROSS JOIN range(1000) b"
STOPPED = "stopped after the time limit"


def users_file(folder: Path) -> tuple[Path, tuple[str, str]]:
    """A users file with one analyst, and that analyst's (name, password)."""
    from werkzeug.security import generate_password_hash

    password = secrets.token_urlsafe(12)
    path = folder / "users.toml"
    path.write_text(f'[users.bench]\npassword_hash = "{generate_password_hash(password)}"\n'
                    f'roles = ["analyst"]\n', encoding="utf-8")
    return path, ("bench", password)


def run_sql_request(deps: list[dict], sql: str) -> dict:
    """The request the explorer page sends when the analyst presses "Run SQL"."""
    out = next(d["output"] for d in deps if d["output"].lstrip(".").startswith("explorer-result.rowData"))
    return {"output": out, "outputs": outputs(out),
            "inputs": [{"id": "explorer-run-saved", "property": "n_clicks", "value": None},
                       {"id": "explorer-run-sql", "property": "n_clicks", "value": 1}],
            "state": [{"id": "explorer-saved", "property": "value", "value": None}, [], [],
                      {"id": "explorer-sql", "property": "value", "value": sql},
                      {"id": "explorer-history-store", "property": "data", "value": None}],
            "changedPropIds": ["explorer-run-sql.n_clicks"]}


def analyst(base: str, auth: tuple[str, str], body: dict, stop: threading.Event, runs: list) -> None:
    """Run the runaway query again and again until ``stop``; (seconds, stopped by the limit) each."""
    import requests

    session = requests.Session()
    session.auth = auth
    while not stop.is_set():
        started = time.perf_counter()
        try:
            resp = session.post(f"{base}/_dash-update-component", json=body, timeout=120)
            stopped = resp.status_code == 200 and STOPPED in resp.text
        except requests.RequestException:
            stopped = False
        runs.append((time.perf_counter() - started, stopped))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    load_options(parser, seconds=30, help_seconds="length of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="idle + runaway phase pairs")
    parser.add_argument("--warmup", type=float, default=20,
                        help="seconds of load first, not counted (each worker's first queries and figures)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = prepare(args.workdir, args.calls, args.seed)
    pick = choices(db)
    with tempfile.TemporaryDirectory() as folder:
        users, auth = users_file(Path(folder))
        port = free_port()
        server = start_server(db, port, args.workers, args.threads, env={"CALMLINE_USERS": str(users)}, auth=auth)
        base = f"http://127.0.0.1:{port}"
        peak, stop_sampling = [0.0], threading.Event()
        threading.Thread(target=memory_sampler, args=(server.pid, peak, stop_sampling), daemon=True).start()
        try:
            figures = measure(base, auth, pick, args)
        finally:
            stop_sampling.set()
            server.terminate()
            server.wait(timeout=30)
    report(*figures, peak[0], args)


def measure(base: str, auth: tuple[str, str], pick: dict, args) -> tuple[dict, list, int, list, int]:
    """Alternate idle and runaway phases: latencies per phase and callback, the runaway runs, the
    error count and a few messages, and how many requests were sent again (see dashboard.load)."""
    import requests

    deps = requests.get(f"{base}/_dash-dependencies", timeout=30, auth=auth).json()
    plays = scenarios(deps, pick)
    plays["app layout"] = None
    body = run_sql_request(deps, RUNAWAY)
    print(f"{args.clients} clients (think {args.think:.1f} s), {args.workers} workers x {args.threads} threads, "
          f"{args.rounds} rounds of {args.seconds:.0f} s idle + {args.seconds:.0f} s with a runaway query; "
          f"signed in", flush=True)
    load(base, plays, args.clients, args.warmup, args.seed - 1, args.think, auth=auth)
    times: dict[str, dict[str, list[float]]] = {"idle": defaultdict(list), "runaway": defaultdict(list)}
    runs: list[tuple[float, bool]] = []
    n_errors, examples, resent = 0, [], 0
    for round_ in range(args.rounds):
        for phase in ("idle", "runaway"):
            stop = threading.Event()
            runner = threading.Thread(target=analyst, args=(base, auth, body, stop, runs))
            if phase == "runaway":
                runner.start()
                time.sleep(1)  # the query is under way before the load starts
            got, errors, shown, again = load(base, plays, args.clients, args.seconds, args.seed * 100 + round_,
                                      args.think, auth=auth)
            if phase == "runaway":
                stop.set()
                runner.join()  # its last query ends (at the limit) before the next idle phase
            for name, values in got.items():
                times[phase][name].extend(values)
            n_errors += errors
            examples += shown
            resent += again
            print(f"round {round_ + 1} {phase}: {sum(map(len, got.values()))} requests, {errors} errors", flush=True)
    return times, runs, n_errors, examples[:5], resent


def report(times: dict, runs: list, n_errors: int, examples: list, resent: int, peak_mb: float, args) -> None:
    def p95(values: list[float]) -> float:
        return percentile(values, 0.95) * 1000 if values else float("nan")

    rows = []
    print(f"\n{'callback':38} {'n idle':>7} {'p95 idle':>9} {'n run':>6} {'p95 run':>8} {'ratio':>6}")
    for name in sorted(times["idle"]):
        idle, busy = times["idle"][name], times["runaway"].get(name, [])
        row = {"callback": name, "n_idle": len(idle), "p95_idle_ms": round(p95(idle)),
               "n_runaway": len(busy), "p95_runaway_ms": round(p95(busy)), "ratio": round(p95(busy) / p95(idle), 2)}
        rows.append(row)
        print(f"{name:38} {row['n_idle']:>7} {row['p95_idle_ms']:>9} {row['n_runaway']:>6} "
              f"{row['p95_runaway_ms']:>8} {row['ratio']:>6.2f}")
    pooled = {phase: [t for values in times[phase].values() for t in values] for phase in times}
    ratio = p95(pooled["runaway"]) / p95(pooled["idle"])
    print(f"{'all callbacks':38} {len(pooled['idle']):>7} {p95(pooled['idle']):>9.0f} {len(pooled['runaway']):>6} "
          f"{p95(pooled['runaway']):>8.0f} {ratio:>6.2f}   (target <= 2.00)")
    walls = [wall for wall, _ in runs]
    limit = Limits().seconds  # the server runs with the explorer's default limits
    stopped = sum(ok for _, ok in runs)
    if walls:
        print(f"runaway queries: {len(walls)}, {stopped} stopped with the time-limit message; wall time median "
              f"{statistics.median(walls):.2f} s, max {max(walls):.2f} s (limit {limit:g} s, "
              f"target <= {limit + 1:g} s)")
    print(f"errors: {n_errors} ({resent} requests sent again after the server closed an idle connection); "
          f"server peak memory {peak_mb:,.0f} MB")
    for line in examples:
        print("  error:", line)
    if args.json:
        args.json.write_text(json.dumps({
            "callbacks": rows, "p95_idle_ms": round(p95(pooled["idle"])),
            "p95_runaway_ms": round(p95(pooled["runaway"])), "ratio": round(ratio, 2),
            "runaway_runs": len(walls), "runaway_stopped": stopped,
            "runaway_max_s": round(max(walls), 2) if walls else None, "errors": n_errors, "resent": resent,
            "server_peak_mb": round(peak_mb)}, indent=2))


if __name__ == "__main__":
    main()
