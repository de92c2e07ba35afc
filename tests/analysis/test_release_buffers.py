"""The fit hands DuckDB's buffers back after reading the population (issue #12, memory) without
changing the connection's memory limit: the default stays the default, a limit set on purpose
stays that limit."""

from __future__ import annotations

import duckdb
import pytest

from calmline.analysis import runner


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize("chosen", [None, "3GB", "1.5GB"])
def test_the_memory_limit_is_as_it_was(chosen):
    con = duckdb.connect()
    if chosen:
        con.execute(f"SET memory_limit = '{chosen}'")
    before = _limit(con)
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
    for _ in range(3):  # no drift when repeated
        runner._release_buffers(con)
        assert _limit(con) == before
    assert con.execute("SELECT sum(x) FROM t").fetchall()[0][0] == 99999 * 100000 // 2
