"""An entity loaded for the first time is staged straight into its stored table (#12): what a
user sees must be what the copy from a staging table gave. The full comparison on a dirty
centre is tests/etl/test_same_tables.py; these check the edges of the way there."""

from __future__ import annotations

import pytest

from calmline.etl import load as load_module
from calmline.etl.load import load
from tests.conftest import file_digest, query
from tests.etl.builders import CALLS, TRAINING, call, make_source


def test_a_first_load_leaves_only_the_stored_tables_with_the_accepted_rows(tmp_path, db):
    calls = [*CALLS[:2], call("K7", anger_level="9"), CALLS[2], call("K1")]  # a bad value, a duplicate
    report = load(make_source(tmp_path / "src", calls=calls), db)
    assert query(db, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'stage%'") == []
    assert report.rows_rejected == 2
    stored = query(db, "SELECT call_id, _batch_id, _source_file, _source_line FROM calls ORDER BY call_id")
    assert stored == [("K1", report.batch_id, "calls/calls_2025-01.csv", 2),
                      ("K2", report.batch_id, "calls/calls_2025-01.csv", 3),
                      ("K3", report.batch_id, "calls/calls_2025-01.csv", 5)]
    columns = [r[0] for r in query(db, "DESCRIBE calls")]
    assert columns[-3:] == ["_batch_id", "_source_file", "_source_line"]
    assert "_ok" not in columns and "problems" not in columns


def test_an_entity_first_loaded_later_is_staged_directly_and_others_are_upserted(tmp_path, db):
    load(make_source(tmp_path / "a", training=None), db)
    assert query(db, "SELECT count(*) FROM training") == [(0,)]
    changed = [call("K1", csat="1"), *CALLS[1:]]
    load(make_source(tmp_path / "b", calls=changed), db)
    assert query(db, "SELECT agent_id, module, _batch_id FROM training") == [
        (TRAINING[0]["agent_id"], TRAINING[0]["module"], 2)]
    assert query(db, "SELECT rows_updated, rows_unchanged FROM load_batches WHERE batch_id = 2 "
                     "AND entity = 'calls'") == [(1, 2)]


def test_a_load_failing_after_direct_staging_leaves_the_database_as_it_was(tmp_path, db, monkeypatch):
    load(make_source(tmp_path / "a", training=None), db)
    before = file_digest(db)

    def broken(con):
        raise RuntimeError("marts failed")

    monkeypatch.setattr(load_module, "build_marts", broken)
    with pytest.raises(RuntimeError):
        load(make_source(tmp_path / "b"), db)
    assert file_digest(db) == before
    assert query(db, "SELECT count(*) FROM training") == [(0,)]
