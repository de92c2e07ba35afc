"""A load whose every call is rejected against a clean load of the same size, in one run.

    python -m benchmarks.etl_rejects                 # 200k calls, 3 rounds
    python -m benchmarks.etl_rejects --calls 1000000 --rounds 1

Writes three source folders once (cached in --workdir): the same calls, all valid; all
rejected by a per-row rule (anger_level 9); all rejected across rows (an unknown customer).
Then alternates `calmline etl` into a fresh database for each, in a child process, and prints
per-round figures, the medians and each ratio to the clean load (target: <= 2.0). Rejected
rows used to cost one Python round trip each (31k rejections took 54 s against 3 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import run_child

CASES = {
    "clean": "anger_level",
    "rejected per row": "'9'",
    "rejected across rows": None,
}


def ensure_sources(workdir: Path, calls: int) -> dict[str, Path]:
    """One source folder per case, with ``calls`` calls on 500 agents and 50k customers."""
    import duckdb

    from calmline import vocabulary
    from calmline.etl.contract import entity

    practice_names = vocabulary.qa_flags()

    folders = {}
    for case, anger in CASES.items():
        source = workdir / f"rejects-{calls}-{case.replace(' ', '-')}"
        folders[case] = source
        if (source / ".complete").exists():
            continue
        (source / "calls").mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        con.execute(f"COPY (SELECT 'A' || i AS agent_id, 'team' || (i % 20) AS team, 'Leeds' AS site, "
                    f"DATE '2020-01-01' + (i % 900)::INT AS hire_date FROM range(500) t(i)) "
                    f"TO '{source / 'agents.csv'}' (HEADER)")
        con.execute(f"COPY (SELECT 'C' || i AS customer_id, DATE '2019-01-01' + (i % 1500)::INT AS signup_date, "
                    f"'basic' AS plan, 20 + i % 50 AS monthly_value, 'north' AS region, "
                    f"CASE WHEN i % 7 = 0 THEN DATE '2025-03-01' END AS churned_at "
                    f"FROM range(50000) t(i)) TO '{source / 'customers.csv'}' (HEADER)")
        customer = "'X' || i" if anger is None else "'C' || (i % 50000)"
        practices = ", ".join(f"(hash(i, {k}) % 2 = 0) AS {p}" for k, p in enumerate(practice_names))
        select = (f"SELECT 'K' || i AS call_id, {customer} AS customer_id, 'A' || (i % 500) AS agent_id, "
                  f"strftime(TIMESTAMP '2025-01-01' + to_seconds(i % 5000000), '%Y-%m-%dT%H:%M:%S') AS started_at, "
                  f"['phone', 'chat', 'email'][1 + i % 3] AS channel, 'billing' AS issue_type, "
                  f"(1 + i % 5)::VARCHAR AS anger_level, i % 300 AS wait_s, 60 + i % 900 AS handle_s, "
                  f"i % 60 AS hold_s, i % 3 AS transfers, i % 2 = 0 AS resolved, {practices}, "
                  f"i % 4 AS options_offered, 1 + i % 5 AS csat, 0 AS compensation_value FROM range({calls}) t(i)")
        if anger not in (None, "anger_level"):
            select = f"SELECT * REPLACE ({anger} AS anger_level) FROM ({select})"
        columns = ", ".join(entity("calls").column_names)
        con.execute(f"COPY (SELECT {columns} FROM ({select})) TO '{source / 'calls' / 'calls.csv'}' (HEADER)")
        con.close()
        (source / ".complete").write_text("ok")
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "calmline-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    folders = ensure_sources(args.workdir, args.calls)
    runs: dict[str, list[float]] = {case: [] for case in CASES}
    for r in range(1, args.rounds + 1):
        figures = []
        for case, source in folders.items():
            db = args.workdir / "rejects.duckdb"
            db.unlink(missing_ok=True)
            wall, _, _ = run_child([sys.executable, "-m", "calmline", "etl", "--source", str(source),
                                    "--db", str(db)])
            runs[case].append(wall)
            figures.append(f"{case} {wall:6.2f} s")
        print(f"round {r}: " + " | ".join(figures), flush=True)
    clean = statistics.median(runs["clean"])
    print(f"median clean load of {args.calls:,} calls: {clean:.2f} s")
    for case in list(CASES)[1:]:
        wall = statistics.median(runs[case])
        print(f"median {case}: {wall:.2f} s; ratio to clean {wall / clean:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
