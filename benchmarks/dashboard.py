"""Dashboard latency under load: the production server, 2 workers, 8 clients replaying callbacks.

    python -m benchmarks.dashboard                       # 2M calls, 60 s of load
    python -m benchmarks.dashboard --seconds 120 --clients 8 --workers 2 --threads 4

Builds (once, cached in --workdir) a database from about 2M generated calls with
`calmline etl` and `calmline fit`, starts gunicorn with `calmline.dashboard.wsgi:server` on
loopback, then lets --clients threads replay every page's server callbacks, as the
browser sends them, for --seconds: overview (filters, headline/trends/teams, team and
agent drill-down, HTML report), practice impact (and its KM curve), training
priorities by team, data health, the page router and the app layout. Each request
draws fresh random filters (period, teams, sites, channels, issue types, anger
levels), so most miss the per-worker cache. Each client waits a random think time
(mean --think seconds, default 1) between requests, as a person does; --think 0
sends back to back, a saturation test. Prints per-callback count, p50, p95 and
max latency, the error count, and the server's peak memory (master and workers).
Target: p95 <= 300 ms for every callback, zero errors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.etl import ensure_source
from benchmarks.measure import run_child


def prepare(workdir: Path, calls: int, seed: int) -> Path:
    """The loaded and fitted database for ``calls`` generated calls (built once)."""
    db = workdir / f"dashboard-{calls}.duckdb"
    marker = workdir / f"dashboard-{calls}.ready"
    if marker.exists() and db.exists():
        return db
    source = ensure_source(workdir, calls, seed)
    db.unlink(missing_ok=True)
    for step in (["etl", "--source", str(source)], ["fit"]):
        wall, rss, _ = run_child([sys.executable, "-m", "calmline", *step, "--db", str(db)])
        print(f"calmline {step[0]}: {wall:.1f} s, peak {rss:,.0f} MB", flush=True)
    marker.write_text("ok")
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int, threads: int, env: dict | None = None,
                 auth: tuple[str, str] | None = None) -> subprocess.Popen:
    """gunicorn serving ``db`` on loopback, once it answers; ``env`` adds to its environment."""
    env = {**os.environ, "CALMLINE_DB": str(db), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "calmline.dashboard.wsgi:server"],
        env=env, cwd=ROOT)
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=5, auth=auth).status_code == 200:
                return proc
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            time.sleep(0.3)
    proc.kill()
    sys.exit("the dashboard did not start within 60 s")


def choices(db: Path) -> dict[str, list]:
    """What the filters and drill-downs can pick from, read from the database."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT filter, value FROM (" + (ROOT / "queries/dashboard/filter_options.sql")
                            .read_text() + ")").fetchall()
        agents = con.execute("SELECT DISTINCT agent_id, team FROM agent_summary").fetchall()
        practices = [r[0] for r in con.execute("SELECT DISTINCT practice FROM practice_effects").fetchall()]
    out: dict[str, list] = defaultdict(list)
    for name, value in found:
        out[name].append(value)
    out["agents"] = agents
    out["practices"] = practices
    return out


FILTERS = {"teams": "team", "sites": "site", "channels": "channel", "issues": "issue_type"}


def random_filters(pick: dict, rng: random.Random) -> dict:
    chosen: dict = {}
    months = pick["month"]
    if rng.random() < 0.6:
        a, b = sorted(rng.sample(range(len(months)), 2))
        chosen["start"], chosen["end"] = months[a], months[b]
    for name, source in FILTERS.items():
        if rng.random() < 0.3:
            chosen[name] = rng.sample(pick[source], rng.randint(1, min(2, len(pick[source]))))
    if rng.random() < 0.3:
        chosen["anger"] = rng.sample(["3", "4", "5"], rng.randint(1, 2))
    return chosen


def outputs(spec: str) -> list | dict:
    """The ``outputs`` field Dash's renderer sends for a callback's output spec."""
    def one(part: str):
        ident, prop = part.rsplit(".", 1)
        return {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop}
    if spec.startswith(".."):
        return [one(p) for p in spec[2:-2].split("...")]
    return one(spec)


def scenarios(deps: list[dict], pick: dict) -> dict:
    """For each replayed callback: a function (rng) -> request body, as the browser would send it."""
    from calmline.dashboard.filters import FIELDS, to_search

    by_output = {d["output"]: d for d in deps}

    def spec(prefix: str) -> str:
        return next(o for o in by_output if o.lstrip(".").startswith(prefix))

    def body(prefix, inputs, state=(), changed=None):
        """The request for the callback whose output starts with ``prefix``: its inputs and state
        as the app declares them, with the values given here (by id and property; others None)."""
        out = spec(prefix)
        given = {(v["id"] if isinstance(v["id"], str) else json.dumps(v["id"]), v["property"]): v["value"]
                 for v in [*inputs, *state]}

        def values(declared):
            return [{"id": d["id"], "property": d["property"],
                     "value": given.get((d["id"], d["property"]))} for d in declared]

        dep = by_output[out]
        return {"output": out, "outputs": outputs(out), "inputs": values(dep["inputs"]),
                "state": values(dep["state"]),
                "changedPropIds": changed or [f"{inputs[0]['id']}.{inputs[0]['property']}"]}

    def store(rng):
        return {"id": "filters-store", "property": "data", "value": random_filters(pick, rng)}

    def sync(rng):
        chosen = random_filters(pick, rng)
        ids = [{"type": "filter", "name": n} for n in FIELDS]
        out = next(o for o in by_output if o.startswith("..url.search...{"))  # the filters' own sync
        controls = [{"id": i, "property": "value", "value": None} for i in ids]
        declared = outputs(out)
        return {"output": out, "outputs": [declared[0], [{"id": i, "property": "value"} for i in ids],
                                           *declared[2:]],
                "inputs": [{"id": "url", "property": "search", "value": to_search(chosen)}, controls],
                "state": [[{"id": i, "property": "id", "value": i} for i in ids],
                          {"id": "filters-store", "property": "data", "value": None}],  # the filters before
                "changedPropIds": ["url.search"]}

    def team(rng):
        return {"id": "overview-teams", "property": "selectedRows",
                "value": [{"team": rng.choice(pick["team"])}]}

    def agent(rng):
        return {"id": "overview-agents", "property": "selectedRows",
                "value": [{"agent_id": rng.choice(pick["agents"])[0]}]}

    def path(p):
        return {"id": "url", "property": "pathname", "value": p}

    def horizon(page):
        return {"id": f"{page}-horizon", "property": "value", "value": 90}

    return {
        "filters <-> URL": sync,
        "page router": lambda rng: body("_pages_content.children", [
            {"id": "_pages_location", "property": "pathname",
             "value": rng.choice(["/", "/impact", "/training", "/health", "/explorer"])},
            {"id": "_pages_location", "property": "search", "value": ""}]),
        "overview: headline, trends, teams": lambda rng: body("overview-headline.children", [store(rng)]),
        "overview: team -> agents": lambda rng: body("overview-agents.rowData", [team(rng)], [store(rng)]),
        "overview: agent -> calls": lambda rng: body("overview-calls.rowData", [agent(rng)], [store(rng)]),
        # A GET of the report's Flask route (a file download), not a callback: a path, not a body.
        "overview: HTML report": lambda rng: "/report.html" + to_search(random_filters(pick, rng)),
        "impact: all figures": lambda rng: body("impact-forest.figure", [horizon("impact")], [path("/impact")]),
        "impact: KM curve": lambda rng: body("impact-km.figure", [
            {"id": "impact-km-practice", "property": "value", "value": rng.choice(pick["practices"])},
            horizon("impact")]),
        "training: by team": lambda rng: body("training-team.options", [
            {"id": "training-team", "property": "value", "value": rng.choice(["all", *pick["team"]])},
            horizon("training")]),
        "health: all": lambda rng: body("health-freshness.children", [path("/health")]),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load(base: str, plays: dict, clients: int, seconds: float, seed: int,
         think: float, auth: tuple[str, str] | None = None) -> tuple[dict, int, list, int]:
    """Replay the callbacks from ``clients`` threads for ``seconds``.

    ``auth``: (user, password) sent as basic authentication with every request. Returns the
    latencies per callback, the error count, a few error messages, and how many requests
    were sent again after the server had closed their idle connection.
    """
    import requests

    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    names = list(plays)

    resent = [0]

    def send(session, name: str, payload):
        url = f"{base}/_dash-layout" if payload is None else f"{base}/_dash-update-component"
        for attempt in (1, 2):
            try:
                if payload is None or isinstance(payload, str):
                    return session.get(url if payload is None else base + payload, timeout=60)
                return session.post(url, json=payload, timeout=60)
            except requests.ConnectionError:
                # The server closes idle keep-alive connections (gunicorn: after 2 s); a request
                # that raced the close fails at once, and a browser sends it again. So do we, once.
                if attempt == 2:
                    raise
                with lock:
                    resent[0] += 1

    def client(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        session = requests.Session()
        session.auth = auth
        while time.monotonic() < stop:
            if think:
                time.sleep(rng.uniform(0, 2 * think))  # a person reading the page before the next click
            name = rng.choice(names)
            payload = None if name == "app layout" else plays[name](rng)
            started = time.perf_counter()
            try:
                resp = send(session, name, payload)
            except requests.RequestException as exc:
                with lock:
                    times[name].append(time.perf_counter() - started)
                    errors.append(f"{name}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            # A failed callback answers 200 and shows the app's error message through "sideUpdate".
            ok = resp.status_code in (200, 204) and b'"sideUpdate"' not in resp.content
            with lock:
                times[name].append(elapsed)
                if not ok:
                    errors.append(f"{name}: HTTP {resp.status_code} {resp.text[:200]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, len(errors), errors[:5], resent[0]


def memory_sampler(pid: int, peak: list[float], stop: threading.Event) -> None:
    import psutil

    root = psutil.Process(pid)
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs) / 1e6)
        except psutil.Error:
            pass
        stop.wait(0.2)


def load_options(parser: argparse.ArgumentParser, seconds: float, help_seconds: str | None = None) -> None:
    """The options of a benchmark that serves the 2M-call database and replays the dashboard."""
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument("--seconds", type=float, default=seconds, help=help_seconds)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a client waits between requests (0: back to back)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    parser.add_argument("--json", type=Path, help="also write the figures here")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    load_options(parser, seconds=60)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = prepare(args.workdir, args.calls, args.seed)
    pick = choices(db)
    port = free_port()
    server = start_server(db, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    peak, stop = [0.0], threading.Event()
    sampler = threading.Thread(target=memory_sampler, args=(server.pid, peak, stop), daemon=True)
    sampler.start()
    try:
        import requests

        plays = scenarios(requests.get(f"{base}/_dash-dependencies", timeout=30).json(), pick)
        plays["app layout"] = None
        print(f"{args.clients} clients (think time {args.think:.1f} s mean), "
              f"{args.workers} gunicorn workers x {args.threads} threads, "
              f"{args.seconds:.0f} s, {len(plays)} callbacks; database {db.stat().st_size / 1e6:,.0f} MB",
              flush=True)
        times, n_errors, examples, resent = load(base, plays, args.clients, args.seconds, args.seed, args.think)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
    report(times, n_errors, examples, resent, peak[0], args)


def report(times: dict, n_errors: int, examples: list, resent: int, peak_mb: float, args) -> None:
    rows = []
    print(f"{'callback':38} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name in sorted(times):
        ms = [t * 1000 for t in times[name]]
        row = {"callback": name, "n": len(ms), "p50_ms": round(statistics.median(ms)),
               "p95_ms": round(percentile(ms, 0.95)), "max_ms": round(max(ms))}
        rows.append(row)
        print(f"{name:38} {row['n']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
    worst = max(r["p95_ms"] for r in rows)
    total = sum(r["n"] for r in rows)
    print(f"requests: {total:,} ({total / args.seconds:,.0f}/s); errors: {n_errors} "
          f"({resent} sent again after the server closed an idle connection); "
          f"worst p95: {worst} ms (target <= 300); server peak memory {peak_mb:,.0f} MB")
    for line in examples:
        print("  error:", line)
    if args.json:
        args.json.write_text(json.dumps({"callbacks": rows, "errors": n_errors, "resent": resent, "worst_p95_ms": worst,
                                         "server_peak_mb": round(peak_mb), "requests": total}, indent=2))


if __name__ == "__main__":
    main()
