"""CSV, JSON Lines and Parquet load the same rows, and rejected rows point at the right place."""

from __future__ import annotations

import json

import duckdb

from tests.conftest import query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source


def _jsonl(rows) -> str:
    out = []
    for r in rows:
        obj = {k: v for k, v in r.items() if v != ""}
        obj["anger_level"] = int(obj["anger_level"])
        obj["apologized"] = obj["apologized"] == "true"
        out.append(json.dumps(obj))
    return "\n".join(out) + "\n"


def test_json_lines_load_like_csv(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / "calls" / "calls_2025-01.csv").unlink()
    text = _jsonl(CALLS) + "\n" + '{"call_id": "K9", "oops"\n' + _jsonl([call("K8", anger_level="6")])
    (source / "calls" / "calls_2025-01.jsonl").write_text(text)
    assert loader(source, db).code == 0
    assert query(db, "SELECT call_id, anger_level, apologized FROM calls ORDER BY call_id") == [
        ("K1", 4, True), ("K2", 3, True), ("K3", 1, True)]
    assert query(db, "SELECT line, rule FROM rejected_rows ORDER BY line") == [
        (5, "not a JSON object"), (6, "must be between 1 and 5 (got 6)")]
    assert query(db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_batches "
                     "WHERE entity = 'calls'") == [(5, 3, 2)]
    assert query(db, "SELECT row_text FROM rejected_rows WHERE line = 5") == [('{"call_id": "K9", "oops"',)]


def test_parquet_loads_like_csv_and_numbers_rows(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    csv_path = source / "calls" / "calls_2025-01.csv"
    rows = [*CALLS, call("K9", handle_s="0")]
    from tests.etl.builders import write_csv
    write_csv(csv_path, rows, CALL_COLUMNS)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (CAST(started_at AS TIMESTAMP) AS started_at, "
                f"CAST(anger_level AS INTEGER) AS anger_level) FROM read_csv('{csv_path}', all_varchar=true)) "
                f"TO '{source / 'calls' / 'calls_2025-01.parquet'}' (FORMAT parquet)")
    con.close()
    csv_path.unlink()
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM calls") == [(3,)]
    assert query(db, "SELECT line, column_name, rule FROM rejected_rows") == [
        (4, "handle_s", "must be > 0 (got 0)")]
    assert query(db, "SELECT format FROM load_batches WHERE entity = 'calls'") == [("parquet",)]


def test_an_entity_may_span_several_files_of_different_formats(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / "calls" / "calls_2025-02.jsonl").write_text(
        _jsonl([call("K4", started_at="2025-02-01T10:00:00"), call("K1", started_at="2025-02-02T10:00:00")]))
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM calls") == [(4,)]
    assert query(db, "SELECT source_file, line, rule FROM rejected_rows") == [
        ("calls/calls_2025-02.jsonl", 2, "duplicate call_id (first at calls/calls_2025-01.csv:2)")]
