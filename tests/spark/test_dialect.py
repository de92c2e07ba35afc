"""DuckDB SQL rewritten for Spark gives what DuckDB gives (calmline.spark.dialect).

The rewrites the marts need, each run on both engines over a few values chosen where the two
engines' own meanings part: a fractional number cast to an integer (DuckDB rounds half to even,
Spark truncates), a timestamp with an offset, a sum in a fixed order, intervals from counts, and COLUMNS('regex') written
out in DuckDB's order with DuckDB's names.
"""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from calmline import vocabulary
from calmline.etl import practice_views
from calmline.queries import load_sql
from calmline.spark.dialect import to_spark

pytestmark = pytest.mark.spark

VALUES = "(VALUES (1, 'a', 4.35, 0.1), (2, 'a', 2.5e-6, 0.2), (3, 'b', 3.5e-6, 0.3), (4, 'a', 7.0, 1e16), " \
         "(5, 'b', 0.1, -1e16), (6, 'a', 1.0, 1.0)) AS v(k, g, x, y)"
QUERIES = [
    "SELECT k, CAST(x * 1e6 AS BIGINT) AS micros FROM " + VALUES,
    "SELECT g, list_sum(list(y ORDER BY k)) AS total FROM " + VALUES + " GROUP BY g",
    "SELECT g, list_sum(list(y ORDER BY k DESC)) AS total FROM " + VALUES + " GROUP BY g",
    "SELECT k, TIMESTAMP '2025-01-01 00:00:00' + to_microseconds(CAST(x * 1e6 AS BIGINT)) AS at, "
    "TIMESTAMP '2025-01-01 00:00:00' + to_days(followup_window_days()) AS later FROM " + VALUES,
    # an offset is converted to UTC (Spark kept 10:00 for the first, DuckDB stores 08:00)
    "SELECT x, CAST(cl_ts(x) AS VARCHAR) AS t FROM (VALUES ('2025-02-03T10:00:00+02:00'), "
    "('2025-02-03T10:00:00'), ('2025-02-03 10:00Z'), ('2025-02-03T10:00:00.5-0130'), ('2025-02-03T10:00+14'), ('2025-02-03 10:00+02:00'), "
    "('2025-02-03T23:59-0100')) v(x)",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_spark_gives_what_duckdb_gives(spark, sql):
    con = duckdb.connect()
    try:
        practice_views.create_macros(con)
        con.execute(load_sql("etl/macros"))
        want = sorted(con.execute(sql).fetchall())
    finally:
        con.close()
    try:
        got = sorted(tuple(r) for r in spark.sql(to_spark(sql)).collect())
    except ValueError as exc:  # a rewrite refused (descending keys): it must say so, not guess
        assert "DESC" in sql, exc
        return
    assert got == want


def test_columns_written_out_in_duckdbs_order_with_its_names():
    """agent_practice_days' COLUMNS(practice_pattern()) AS '\\1_assessed' ... against DuckDB's own
    expansion of the same query over a table of the same columns (no Spark needed)."""
    columns = ["call_id", "agent_id", "call_date", "is_upset", *vocabulary.practice_names(), "practice_source"]
    con = duckdb.connect()
    try:
        practice_views.create_macros(con)
        types = {"call_date": "DATE", "is_upset": "BOOLEAN"}
        con.execute("CREATE TABLE summary_calls (" + ", ".join(
            f'"{c}" {types.get(c, "BOOLEAN" if c in vocabulary.practice_names() else "VARCHAR")}'
            for c in columns) + ")")
        sql = load_sql("marts/agent_practice_days")
        want = [r[0] for r in con.execute(f"DESCRIBE {sql}").fetchall()]
    finally:
        con.close()
    got = sqlglot.parse_one(to_spark(sql, lambda table: columns), read="spark").named_selects
    assert got == want
    assert len(want) == 3 + 2 * len(vocabulary.practice_names())
