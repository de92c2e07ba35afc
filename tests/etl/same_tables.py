"""Every table and view of a loaded database, saved and compared row for row.

The ETL's speed work (#12) must leave every table and mart as it was: the reference in
``tests/etl/data/same_tables/reference_{a,b}`` was written by the load as it stood before that
work (commit 9c30740), from the committed sources ``source_a`` (a small generated centre with the
generator's dirty rows and hand-made ones) and then ``source_b`` loaded on top of it (changed,
new and unchanged rows). Rewrite the reference only for a change that is meant to alter the
stored rows (a new practice, a new mart)::

    .venv/bin/python -m tests.etl.same_tables
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import duckdb

DATA = Path(__file__).parent / "data" / "same_tables"
VOLATILE = {"load_batches": ("started_at", "finished_at"), "etl_state": ("updated_at",)}
"""Columns that hold when the load ran, left out of the comparison."""


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the database's main schema, by name."""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = current_database() ORDER BY table_name").fetchall()]


def _select(con, name: str) -> str:
    columns = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()
               if r[0] not in VOLATILE.get(name, ())]
    return "SELECT " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{name}"'


def _shape(con, name: str) -> list[list[str]]:
    return [list(r[:2]) for r in con.execute(f"DESCRIBE {_select(con, name)}").fetchall()]


def snapshot(db: Path, out: Path) -> None:
    """Write every table and view of ``db`` to ``out/<name>.parquet``, and every one's column
    names and DuckDB types to ``out/columns.json`` (Parquet has no HUGEINT, for one)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        shapes = {}
        for name in relations(con):
            con.execute(f"COPY ({_select(con, name)}) TO '{out / (name + '.parquet')}' (FORMAT parquet)")
            shapes[name] = _shape(con, name)
        (out / "columns.json").write_text(json.dumps(shapes, indent=1) + "\n")
    finally:
        con.close()


def differences(db: Path, reference: Path) -> dict[str, str]:
    """Per relation, how ``db`` differs from the snapshot in ``reference`` (empty when none).

    Compares the set of relations, each one's column names and types, and its rows as
    multisets (EXCEPT ALL both ways)."""
    found: dict[str, str] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = set(relations(con))
        shapes = json.loads((reference / "columns.json").read_text())
        expected = set(shapes)
        for name in sorted(expected - names):
            found[name] = "missing"
        for name in sorted(names - expected):
            found[name] = "not in the reference"
        for name in sorted(names & expected):
            ref = f"read_parquet('{reference / (name + '.parquet')}')"
            now = _select(con, name)
            if _shape(con, name) != shapes[name]:
                found[name] = f"columns {_shape(con, name)} != {shapes[name]}"
                continue
            extra = con.execute(f"SELECT count(*) FROM ({now} EXCEPT ALL SELECT * FROM {ref})").fetchone()[0]
            lost = con.execute(f"SELECT count(*) FROM (SELECT * FROM {ref} EXCEPT ALL {now})").fetchone()[0]
            if extra or lost:
                found[name] = f"{extra} row(s) not in the reference, {lost} reference row(s) missing"
    finally:
        con.close()
    return found


def build(db: Path) -> None:
    """Load ``source_a`` then ``source_b`` into ``db``, snapshotting after each (the reference)."""
    from calmline.etl.load import load

    load(DATA / "source_a", db)
    snapshot(db, DATA / "reference_a")
    load(DATA / "source_b", db)
    snapshot(db, DATA / "reference_b")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp) / "reference.duckdb")
    print(f"reference written to {DATA}", file=sys.stderr)
