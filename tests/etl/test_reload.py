"""Loading again: identical files change nothing, corrected files update by key, new months append."""

from __future__ import annotations

from tests.conftest import query
from tests.etl.builders import CALL_COLUMNS, CALLS, CUSTOMERS, call, make_source, write_csv

TABLES = ("calls", "customers", "agents", "follow_ups", "training", "call_timing")


def checksums(db) -> dict[str, str]:
    """An order-independent digest of each table's contents."""
    return {t: query(db, f"SELECT count(*) || ':' || coalesce(bit_xor(hash(x)), 0) "
                         f"FROM (SELECT {t} AS x FROM {t})")[0][0] for t in TABLES}


def test_loading_the_same_files_again_changes_nothing(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    assert loader(source, db).code == 0
    first = checksums(db)
    assert loader(source, db).code == 0
    assert checksums(db) == first
    assert query(db, "SELECT DISTINCT status, rows_read FROM load_batches WHERE batch_id = 2") == [
        ("skipped", 0)]
    assert loader(source, db, "--reload").code == 0
    assert checksums(db) == first
    assert query(db, "SELECT sum(rows_unchanged), sum(rows_inserted + rows_updated) FROM load_batches "
                     "WHERE batch_id = 3") == [(10, 0)]


def test_reloading_a_file_with_rejected_rows_does_not_duplicate_them(tmp_path, db, loader):
    source = make_source(tmp_path / "src", calls=[*CALLS, call("K9", anger_level="0")])
    assert loader(source, db).code == 0
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(1,)]


def test_a_corrected_file_updates_rows_by_key(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    assert loader(source, db).code == 0
    corrected = [call("K1", anger_level="5", csat="1"), *CALLS[1:]]
    write_csv(source / "calls" / "calls_2025-01.csv", corrected, CALL_COLUMNS)
    customers = [{**CUSTOMERS[0], "churned_at": "2025-02-10"}, *CUSTOMERS[1:]]
    write_csv(source / "customers.csv", customers)
    assert loader(source, db).code == 0
    assert query(db, "SELECT anger_level, csat, _batch_id FROM calls WHERE call_id = 'K1'") == [(5, 1, 2)]
    assert query(db, "SELECT count(*) FROM calls") == [(3,)]
    assert query(db, "SELECT entity, rows_updated, rows_unchanged FROM load_batches "
                     "WHERE batch_id = 2 AND status <> 'skipped' ORDER BY entity") == [
        ("calls", 1, 2), ("customers", 1, 2)]
    assert query(db, "SELECT churned_30d FROM customer_retention WHERE call_id = 'K1'") == [(False,)]
    # the corrected churn date is seen (event); its 90-day window is still open, so churned_90d is NULL
    assert query(db, "SELECT event, churned_90d FROM customer_retention WHERE call_id = 'K1'") == [(True, None)]


def test_the_same_call_id_in_a_later_load_updates_instead_of_duplicating(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    assert loader(source, db).code == 0
    write_csv(source / "calls" / "calls_2025-02.csv",
              [call("K1", started_at="2025-02-02T09:00:00", anger_level="2")], CALL_COLUMNS)
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*), min(anger_level) FROM calls WHERE call_id = 'K1'") == [(1, 2)]
    assert query(db, "SELECT rows_updated FROM load_batches WHERE file = 'calls/calls_2025-02.csv'") == [
        (1,)]


def test_a_new_month_of_calls_appends_and_moves_the_as_of_date(tmp_path, db, loader):
    source = make_source(tmp_path / "src", customers=[{**c, "churned_at": ""} for c in CUSTOMERS])
    assert loader(source, db).code == 0
    assert query(db, "SELECT CAST(as_of AS VARCHAR) FROM etl_state") == [("2025-01-08",)]
    write_csv(source / "calls" / "calls_2025-02.csv",
              [call("K4", started_at="2025-02-03T09:00:00"), call("K5", started_at="2025-02-20T09:00:00")],
              CALL_COLUMNS)
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM calls") == [(5,)]
    assert query(db, "SELECT CAST(as_of AS VARCHAR) FROM etl_state") == [("2025-02-20",)]
    assert query(db, "SELECT file, status FROM load_batches WHERE batch_id = 2 AND status <> 'skipped'") == [
        ("calls/calls_2025-02.csv", "loaded")]


def test_a_load_of_only_new_calls_checks_references_against_stored_rows(tmp_path, db, loader):
    assert loader(make_source(tmp_path / "first"), db).code == 0
    only_calls = tmp_path / "second"
    write_csv(only_calls / "calls" / "calls_2025-02.csv",
              [call("K7", customer_id="C2", started_at="2025-02-01T08:00:00"),
               call("K8", customer_id="C404", started_at="2025-02-01T09:00:00")], CALL_COLUMNS)
    assert loader(only_calls, db).code == 0
    assert query(db, "SELECT call_id FROM calls WHERE call_id IN ('K7', 'K8')") == [("K7",)]
    assert query(db, "SELECT column_name FROM rejected_rows") == [("customer_id",)]
