"""The model population as `calmline fit` reads it (#12): the query runs once into Arrow, the stored
table is written from it and the frame converted from it, sorted by call_id in Arrow. The frame must
equal the reference path's exactly (the stored table read back in call_id order by DuckDB), so every
model reads the same values as before."""

from __future__ import annotations

import shutil

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
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert stored_types == query_types  # the table written from Arrow has the query's column types
    assert order_kept is True  # the setting the write turned off is back as it was
