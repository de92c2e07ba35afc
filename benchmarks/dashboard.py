"""Dashboard latency under load: the production server, 2 workers, 8 clients replaying callbacks.

    python -m benchmarks.dashboard                       # 2M calls, 60 s of load
    python -m benchmarks.dashboard --seconds 120 --clients 8 --workers 2 --threads 4

Builds (once, cached in --workdir; --rebuild: again with the current code) a database from
about 2M generated calls with `calmline etl` and `calmline fit`, starts gunicorn with
`calmline.dashboard.wsgi:server` on loopback, signed in as an analyst (so the query explorer is
served), with docs/notify.example.toml as the Alerts page's rules file and CALMLINE_WARM=1 (each
worker builds the model pages' figures in the background when it first reads the database;
--no-warm: not), then lets --clients
threads replay every page's server callbacks, as the browser sends them, for --seconds: the
filters, navigation and page router (every page, the call page with a call, Training with an
agent), the overview (headline, teams, adoption trend, comparisons, revenue at risk and KPIs,
drill-downs and their URL, chart clicks, download links, the HTML report route), Practice impact (horizon, figures, KM curve,
sensitivity, the disputed points, its report), Training priorities (by team, coaching queue, an
agent's calls, training impact, adoption trend, its report), Data health (load, rejected rows
and their CSV, detection vs QA), the explorer's schema, saved-query pick, history and chart,
every grid's CSV export, and the app layout. Left out, each with a benchmark of its own
(:data:`NOT_REPLAYED`): the estimate for a filter (an on-demand model fit, 3 s target), the
explorer's run and export (the analyst's SQL), saving a query; the PDF route (headless
Chromium). A server callback the app has and the benchmark does not know stops it.

Each request draws fresh random filters (period, teams, sites, channels, issue types, anger
levels), so most miss the per-worker cache. Each client waits a random think time (mean
--think seconds, default 1) between requests, as a person does; --think 0 sends back to
back, a saturation test. ``--first``: no load; as soon as the server answers, each of
:data:`FIRST` (the explorer's schema, the overview's card callbacks, its report) is asked from
--clients threads at once, the workers' first requests, and their latencies are printed.
Prints per-callback count, p50, p95 and max latency, the error
count, and the server's peak memory (master and workers). Target (issue #12): p95 <= 150 ms
for every callback, zero errors.
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


def prepare(workdir: Path, calls: int, seed: int, rebuild: bool = False) -> Path:
    """The loaded and fitted database for ``calls`` generated calls (built once; ``rebuild``: again,
    with the current code, e.g. after the ETL or the fit changed what they write).

    Built under another name and renamed into place, so a server still reading the previous
    file is never handed a half-built one."""
    db = workdir / f"dashboard-{calls}.duckdb"
    marker = workdir / f"dashboard-{calls}.ready"
    if marker.exists() and db.exists() and not rebuild:
        return db
    source = ensure_source(workdir, calls, seed)
    building = workdir / f".dashboard-{calls}.building.duckdb"
    building.unlink(missing_ok=True)
    for step in (["etl", "--source", str(source)], ["fit"]):
        wall, rss, _ = run_child([sys.executable, "-m", "calmline", *step, "--db", str(building)])
        print(f"calmline {step[0]}: {wall:.1f} s, peak {rss:,.0f} MB", flush=True)
    marker.unlink(missing_ok=True)
    building.replace(db)
    marker.write_text("ok")
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int, threads: int, env: dict | None = None,
                 auth: tuple[str, str] | None = None, code: Path | None = None) -> subprocess.Popen:
    """gunicorn serving ``db`` on loopback, once it answers; ``env`` adds to its environment.

    ``code``: serve the calmline package found in this folder (a ``calmline`` package with its
    dashboard, queries, etl and analysis inside, e.g. an older commit's files) instead of this
    checkout's, to measure before and after on the same database."""
    env = {**os.environ, "CALMLINE_DB": str(db), **(env or {})}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "calmline.dashboard.wsgi:server"],
        env=env, cwd=code or ROOT)
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
        try:
            practices = [r[0] for r in con.execute("SELECT DISTINCT practice FROM practice_effects").fetchall()]
            horizons = [r[0] for r in con.execute("SELECT DISTINCT horizon_days FROM model_runs").fetchall()]
        except duckdb.CatalogException:  # loaded, not fitted: the model pages say so
            practices, horizons = ["took_ownership"], []
        # upset calls to open on the call page, a fixed sample (the page's link from a drill-down)
        calls = [r[0] for r in con.execute("SELECT call_id FROM calls USING SAMPLE 500 ROWS (reservoir, 7)"
                                           ).fetchall()]
    out: dict[str, list] = defaultdict(list)
    for name, value in found:
        out[name].append(value)
    out["agents"] = agents
    out["practices"] = practices
    out["horizons"] = sorted(horizons) or [90]
    out["calls"] = calls
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
        prop = prop.split("@")[0]  # allow_duplicate outputs carry a hash after the property
        return {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop}
    if spec.startswith(".."):
        return [one(p) for p in spec[2:-2].split("...")]
    return one(spec)


NOT_REPLAYED = {
    "impact-filter-status": "Estimate for this filter: an on-demand model fit, target 3 s (benchmarks/filtered.py)",
    "explorer-result": "the explorer's run: the analyst's own SQL, time-limited (benchmarks/explorer.py)",
    "explorer-download": "the explorer's export: runs the analyst's query again (benchmarks/explorer.py)",
    "explorer-save-note": "saving to a user's query library writes a file (not a read)",
}
"""Server callbacks the load test leaves out, by their first output's id, and why."""

PATHS = ("/", "/impact", "/training", "/health", "/explorer", "/alerts", "/call")
"""The pages the page router is asked for (the call page with a call, Training with an agent)."""


def scenarios(deps: list[dict], pick: dict, layout: dict | None = None) -> dict:
    """For each replayed callback: a function (rng) -> request body, as the browser would send it
    (or a path, for a GET of a Flask route).

    Every server callback of the app is replayed except those in :data:`NOT_REPLAYED`; a callback
    the app has and this function does not know stops the benchmark, so a page added later is
    not silently left out. ``layout``: the app's layout (``/_dash-layout``), for the navigation
    links' ids.
    """
    from calmline.dashboard.filters import FIELDS, NAV, NOT_APPLIED, to_search

    by_output = {d["output"]: d for d in deps}

    def spec(prefix: str) -> str:
        found = [o for o in by_output if o.lstrip(".").startswith(prefix)]
        if len(found) != 1:
            sys.exit(f"{len(found)} callbacks write {prefix!r}: the benchmark's map of the app is out of date")
        return found[0]

    def key(ident) -> str:
        return ident if isinstance(ident, str) else json.dumps(ident, sort_keys=True)

    def body(prefix, inputs, state=(), changed=None):
        """The request for the callback whose output starts with ``prefix``: its inputs and state
        as the app declares them, with the values given here (by id and property; others None)."""
        out = spec(prefix)
        given = {(key(v["id"]), v["property"]): v["value"] for v in [*inputs, *state]}

        def values(declared):
            return [{"id": d["id"], "property": d["property"],
                     "value": given.get((key(d["id"]), d["property"]))} for d in declared]

        dep = by_output[out]
        return {"output": out, "outputs": outputs(out), "inputs": values(dep["inputs"]),
                "state": values(dep["state"]),
                "changedPropIds": changed or [f"{key(inputs[0]['id'])}.{inputs[0]['property']}"]}

    def value(ident, prop, v):
        return {"id": ident, "property": prop, "value": v}

    def store(rng):
        return value("filters-store", "data", random_filters(pick, rng))

    def search(rng):
        return value("url", "search", to_search(random_filters(pick, rng)))

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

    def pattern(out_prefix: str, ident_type: str, ids: list[dict], props: list[str], inputs: list, state_prop: str):
        """A callback whose outputs are every component of a pattern-matching id type (ALL)."""
        out = next(o for o in by_output if ident_type in o.split("...")[0] and o.lstrip(".").startswith(out_prefix))
        return {"output": out,
                "outputs": [[{"id": i, "property": p} for i in ids] for p in props] if len(props) > 1
                else [{"id": i, "property": props[0]} for i in ids],
                "inputs": inputs,
                "state": [[{"id": i, "property": state_prop, "value": i} for i in ids]],
                "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}

    nav_ids = [i for i in _ids(layout or {}) if isinstance(i, dict) and i.get("type") == NAV]
    notices = [{"type": NOT_APPLIED, "page": page, "scope": scope}
               for page, scope in (("impact", "Centre-wide model results"),
                                   ("training", "Centre-wide model results"))]

    def team(rng):
        return value("overview-teams", "selectedRows", [{"team": rng.choice(pick["team"])}])

    def agent(rng):
        return value("overview-agents", "selectedRows", [{"agent_id": rng.choice(pick["agents"])[0]}])

    def path(p):
        return value("url", "pathname", p)

    def horizon(page, rng):
        return value(f"{page}-horizon", "value", rng.choice(pick["horizons"]))

    def page_search(page: str, rng) -> str:
        if page == "/call":
            return "?id=" + rng.choice(pick["calls"])
        if page == "/training" and rng.random() < 0.5:
            return f"?agent={rng.choice(pick['agents'])[0]}"
        return to_search(random_filters(pick, rng)) if rng.random() < 0.5 else ""

    def router(rng):
        page = rng.choice(PATHS)
        return body("_pages_content.children", [value("_pages_location", "pathname", page),
                                                value("_pages_location", "search", page_search(page, rng))])

    def _drill(grid, row, rng):
        """A row selected in a drill-down grid, written into the URL."""
        return body_for("url.search@", [grid], [value(grid, "selectedRows", [row(rng)]), search(rng)])

    def from_url(grid, field, rows, rng):
        chosen = rows(rng)
        return body(f"{grid}.selectedRows", [value(grid, "rowData", chosen),
                                             value("url", "search", f"?{field[0]}={chosen[0][field[1]]}")])

    def team_rows(rng):
        return [{"team": t} for t in rng.sample(pick["team"], len(pick["team"]))]

    def agent_rows(rng):
        return [{"agent_id": a} for a, _ in rng.sample(pick["agents"], min(20, len(pick["agents"])))]

    def clicked(rng):
        """A click on a month of a trend, or on a team's bar, as the URL's new filters."""
        trend = rng.choice(["overview-churn-trend", "overview-adoption-trend", "overview-team-bars"])
        point = ({"x": rng.choice(pick["team"])} if trend == "overview-team-bars"
                 else {"x": f"{rng.choice(pick['month'])}-01"})
        return body_for("url.search@", ["overview-churn-trend"],
                        [value(trend, "clickData", {"points": [point]}), search(rng)])

    def body_for(prefix, first_inputs, given):
        """A body for the one callback writing ``prefix`` whose inputs start with ``first_inputs``."""
        out = next(o for o in by_output if o.startswith(prefix)
                   and [key(i["id"]) for i in by_output[o]["inputs"]][:len(first_inputs)] == first_inputs)
        table = {(key(v["id"]), v["property"]): v["value"] for v in given}
        dep = by_output[out]
        fill = lambda declared: [{"id": d["id"], "property": d["property"],  # noqa: E731
                                  "value": table.get((key(d["id"]), d["property"]))} for d in declared]
        return {"output": out, "outputs": outputs(out), "inputs": fill(dep["inputs"]),
                "state": fill(dep["state"]), "changedPropIds": [f"{key(given[0]['id'])}.{given[0]['property']}"]}

    def horizon_sync(page):
        return lambda rng: body_for("..url.search@", [f"{page}-horizon"], [
            horizon(page, rng), value("url", "search", f"?horizon={rng.choice(pick['horizons'])}")])

    def report_links(page):
        return lambda rng: body(f"{page}-report-button.href", [store(rng), search(rng)])

    def export(grid):
        return lambda rng: body(f"{grid}.exportDataAsCsv", [value(f"{grid}-export", "n_clicks", 1)])

    saved = _saved_queries()

    plays = {
        # the app's frame: filters, navigation, page router
        "filters <-> URL": sync,
        "navigation links": lambda rng: pattern("{", NAV, nav_ids, ["href", "active"],
                                                [path(rng.choice(PATHS)), search(rng)], "id"),
        "filters not applied notice": lambda rng: pattern("{", NOT_APPLIED, notices, ["children"],
                                                          [store(rng)], "id"),
        "page router": router,
        # Overview
        # (until 2026-12-01 session 11 two callbacks: headline, trends and teams; comparisons and
        # KPIs. Split in seven since; an app of either shape is replayed, see below)
        "overview: headline": lambda rng: body("overview-headline.children", [store(rng)]),
        "overview: comparisons, early signal": lambda rng: body("overview-comparison.children", [store(rng)]),
        "overview: churn trend": lambda rng: body("overview-churn-trend.figure", [store(rng)]),
        "overview: teams": lambda rng: body("overview-teams.rowData", [store(rng)]),
        "overview: adoption trend": lambda rng: body("overview-adoption-trend.figure", [store(rng)]),
        "overview: revenue at risk, KPIs": lambda rng: body("overview-director.children", [store(rng)]),
        "overview: KPI trends": lambda rng: body("overview-kpi-trends.figure", [store(rng)]),
        "overview: team -> agents": lambda rng: body("overview-agents.rowData", [team(rng)], [store(rng)]),
        "overview: agent -> calls": lambda rng: body("overview-calls.rowData", [agent(rng)], [store(rng)]),
        "overview: chart click -> URL": clicked,
        "overview: team/agent -> URL": lambda rng: (
            _drill("overview-teams", lambda r: {"team": r.choice(pick["team"])}, rng) if rng.random() < 0.5 else
            _drill("overview-agents", lambda r: {"agent_id": r.choice(pick["agents"])[0]}, rng)),
        "overview: URL -> team/agent": lambda rng: (
            from_url("overview-teams", ("team", "team"), team_rows, rng) if rng.random() < 0.5 else
            from_url("overview-agents", ("agent", "agent_id"), agent_rows, rng)),
        "overview: download links": lambda rng: (body("overview-report-button.href", [store(rng)])
                                                 if rng.random() < 0.5 else
                                                 body("overview-pdf-button.href", [store(rng)])),
        # A GET of the report's Flask route (a file download), not a callback: a path, not a body.
        "overview: HTML report": lambda rng: "/report.html" + to_search(random_filters(pick, rng)),
        # Practice impact
        "impact: horizon <-> URL": horizon_sync("impact"),
        "impact: download links": report_links("impact"),
        "impact: title and run": lambda rng: body("impact-title.children", [horizon("impact", rng)]),
        "impact: all figures": lambda rng: body("impact-forest.figure", [horizon("impact", rng)],
                                                [path("/impact")]),
        "impact: sensitivity": lambda rng: body("impact-sensitivity.children", [horizon("impact", rng)]),
        "impact: KM curve": lambda rng: body("impact-km.figure", [
            value("impact-km-practice", "value", rng.choice(pick["practices"])), horizon("impact", rng)]),
        "impact: playbooks disagree": lambda rng: body("impact-disputes.children", [horizon("impact", rng)]),
        "impact: HTML report": lambda rng: f"/report.html?page=impact&horizon={rng.choice(pick['horizons'])}",
        # Training priorities
        "training: horizon <-> URL": horizon_sync("training"),
        "training: download links": report_links("training"),
        "training: title and run": lambda rng: body("training-title.children", [horizon("training", rng)]),
        "training: by team": lambda rng: body("training-team.options", [
            value("training-team", "value", rng.choice(["all", *pick["team"]])), horizon("training", rng)]),
        "training: coaching queue": lambda rng: body("training-ranking.children", [
            value("training-team", "value", rng.choice(["all", *pick["team"]])), horizon("training", rng)]),
        "training: agent's calls": lambda rng: body("training-agent-calls-title.children", [
            value("training-agent", "data", rng.choice(pick["agents"])[0])]),
        "training: did training work": lambda rng: body("training-impact.figure", [horizon("training", rng)]),
        "training: adoption trend": lambda rng: body("training-adoption-trend.figure", [
            value("training-team", "value", rng.choice(["all", *pick["team"]]))]),
        "training: HTML report": lambda rng: f"/report.html?page=training&horizon={rng.choice(pick['horizons'])}",
        # Data health
        "health: all": lambda rng: body("health-latest-load.children", [path("/health")]),
        "health: rejected count": lambda rng: body("health-rejected-count.children", [path("/health")]),
        "health: rejected page": lambda rng: body("health-rejected.rowData@", [
            value("health-rejected-page", "active_page", rng.randint(1, 3))]),
        "health: rejected rows CSV": lambda rng: body("health-rejected-download.data", [
            value("health-rejected-export", "n_clicks", 1)]),
        "health: detection vs QA": lambda rng: body("health-agreement-note.children", [path("/health")]),
        # Query explorer (what an analyst does around a run)
        "explorer: schema": lambda rng: body("explorer-schema.rowData", [value("explorer-schema", "id",
                                                                               "explorer-schema")]),
        "explorer: schema table": lambda rng: body("explorer-schema-table.children", [
            value("explorer-schema", "selectedRows", [{"table": "calls", "table_description": "calls"}])]),
        "explorer: pick a saved query": lambda rng: body("explorer-about.children", [
            value("explorer-saved", "value", rng.choice(saved))]),
        "explorer: history": lambda rng: body("explorer-history.rowData", [value("explorer-history-store", "data", [
            {"at": "10:00:00", "query": "SELECT 1", "rows": 1, "outcome": "1 rows", "request": {"kind": "sql"}}])]),
        "explorer: chart": lambda rng: body("explorer-chart.figure", [
            value("explorer-result", "rowData", [{"month": m, "calls": rng.randint(1, 9999)} for m in pick["month"]]),
            value("explorer-kind", "value", rng.choice(["bar", "line"])), value("explorer-x", "value", "month"),
            value("explorer-y", "value", "calls"), value("explorer-colour", "value", None),
            value("explorer-percent", "value", "auto")]),
    }
    for grid in _exports(by_output):
        plays[f"grid CSV export ({grid})"] = export(grid)
    # an app from before the overview's split (an earlier commit served with --code) has two
    # overview callbacks: its headline one also draws the trends and the teams, its comparisons
    # one also the KPIs; the split's other five are then not replayed
    for name, prefix in (("overview: churn trend", "overview-churn-trend.figure"),
                         ("overview: teams", "overview-teams.rowData"),
                         ("overview: adoption trend", "overview-adoption-trend.figure"),
                         ("overview: revenue at risk, KPIs", "overview-director.children"),
                         ("overview: KPI trends", "overview-kpi-trends.figure")):
        if not any(o.lstrip(".").startswith(prefix) for o in by_output):
            del plays[name]
    covered = {spec_of(p) for p in _sample_bodies(plays, pick)}
    left = [o for o, d in by_output.items() if not d.get("clientside_function") and o not in covered
            and not any(o.lstrip(".").startswith(skip) for skip in NOT_REPLAYED)]
    if left:
        sys.exit("server callbacks the benchmark does not replay (add them, or to NOT_REPLAYED with why): "
                 + ", ".join(left))
    return plays


def spec_of(payload) -> str | None:
    return payload.get("output") if isinstance(payload, dict) else None


def _sample_bodies(plays: dict, pick: dict):
    """Several bodies of each replay (some replays pick one of two callbacks at random)."""
    rng = random.Random(0)
    for play in plays.values():
        for _ in range(12):
            yield play(rng)


def _exports(by_output: dict) -> list[str]:
    """The grids with a CSV export button (their callback writes ``<grid>.exportDataAsCsv``)."""
    return sorted(o.split(".")[0] for o in by_output if o.endswith(".exportDataAsCsv"))


def _ids(tree):
    """Every component id in a layout tree (as ``/_dash-layout`` returns it)."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            if "id" in props:
                yield props["id"]
            for v in props.values():
                yield from _ids(v)
    elif isinstance(tree, list):
        for item in tree:
            yield from _ids(item)


def _saved_queries() -> list[str]:
    """The names of the shipped saved queries the explorer offers."""
    from calmline.explorer.saved_queries import library

    return sorted(library()) or ["none"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load(base: str, plays: dict, clients: int, seconds: float, seed: int,
         think: float, auth: tuple[str, str] | None = None,
         started_at: dict | None = None) -> tuple[dict, int, list, int]:
    """Replay the callbacks from ``clients`` threads for ``seconds``.

    ``auth``: (user, password) sent as basic authentication with every request. ``started_at``:
    filled, if given, with each request's start in seconds from the load's start, per callback
    (in the order of the latencies). Returns the
    latencies per callback, the error count, a few error messages, and how many requests
    were sent again after the server had closed their idle connection.
    """
    import requests

    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    begun = time.monotonic()
    stop = begun + seconds
    names = list(plays)
    starts = started_at if started_at is not None else defaultdict(list)

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
            offset = time.monotonic() - begun
            try:
                resp = send(session, name, payload)
            except requests.RequestException as exc:
                with lock:
                    times[name].append(time.perf_counter() - started)
                    starts.setdefault(name, []).append(offset)
                    errors.append(f"{name}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            # A failed callback answers 200 and shows the app's error message through "sideUpdate".
            ok = resp.status_code in (200, 204) and b'"sideUpdate"' not in resp.content
            with lock:
                times[name].append(elapsed)
                starts.setdefault(name, []).append(offset)
                if not ok:
                    errors.append(f"{name}: HTTP {resp.status_code} {resp.text[:200]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, len(errors), errors[:5], resent[0]


FIRST = ("explorer: schema", "overview: headline", "overview: revenue at risk, KPIs", "overview: HTML report")
"""What ``--first`` asks a just-started server for: the callbacks and route a worker's first request
made slow (its sandbox, the customer count's first read, the first report)."""


def first_requests(base: str, plays: dict, names: tuple[str, ...], clients: int, seed: int,
                   auth: tuple[str, str] | None = None) -> dict[str, list[float]]:
    """Each of ``names`` asked by ``clients`` threads at once, one name after the other, as soon as
    the server answers (its workers just started): the latencies in seconds per name."""
    import requests

    out: dict[str, list[float]] = {}
    for name in names:
        spent: list[float] = []

        def one(i: int, name=name, spent=spent) -> None:
            payload = plays[name](random.Random(seed * 1000 + i))
            started = time.perf_counter()
            if isinstance(payload, str):
                resp = requests.get(base + payload, timeout=120, auth=auth)
            else:
                resp = requests.post(f"{base}/_dash-update-component", json=payload, timeout=120, auth=auth)
            spent.append(time.perf_counter() - started)
            if resp.status_code not in (200, 204) or b'"sideUpdate"' in resp.content:
                raise SystemExit(f"{name}: HTTP {resp.status_code} {resp.text[:200]}")

        threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out[name] = sorted(spent)
    return out


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
    parser.add_argument("--rebuild", action="store_true",
                        help="build the database again with the current code (ETL and fit)")
    parser.add_argument("--code", type=Path,
                        help="serve the calmline package in this folder instead of this checkout's "
                             "(see start_server), e.g. an earlier commit for a before/after run")
    parser.add_argument("--no-warm", action="store_true",
                        help="serve without CALMLINE_WARM=1 (each worker builds the model pages' figures on "
                             "their first visit instead of in the background when it first reads the database)")
    parser.add_argument("--db", type=Path, help="serve this loaded and fitted database instead of building one")
    parser.add_argument("--first", action="store_true",
                        help="no load: as soon as the server answers, ask each of FIRST from --clients threads "
                             "at once (its workers' first requests) and print the latencies")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.db or prepare(args.workdir, args.calls, args.seed, rebuild=args.rebuild)
    pick = choices(db)
    from benchmarks.explorer import users_file

    with tempfile.TemporaryDirectory() as folder:
        users, auth = users_file(Path(folder))  # signed in as an analyst: the explorer is served
        port = free_port()
        server = start_server(db, port, args.workers, args.threads, auth=auth, code=args.code,
                              env={"CALMLINE_USERS": str(users), "CALMLINE_RULES": str(RULES),
                                   "CALMLINE_WARM": "0" if args.no_warm else "1"})
        base = f"http://127.0.0.1:{port}"
        peak, stop = [0.0], threading.Event()
        sampler = threading.Thread(target=memory_sampler, args=(server.pid, peak, stop), daemon=True)
        sampler.start()
        try:
            import requests

            get = lambda what: requests.get(f"{base}/{what}", timeout=30, auth=auth).json()  # noqa: E731
            plays = scenarios(get("_dash-dependencies"), pick, get("_dash-layout"))
            plays["app layout"] = None
            if args.first:
                for name, spent in first_requests(base, plays, FIRST, args.clients, args.seed, auth).items():
                    print(f"first requests, {name}: " + ", ".join(f"{1000 * t:,.0f}" for t in spent) + " ms",
                          flush=True)
                return
            print(f"{args.clients} clients (think time {args.think:.1f} s mean), "
                  f"{args.workers} gunicorn workers x {args.threads} threads, signed in, "
                  f"{args.seconds:.0f} s, {len(plays)} callbacks and routes; "
                  f"database {db.stat().st_size / 1e6:,.0f} MB", flush=True)
            print("not replayed: " + "; ".join(NOT_REPLAYED.values()), flush=True)
            started_at: dict = {}
            times, n_errors, examples, resent = load(base, plays, args.clients, args.seconds, args.seed,
                                                     args.think, auth=auth, started_at=started_at)
        finally:
            stop.set()
            server.terminate()
            server.wait(timeout=30)
    report(times, n_errors, examples, resent, peak[0], args, started_at)


RULES = ROOT / "docs" / "notify.example.toml"
"""The rules file the Alerts page lists (``CALMLINE_RULES``)."""

TARGET_MS = 150
"""Issue #12: every callback's p95 at most this, with think time."""


SETTLED_S = 15.0
"""Requests started this many seconds into the load or later are also summarised apart ("settled"):
the first seconds after a start include each worker's first read of the database (its warming
and the explorer's first sandbox), which a server pays once per start and database version."""


def report(times: dict, n_errors: int, examples: list, resent: int, peak_mb: float, args,
           started_at: dict | None = None) -> None:
    rows = []
    started_at = started_at or {}
    print(f"{'callback':44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   settled (from {SETTLED_S:.0f} s): "
          f"{'n':>4} {'p95 ms':>7}")
    for name in sorted(times):
        ms = [t * 1000 for t in times[name]]
        settled = [m for m, at in zip(ms, started_at.get(name, [])) if at >= SETTLED_S]
        row = {"callback": name, "n": len(ms), "p50_ms": round(statistics.median(ms)),
               "p95_ms": round(percentile(ms, 0.95)), "max_ms": round(max(ms)),
               "settled_n": len(settled), "settled_p95_ms": round(percentile(settled, 0.95)) if settled else None}
        rows.append(row)
        print(f"{name:44} {row['n']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}   "
              f"{'':>22}{row['settled_n']:>4} {row['settled_p95_ms'] if settled else '-':>7}")
    worst = max(r["p95_ms"] for r in rows)
    over = sum(r["p95_ms"] > TARGET_MS for r in rows)
    settled_p95 = [r["settled_p95_ms"] for r in rows if r["settled_p95_ms"] is not None]
    worst_settled = max(settled_p95, default=None)
    over_settled = sum(p > TARGET_MS for p in settled_p95)
    total = sum(r["n"] for r in rows)
    print(f"requests: {total:,} ({total / args.seconds:,.0f}/s); errors: {n_errors} "
          f"({resent} sent again after the server closed an idle connection); "
          f"worst p95: {worst} ms, {over} of {len(rows)} callbacks and routes above {TARGET_MS} ms "
          f"(settled: worst {worst_settled} ms, {over_settled} above); server peak memory {peak_mb:,.0f} MB")
    for line in examples:
        print("  error:", line)
    if args.json:
        args.json.write_text(json.dumps({"callbacks": rows, "errors": n_errors, "resent": resent, "worst_p95_ms": worst,
                                         "over_target": over, "worst_settled_p95_ms": worst_settled,
                                         "over_target_settled": over_settled, "settled_from_s": SETTLED_S,
                                         "server_peak_mb": round(peak_mb), "requests": total}, indent=2))


if __name__ == "__main__":
    main()
