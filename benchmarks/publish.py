"""Fresh data under load: gunicorn serving while loads and fits publish, clients checking freshness.

    python -m benchmarks.publish                          # 10 minutes, a publish every 60 s
    python -m benchmarks.publish --seconds 90 --every 10  # a quick check

Loads the bundled sample into a database in --workdir and fits it, starts gunicorn
(`calmline.dashboard.wsgi:server`, --workers x --threads) on loopback, and lets --clients
threads call the Data health page's callback (as the browser sends it) with a random think
time, while a publisher alternates, every --every seconds, `calmline etl` with one more calls
file (one new call: a new batch) and `calmline fit` (a new model run). Each response's newest
batch and model run are compared with the newest ones published before the request was sent:
a response older than that is *stale*. Prints requests, errors, stale responses, publishes,
p50/p95 latency. Target (issue "Hold under fire"): 0 errors and 0 stale responses.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.dashboard import free_port, outputs, percentile, start_server

ROOT = Path(__file__).resolve().parents[1]


def health_request() -> dict:
    """The Data health callback's request body, as Dash's renderer sends it."""
    out = ("..health-freshness.children...health-funnel.figure...health-batches.rowData..."
           "health-batches.columnDefs...health-rejected.rowData...health-rejected.columnDefs..")
    return {"output": out, "outputs": outputs(out),
            "inputs": [{"id": "url", "property": "pathname", "value": "/health"}], "state": [],
            "changedPropIds": ["url.pathname"]}


def seen(response: dict) -> tuple[int, str]:
    """(newest batch id, last model run's time as shown) in a health callback's response."""
    found = response["response"]
    batches = found["health-batches"]["rowData"]
    cards = found["health-freshness"]["children"]
    last_fit = cards[2]["props"]["children"]["props"]["children"]["props"]["children"][1]["props"]["children"]
    return max(int(b["batch_id"]) for b in batches), last_fit


def calmline(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "calmline", *args], check=True, stdout=subprocess.DEVNULL)


def one_more_call(source: Path, n: int) -> None:
    """Add calls file ``calls_extra_<n>.csv`` holding one new call (a copy of a sample call)."""
    first = sorted((source / "calls").glob("calls_2025-*.csv"))[0]
    header, row = first.read_text(encoding="utf-8").splitlines()[:2]
    fields = row.split(",")
    fields[0] = f"CALL-8{n:08d}"
    (source / "calls" / f"calls_extra_{n}.csv").write_text(f"{header}\n{','.join(fields)}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--every", type=float, default=60, help="seconds between publishes")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-publish")
    args = parser.parse_args()
    import requests

    shutil.rmtree(args.workdir, ignore_errors=True)
    source, db = args.workdir / "source", args.workdir / "calmline.duckdb"
    shutil.copytree(ROOT / "sample_data", source)
    calmline("etl", "--source", str(source), "--db", str(db))
    calmline("fit", "--db", str(db))
    port = free_port()
    server = start_server(db, port, args.workers, args.threads)
    url = f"http://127.0.0.1:{port}/_dash-update-component"
    lock = threading.Lock()
    published: list[tuple[float, int, str]] = []  # (when, newest batch, last fit as shown)
    log: list[tuple[float, float, int, str]] = []  # (sent, seconds, batch, last fit)
    errors: list[str] = []
    stop = time.monotonic() + args.seconds

    def published_now() -> tuple[int, str]:
        """The newest batch and model run in the published file, read directly, as the page shows them."""
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            batch, fit = con.execute("SELECT (SELECT max(batch_id) FROM load_batches), "
                                     "(SELECT max(created_at) FROM model_runs)").fetchone()
        return batch, str(fit)[:16]

    def publisher() -> None:
        n = 0
        while time.monotonic() + args.every < stop:
            time.sleep(args.every)
            n += 1
            if n % 2:
                one_more_call(source, n)
                calmline("etl", "--source", str(source), "--db", str(db))
            else:
                calmline("fit", "--db", str(db))
            with lock:
                published.append((time.monotonic(), *published_now()))

    def client(i: int) -> None:
        rng = random.Random(i)
        session = requests.Session()
        while time.monotonic() < stop:
            time.sleep(rng.uniform(0, 2 * args.think))
            sent = time.monotonic()
            try:
                resp = session.post(url, json=health_request(), timeout=60)
                batch, fit = seen(resp.json())
            except Exception as exc:  # counted, never fatal
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                log.append((sent, time.monotonic() - sent, batch, fit))

    published.append((time.monotonic(), *published_now()))
    threads = [threading.Thread(target=publisher)] + [threading.Thread(target=client, args=(i,))
                                                       for i in range(args.clients)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    stale = 0
    for sent, _, batch, fit in log:
        newest = [p for p in published if p[0] <= sent][-1]
        stale += batch < newest[1] or fit < newest[2]
    ms = [s * 1000 for _, s, _, _ in log]
    print(f"{args.clients} clients, {args.workers} workers x {args.threads} threads, {args.seconds:.0f} s; "
          f"{len(published) - 1} publishes (every {args.every:g} s, loads and fits alternating)")
    print(f"requests: {len(log):,}; errors: {len(errors)}; stale responses: {stale} (target 0); "
          f"p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms")
    for line in errors[:5]:
        print("  error:", line)


if __name__ == "__main__":
    main()
