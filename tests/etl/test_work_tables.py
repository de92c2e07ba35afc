"""The load's temporary objects are dropped before the marts are built, so the staging tables (every
row read) no longer take the memory the marts' windows and joins need; the parsing macros stay."""

from __future__ import annotations

import duckdb


def test_drop_all_frees_the_temporary_tables_and_views_and_keeps_the_macros():
    from calmline.etl import work_tables

    con = duckdb.connect()
    con.execute("CREATE TABLE calls AS SELECT range AS call_id FROM range(10)")
    con.execute(f"CREATE TEMP TABLE {work_tables.staged('calls')} AS SELECT * FROM calls")
    con.execute(f"CREATE TEMP VIEW {work_tables.stage('calls')} AS SELECT * FROM {work_tables.staged('calls')}")
    con.execute('CREATE TEMP TABLE "odd ""name""" (x INTEGER)')
    con.execute("CREATE TEMP MACRO cl_twice(x) AS 2 * x")

    assert work_tables.drop_all(con) == 3
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 10  # stored tables untouched
    assert con.execute("SELECT cl_twice(21)").fetchone()[0] == 42
    assert work_tables.drop_all(con) == 0
