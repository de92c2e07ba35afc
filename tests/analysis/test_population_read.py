"""The model population as `calmline fit` reads it (#12): the query runs once into Arrow, the stored
table is written from it and the frame converted from it, sorted by call_id in Arrow. The frame must
hold exactly the reference path's values (the stored table read back in call_id order by DuckDB), so
every model reads the same values as before; it holds them compactly (the level columns as
categoricals, integers as int32), and a query that does not fit in the capped memory runs again."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd

from calmline.analysis import runner
from calmline.database.connection import connect
from calmline.queries import load_sql


def test_the_frame_equals_the_stored_table_read_back_in_call_order(sample_db, tmp_path):
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    con = connect(db, read_only=False)
    try:
        frame = runner._store_population(con)
        reference = runner.read_frame(con.sql(
            "SELECT * EXCLUDE (customer_id, site) FROM model_population ORDER BY call_id"))
        query_types = con.sql(load_sql("analysis/upset_calls")).types
        stored_types = con.table("model_population").types
        order_kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    finally:
        con.close()
    assert len(frame) > 1000
    assert all(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in runner.LEVELS)
    integers = [c for c in reference if reference[c].dtype == np.int64]
    assert integers and all(frame[c].dtype == np.int32 for c in integers)
    pd.testing.assert_frame_equal(frame.astype(reference.dtypes.to_dict()), reference, check_exact=True)
    assert stored_types == query_types  # the table written from Arrow has the query's column types
    assert order_kept is True  # the setting the write turned off is back as it was


def test_a_query_past_the_capped_memory_runs_again_without_the_cap(sample_db, tmp_path, monkeypatch):
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    monkeypatch.setattr(runner, "QUERY_MEMORY", "1MB")  # far too little for the query's hash tables
    con = connect(db, read_only=False)
    try:
        with con.cursor() as capped:  # the cap alone: DuckDB refuses the query
            capped.execute("SET memory_limit = '1MB'")
            try:
                capped.sql(load_sql("analysis/upset_calls")).to_arrow_table()
                refused = False
            except duckdb.OutOfMemoryException:
                refused = True
            capped.execute("RESET memory_limit")  # a database-wide setting
        table = runner._population_query(con)
        limit_after = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()
    assert refused
    assert table.num_rows == len(frame_of(sample_db))
    assert limit_after == default


def frame_of(sample_db) -> pd.DataFrame:
    con = connect(sample_db)
    try:
        return con.sql(load_sql("analysis/upset_calls")).df()
    finally:
        con.close()
