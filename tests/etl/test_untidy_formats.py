"""JSON Lines and Parquet as other tools write them (red-team "Hold under fire"): a bad line
is rejected at its own line, never the whole file; pandas' NaN is a missing value."""

from __future__ import annotations

import json

from tests.conftest import query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source


def _line(row: dict) -> str:
    return json.dumps({k: v for k, v in row.items() if v != ""})


def _jsonl_source(tmp_path, *lines: str):
    source = make_source(tmp_path / "src")
    (source / "calls" / "calls_2025-01.csv").unlink()
    (source / "calls" / "calls_2025-01.jsonl").write_text("\n".join(lines) + "\n")
    return source


def test_a_json_line_spelling_a_key_differently_is_rejected_at_its_line(tmp_path, db, loader):
    odd = _line(call("K9")).replace('"call_id"', '"Call_ID"')
    source = _jsonl_source(tmp_path, *map(_line, CALLS), odd)
    assert loader(source, db).code == 0
    assert query(db, "SELECT line, rule FROM rejected_rows") == [
        (4, "key 'Call_ID' is spelled 'call_id' on the file's other lines")]
    assert query(db, "SELECT count(*) FROM calls") == [(3,)]


def test_json_lines_with_nested_values_or_duplicate_keys_are_rejected(tmp_path, db, loader):
    nested = _line(call("K7")).replace('"customer_id": "C1"', '"customer_id": {"id": "C1"}')
    listed = _line(call("K8")).replace('"anger_level": "4"', '"anger_level": [4]')
    twice = _line(call("K9")).replace('"call_id": "K9"', '"call_id": "K9", "call_id": "K1"')
    source = _jsonl_source(tmp_path, *map(_line, CALLS), nested, listed, twice)
    assert loader(source, db).code == 0
    assert query(db, "SELECT line, column_name, rule FROM rejected_rows ORDER BY line") == [
        (4, "customer_id", "a nested object or array, not a value"),
        (5, "anger_level", "a nested object or array, not a value"),
        (6, None, "duplicate key 'call_id' on this line")]
    assert query(db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_batches "
                     "WHERE entity = 'calls'") == [(6, 3, 3)]


def test_parquet_from_pandas_treats_nan_as_missing(tmp_path, db, loader):
    import pandas as pd

    rows = [call(f"P{n}", anger_level=str(1 + n % 5), csat="" if n % 3 else "4",
                 transfers="" if n % 2 else "1", wait_s="" if n % 4 else "12.5") for n in range(10)]
    frame = pd.DataFrame(rows, columns=CALL_COLUMNS)
    for column in ("anger_level", "csat", "transfers", "wait_s", "handle_s", "hold_s", "options_offered"):
        frame[column] = pd.to_numeric(frame[column])  # float64, NaN where missing
    frame["started_at"] = pd.to_datetime(frame["started_at"])
    source = make_source(tmp_path / "src", calls=[*CALLS])
    frame.to_parquet(source / "calls" / "calls_2025-02.parquet")
    customers = pd.read_csv(source / "customers.csv", dtype=str)
    customers["signup_date"] = pd.to_datetime(customers["signup_date"])  # a date as a midnight timestamp
    customers["churned_at"] = pd.to_datetime(customers["churned_at"])
    (source / "customers.csv").unlink()
    customers.to_parquet(source / "customers.parquet")
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(0,)]
    assert query(db, "SELECT count(*), count(csat), count(transfers), count(wait_s) FROM calls "
                     "WHERE call_id LIKE 'P%'") == [(10, 4, 5, 3)]
    assert query(db, "SELECT CAST(signup_date AS VARCHAR), churned_at FROM customers "
                     "WHERE customer_id = 'C1'") == [("2020-01-01", None)]
