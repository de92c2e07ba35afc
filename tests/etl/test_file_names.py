"""A file is read as the one file its name says, whatever characters the name holds
(red-team "Hold under fire", 5): DuckDB's readers would treat ``*``, ``?`` and ``[`` as a glob."""

from __future__ import annotations

import pytest

from tests.conftest import query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source, write_csv

NAMES = ["calls*.csv", "calls_?.csv", "calls_[1].csv", "calls [draft].csv"]


@pytest.mark.parametrize("name", NAMES)
def test_glob_characters_in_a_file_name_are_literal(tmp_path, db, loader, name):
    source = make_source(tmp_path / "src")
    # Neighbours the name would match as a pattern, one with its own header.
    write_csv(source / "calls" / name, [call("K7", started_at="2025-01-09T10:00:00")], CALL_COLUMNS)
    neighbour = "calls d.csv" if "draft" in name else "calls_1.csv"
    write_csv(source / "calls" / neighbour, [call("K6", started_at="2025-01-09T11:00:00")],
              CALL_COLUMNS)
    outcome = loader(source, db)
    assert outcome.code == 0, outcome.output
    assert "Traceback" not in outcome.output
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(0,)]
    assert query(db, "SELECT file, rows_read, rows_loaded FROM load_batches WHERE file = $f",
                 {"f": f"calls/{name}"}) == [(f"calls/{name}", 1, 1)]
    assert query(db, "SELECT sum(rows_read) FROM load_batches WHERE entity = 'calls'") == [(5,)]
    assert query(db, "SELECT count(*) FROM calls") == [(5,)]


def test_glob_characters_in_the_source_folder_and_with_rejected_rows(tmp_path, db, loader):
    source = make_source(tmp_path / "src[1]", calls=[*CALLS, call("K9", anger_level="0")])
    (source / "calls" / "calls_2025-01.csv").rename(source / "calls" / "calls?.csv")
    write_csv(source / "calls" / "callsX.csv", [call("K5", csat="9")], CALL_COLUMNS)
    outcome = loader(source, db)
    assert outcome.code == 0, outcome.output
    assert query(db, "SELECT source_file, line, column_name FROM rejected_rows ORDER BY 1") == [
        ("calls/calls?.csv", 5, "anger_level"), ("calls/callsX.csv", 2, "csat")]
    assert query(db, "SELECT row_text FROM rejected_rows WHERE source_file = 'calls/calls?.csv'")[0][0] \
        .startswith("K9,C1,A1,")
