"""No analyst query exceeds the explorer's memory or time limit, measured at the process level.

DuckDB does not count single huge values against its memory_limit and checks interrupts only
between chunks: before the query process, each of these queries ran in the server's own
process, up to 4-15 GB and 80 s with limits of 1 GB and 10 s. Now each must stop within the
time limit + 1 s with the query's process no larger than the memory limit + a small margin,
with a clear message, and the next query must run.
"""

from __future__ import annotations

import time

import pytest

from calmline.explorer.isolation import MARGIN, QueryProcess
from calmline.explorer.sandbox import Limits, QueryFailed, _bytes
from tests.conftest import run_cli

LIMITS = Limits(seconds=2.0, memory="400MB")
ATTACKS = [
    "SELECT len(range(300000000))",
    "SELECT length(repeat('x', 4000000000))",
    "SELECT length(printf('%2000000000d', 1))",
    "SELECT length(lpad('x', 1500000000, 'y'))",
    "SELECT damerau_levenshtein(repeat('ab', 30000), repeat('ba', 30000))",
    "SELECT count(*) FROM range(3000000000) t(i) WHERE i % 7 = 3",
    "SELECT list(repeat('y', 1000)) FROM range(2000000)",
]


@pytest.fixture(scope="module")
def process(sample_db):
    with QueryProcess(sample_db, LIMITS) as qp:
        yield qp


@pytest.mark.parametrize("sql", ATTACKS)
def test_a_runaway_query_stops_within_the_limits(process, sql):
    process.run("SELECT 1")  # a child is up before the clock starts
    started = time.monotonic()
    with pytest.raises(QueryFailed) as failed:
        process.run(sql)
    wall = time.monotonic() - started
    assert failed.value.kind in ("memory", "timeout")
    assert "limit" in str(failed.value) and "Narrow it down" in str(failed.value)
    assert wall <= LIMITS.seconds + 1
    peak = process.peak_memory()
    assert peak is None or peak <= _bytes(LIMITS.memory) + MARGIN  # None: the child was killed
    assert process.run("SELECT count(*) AS n FROM calls").frame["n"].iloc[0] > 0  # usable again


def test_the_query_after_a_memory_error_runs_in_a_fresh_process(process):
    """A process that met its address-space cap may keep a heap it cannot grow again (an ordinary
    query after the attacks once failed at the cap in a loaded CI run): the next query gets a new one."""
    process.run("SELECT 1")
    with pytest.raises(QueryFailed) as failed:
        process.run("SELECT list(repeat('y', 1000)) FROM range(2000000)")
    assert failed.value.kind in ("memory", "timeout")
    process.run("SELECT 1")
    assert process.peak_memory() < 300 * 2**20  # a fresh child (~160 MB), not the one near the cap


def test_ordinary_queries_still_run_under_the_cap(process):
    result = process.saved("practice_adoption_by_agent")
    assert len(result.frame) > 100 and not result.truncated
    assert len(process.run("SELECT * FROM call_facts", limit=50_000).frame) > 10_000


def test_the_query_command_stops_a_runaway_query_with_a_message(sample_db):
    started = time.monotonic()
    proc = run_cli("query", "--sql", "SELECT len(range(300000000))", "--db", str(sample_db))
    assert proc.returncode == 1 and "memory limit" in proc.stderr
    assert time.monotonic() - started < 20


def test_the_child_process_ends_with_its_owner(sample_db):
    qp = QueryProcess(sample_db, LIMITS)
    qp.run("SELECT 1")
    child = qp._child
    qp.close()
    assert child.poll() is not None
