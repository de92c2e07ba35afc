"""The model population as `calmline fit` stores and reads it (#12): with DuckDB's joins as the query
writes them (the narrow sides in the hash tables: half the memory at 1M upset calls) it holds the
same rows as the query planned by DuckDB; the frame comes in call_id order; a setting of the
user's is left as it was."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from calmline.analysis import runner
from calmline.database.connection import connect
from calmline.queries import load_sql


@pytest.fixture
def con(sample_db, tmp_path):
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    connection = connect(db, read_only=False)
    yield connection
    connection.close()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def test_the_stored_population_is_the_querys_rows_and_the_frame_is_in_call_order(con):
    con.execute("SET disabled_optimizers = 'top_n'")  # a setting of the user's (any optimizer)
    frame = runner._store_population(con)
    assert con.execute("SELECT current_setting('disabled_optimizers')").fetchall() == [("top_n",)]
    con.execute("RESET disabled_optimizers")
    con.sql(load_sql("analysis/upset_calls")).create("planned")  # DuckDB's own join order
    n = _count(con, "SELECT count(*) FROM planned")
    assert n > 1000 and _count(con, "SELECT count(*) FROM model_population") == n == len(frame)
    assert _count(con, "SELECT count(*) FROM (FROM model_population EXCEPT ALL FROM planned)") == 0
    assert _count(con, "SELECT count(*) FROM (FROM planned EXCEPT ALL FROM model_population)") == 0
    assert frame["call_id"].is_monotonic_increasing and frame["call_id"].is_unique
    assert "customer_id" not in frame and "site" not in frame


def test_an_error_in_the_query_puts_the_setting_back(con):
    with pytest.raises(duckdb.Error):
        with runner._joins_as_written(con):
            assert "join_order" in con.execute("SELECT current_setting('disabled_optimizers')").fetchall()[0][0]
            con.execute("SELECT * FROM no_such_table")
    assert con.execute("SELECT current_setting('disabled_optimizers')").fetchall() == [("",)]
