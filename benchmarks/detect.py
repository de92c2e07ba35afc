"""Transcript detection speed: calls per second and peak memory (issue #17: >= 5,000 calls/s
on the 2-core machine for calls of about 20 turns, within the ETL's memory limit).

Builds synthetic calls of ``--turns`` turns (default 20) by resampling the hand-labelled
set's turns (tests/transcripts/labelled/), customer and agent alternating, with realistic
times, into a DuckDB file (cached in ``--workdir``). Then runs
:func:`calmline.transcripts.detect.detect` on it ``--rounds`` times, each in a fresh process
with the ETL's memory limit, and prints per-round detection time, calls/s and the child's
peak resident memory, and their medians.

    .venv/bin/python -m benchmarks.detect --calls 200000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

from benchmarks.measure import ROOT, run_child

LABELLED = ROOT / "tests" / "transcripts" / "labelled"

_CHILD = """
import resource, sys, time, duckdb
from calmline.etl.load import MEMORY_LIMIT
from calmline.transcripts.detect import detect
con = duckdb.connect(sys.argv[1])
con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
con.execute("SET threads = 2")
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
start, cpu0 = time.perf_counter(), cpu()
n = detect(con)
print(n, time.perf_counter() - start, cpu() - cpu0)
"""


def build(db: Path, calls: int, turns: int, seed: int) -> None:
    """Write ``transcript_turns`` with ``calls`` synthetic calls of ``turns`` turns into ``db``."""
    con = duckdb.connect(str(db))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pool AS
        SELECT t.speaker, t.text, row_number() OVER (PARTITION BY t.speaker ORDER BY hash(t.text, {seed}), t.text) - 1 AS k
        FROM (SELECT unnest(turns, recursive := true) FROM read_json('{LABELLED}/*/*.jsonl')) t
    """)
    sizes = dict(con.execute("SELECT speaker, count(*) FROM pool GROUP BY ALL").fetchall())
    con.execute(f"""
        CREATE OR REPLACE TABLE transcript_turns AS
        WITH grid AS (
            SELECT c.range AS c, t.range AS turn,
                   CASE WHEN t.range % 2 = 0 THEN 'agent' ELSE 'customer' END AS speaker,
                   hash(c.range, t.range, {seed}) AS h
            FROM range({calls}) c, range({turns}) t
        ), picked AS (
            SELECT 'syn-' || c AS call_id, turn::INTEGER AS turn, g.speaker, p.text,
                   1.0 + (h % 1000) / 100.0 AS secs
            FROM grid g JOIN pool p ON p.speaker = g.speaker
                 AND p.k = g.h % CASE g.speaker WHEN 'agent' THEN {sizes['agent']} ELSE {sizes['customer']} END
        )
        SELECT call_id, turn, speaker,
               sum(secs + 0.4) OVER w - secs AS start_s, sum(secs + 0.4) OVER w AS end_s, text
        FROM picked WINDOW w AS (PARTITION BY call_id ORDER BY turn)
        ORDER BY call_id, turn
    """)
    con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / f"transcripts-{args.calls}x{args.turns}-{args.seed}.duckdb"
    if not db.exists():
        print(f"building {args.calls:,} calls of {args.turns} turns in {db} ...", flush=True)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, args.calls, args.turns, args.seed)
        partial.rename(db)
    times, rates, peaks, cpus = [], [], [], []
    for r in range(1, args.rounds + 1):
        _, peak, out = run_child([sys.executable, "-c", _CHILD, str(db)])
        n, seconds, cpu = out.strip().splitlines()[-1].split()
        n, seconds, cpu = int(n), float(seconds), float(cpu)
        times.append(seconds)
        cpus.append(cpu)
        rates.append(n / seconds)
        peaks.append(peak)
        print(f"round {r}: {n:,} calls in {seconds:.2f} s = {n / seconds:,.0f} calls/s, {cpu:.1f} CPU s, "
              f"peak {peak:,.0f} MB", flush=True)
    cpu = statistics.median(cpus)
    print(f"median of {args.rounds}: {statistics.median(times):.2f} s, {statistics.median(rates):,.0f} calls/s "
          f"(target 5,000), peak memory {statistics.median(peaks):,.0f} MB")
    # On a shared machine the wall time depends on the other load; CPU time does not.
    print(f"CPU time {cpu:.1f} s: {n / (cpu / 2):,.0f} calls/s if both cores were free "
          f"(load average now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
