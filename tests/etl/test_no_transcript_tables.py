"""A load without transcripts creates the three transcript tables empty, with exactly the columns
detection writes, without running detection (it cost 0.4 of 1.2 CPU s of a small load).

The reference is what the load did before: ``transcript_turns`` created and detection run over it
with no calls (``calmline.transcripts.detect``), in a database of its own."""

from __future__ import annotations

import duckdb

from calmline.etl import transcripts_step
from calmline.etl.load import load
from calmline.transcripts import tables
from calmline.transcripts.detect import detect

from tests.etl.builders import make_source

TABLES = (tables.TURNS, tables.PRACTICES, tables.CALLS)
COLUMNS = ("SELECT table_name, column_index, column_name, data_type, is_nullable, column_default "
           "FROM duckdb_columns() WHERE schema_name = 'main' AND table_name IN $t ORDER BY ALL")


def _shape(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], dict[str, int]]:
    columns = con.execute(COLUMNS, {"t": list(TABLES)}).fetchall()
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    return columns, rows


def _detected_over_no_calls() -> tuple[list[tuple], dict[str, int]]:
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE {tables.TURNS} (call_id VARCHAR, turn INTEGER, speaker VARCHAR, "
                    f"start_s DOUBLE, end_s DOUBLE, text VARCHAR)")
        detect(con)
        return _shape(con)
    finally:
        con.close()


def test_a_load_without_transcripts_has_the_tables_detection_writes_empty(tmp_path, monkeypatch):
    """Same tables, columns, order, types and nullability as detection over no calls, no rows; and
    detection is not run to get there. A column added to detection and not to
    ``calmline.transcripts.detect.CALL_COLUMNS`` / ``PRACTICE_COLUMNS`` fails here."""
    def no_detection(*args, **kwargs):
        raise AssertionError("detection ran during a load without transcripts")

    monkeypatch.setattr(transcripts_step, "detect", no_detection)
    db = tmp_path / "calmline.duckdb"
    load(make_source(tmp_path / "src"), db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = _shape(con)
    finally:
        con.close()
    want = _detected_over_no_calls()
    assert {c[0] for c in want[0]} == set(TABLES)
    assert got == want

