"""Transcript detection speed: calls per second and peak memory (issue #17: >= 5,000 calls/s
on the 2-core machine for calls of about 20 turns, within the ETL's memory limit).

Two inputs: synthetic calls of ``--turns`` turns (default 20) resampled from the
hand-labelled dev set's turns (tests/transcripts/labelled/dev/; never the held-out splits),
customer and agent alternating, with
realistic times (these repeat sentences far more than real calls do); or, with ``--parquet``,
a transcripts.parquet written by ``calmline generate`` (disfluencies and noise; its first
``--calls`` calls). Either is copied into a DuckDB file cached in ``--workdir``. Then runs
:func:`calmline.transcripts.detect.detect` on it ``--rounds`` times, each in a fresh process
with the ETL's memory limit and 2 threads, and prints per-round wall and CPU time, calls/s by
wall and per CPU-second, the child's peak resident memory, and their medians.

With ``--compare`` each round also runs the previous plan (every rule on every sentence,
``HITS_PLAN = "each_sentence"``) in a fresh process right before the current one, and prints
the same-round CPU ratio old/new: on a shared machine the wall time measures the other load,
the CPU time and the same-run ratio much less so. With ``--against REV`` each round also runs
the detection (rules and SQL) of git revision REV, exported to a temporary folder, in a fresh
process right before the current one, and prints the same-round CPU ratio REV/current: what a
change of the rules or of detect.py costs. With ``--current REV`` the "current" detection is that
of git revision REV too (exported like ``--against``), not the working tree: on a shared checkout
a benchmark that waits for the bench lock then measures the commit it was queued for, whatever is
edited meanwhile.

    .venv/bin/python -m benchmarks.detect --calls 100000 --compare
    .venv/bin/python -m benchmarks.detect --parquet /tmp/g/transcripts.parquet --calls 40000 --compare
    .venv/bin/python -m benchmarks.detect --parquet /tmp/g/transcripts.parquet --calls 40000 --against HEAD~3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from benchmarks.measure import ROOT, run_child

LABELLED = ROOT / "tests" / "transcripts" / "labelled"

_CHILD = """
import importlib, resource, sys, time, duckdb
if sys.argv[3]:
    sys.path.insert(0, sys.argv[3])  # another revision's calmline, exported by --against
from calmline.etl.load import MEMORY_LIMIT
module = importlib.import_module("calmline.transcripts.detect")
module.HITS_PLAN = sys.argv[2]
con = duckdb.connect(sys.argv[1])
con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
con.execute("SET threads = 2")
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
start, cpu0 = time.perf_counter(), cpu()
n = module.detect(con)
print(n, time.perf_counter() - start, cpu() - cpu0)
"""


def build(db: Path, calls: int, turns: int, seed: int) -> None:
    """Write ``transcript_turns`` with ``calls`` synthetic calls of ``turns`` turns into ``db``."""
    con = duckdb.connect(str(db))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pool AS
        SELECT t.speaker, t.text, row_number() OVER (PARTITION BY t.speaker ORDER BY hash(t.text, {seed}), t.text) - 1 AS k
        FROM (SELECT unnest(turns, recursive := true) FROM read_json('{LABELLED}/dev/*.jsonl')) t
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


def copy_parquet(db: Path, parquet: Path, calls: int) -> None:
    """Write the turns of the first ``calls`` calls (by call_id) of ``parquet`` into ``db``."""
    con = duckdb.connect(str(db))
    con.execute("""
        CREATE OR REPLACE TABLE transcript_turns AS
        SELECT call_id, turn, speaker, start_s, end_s, text FROM read_parquet($p)
        WHERE call_id IN (SELECT DISTINCT call_id FROM read_parquet($p) ORDER BY call_id LIMIT $n)
        ORDER BY call_id, turn
    """, {"p": str(parquet), "n": calls})
    con.close()


def _round(db: Path, plan: str, source: str = "") -> tuple[int, float, float, float]:
    """One fresh process detecting ``db`` with ``plan`` (with the calmline of the folder
    ``source`` when given): (calls, wall s, CPU s, peak MB)."""
    _, peak, out = run_child([sys.executable, "-c", _CHILD, str(db), plan, source])
    n, seconds, cpu = out.strip().splitlines()[-1].split()
    return int(n), float(seconds), float(cpu), peak


def _summary(label: str, runs: list[tuple[int, float, float, float]]) -> str:
    n = runs[0][0]
    wall, cpu, peak = (statistics.median(r[i] for r in runs) for i in (1, 2, 3))
    return (f"{label} median of {len(runs)}: {wall:.2f} s wall = {n / wall:,.0f} calls/s; {cpu:.1f} CPU s = "
            f"{n / cpu:,.0f} calls per CPU-second ({2 * n / cpu:,.0f} calls/s if both cores were free); "
            f"peak memory {peak:,.0f} MB")


def export(rev: str, into: Path) -> Path:
    """Write the calmline package of git revision ``rev`` into ``into``; return that folder."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "calmline"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--parquet", type=Path, help="a transcripts.parquet from calmline generate")
    parser.add_argument("--compare", action="store_true", help="also run the previous plan, alternating")
    parser.add_argument("--against", metavar="REV", help="also run git revision REV's detection, alternating")
    parser.add_argument("--current", metavar="REV", help="measure git revision REV's detection as the current one "
                        "(default: the working tree)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.parquet:
        db = args.workdir / f"transcripts-{args.parquet.resolve().parent.name}-{args.calls}.duckdb"
    else:
        db = args.workdir / f"transcripts-dev-{args.calls}x{args.turns}-{args.seed}.duckdb"
    if not db.exists():
        print(f"building {args.calls:,} calls in {db} ...", flush=True)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        if args.parquet:
            copy_parquet(partial, args.parquet, args.calls)
        else:
            build(partial, args.calls, args.turns, args.seed)
        partial.rename(db)
    turns = duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM transcript_turns").fetchone()[0]
    print(f"input: {db.name}, {turns:,} turns; load average {os.getloadavg()[0]:.1f}", flush=True)
    # (label, plan, source folder): the current detection last in each round
    current = str(export(args.current, Path(tempfile.mkdtemp(prefix="calmline-current-")))) if args.current else ""
    variants = [("each_sentence", "each_sentence", current), ("distinct", "distinct", current)] if args.compare else [("distinct", "distinct", current)]
    if args.against:
        tree = export(args.against, Path(tempfile.mkdtemp(prefix="calmline-against-")))
        variants.insert(0, (args.against, "distinct", str(tree)))
    runs: dict[str, list] = {label: [] for label, *_ in variants}
    ratios: dict[str, list] = {label: [] for label, *_ in variants[:-1]}
    for r in range(1, args.rounds + 1):
        for label, plan, source in variants:
            n, seconds, cpu, peak = _round(db, plan, source)
            runs[label].append((n, seconds, cpu, peak))
            print(f"round {r} {label}: {n:,} calls in {seconds:.2f} s = {n / seconds:,.0f} calls/s, "
                  f"{cpu:.1f} CPU s = {n / cpu:,.0f} calls per CPU-second, peak {peak:,.0f} MB", flush=True)
        for label in ratios:
            ratios[label].append(runs[label][-1][2] / runs["distinct"][-1][2])
            print(f"round {r}: CPU ratio {label}/current {ratios[label][-1]:.2f}", flush=True)
    for label in runs:
        print(_summary(label, runs[label]))
    for label, values in ratios.items():
        print(f"same-round CPU ratio {label}/current, median of {len(values)}: {statistics.median(values):.2f}")
    print(f"target 5,000 calls/s; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
