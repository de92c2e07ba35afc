"""Write the detection snapshot of the labelled dev set: what ``detect`` gives, to the row.

``test_detect_snapshot.py`` asserts that detection still gives exactly these rows, so a change
to the SQL that should not change results (a faster plan) is checked against the results of
the SQL before it. A deliberate change of the rules changes the results: rerun this script and
commit the new snapshot with the rule change, so the diff shows what the change did.

    .venv/bin/python -m tests.transcripts.write_snapshot
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from calmline.transcripts import read_transcripts
from calmline.transcripts.detect import detect

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "snapshots"
SOURCES = {"dev": HERE / "labelled" / "dev", "small": HERE / "fixtures" / "detect_small.jsonl"}
ORDER = {"transcript_calls": "call_id", "transcript_practices": "ALL"}


def detect_rows(source: Path) -> duckdb.DuckDBPyConnection:
    """A connection holding ``transcript_calls`` and ``transcript_practices`` for ``source``."""
    con = duckdb.connect()
    read_transcripts(con, source)
    detect(con)
    return con


def main() -> None:
    SNAPSHOT.mkdir(exist_ok=True)
    for name, source in SOURCES.items():
        con = detect_rows(source)
        for table, order in ORDER.items():
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY {order}) TO '{SNAPSHOT / f'{name}_{table}.csv'}'")
        con.close()


if __name__ == "__main__":
    main()
