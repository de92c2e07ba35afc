"""The summary marts do not depend on the order their input rows come in.

Threads hand DuckDB's aggregates their rows in varying order, and the Spark engine reads the
same rows in another order again; a sum of DOUBLEs, or a window whose ORDER BY leaves ties, then
gives different tables for the same calls (CI found transcript_agreement one row off between
the engines). Each mart here is run, single-threaded so the order is the one given, over the
same hand-made rows in several orders, and must give the same rows each time.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from calmline import vocabulary
from calmline.etl import practice_views
from calmline.queries import load_sql

COLUMNS = {
    "call_id": "VARCHAR", "call_month": "DATE", "team": "VARCHAR", "site": "VARCHAR", "channel": "VARCHAR",
    "issue_type": "VARCHAR", "anger_level": "INTEGER", "agent_id": "VARCHAR", "call_date": "DATE",
    "is_upset": "BOOLEAN", "window_closed": "BOOLEAN", "churned_at": "DATE", "churned_before_call": "BOOLEAN",
    "customer_id": "VARCHAR", "started_at": "TIMESTAMP", "monthly_value": "DOUBLE", "resolved": "BOOLEAN",
    "handle_s": "DOUBLE", "csat": "INTEGER", "window_30d_closed": "BOOLEAN", "practice_source": "VARCHAR",
}
"""summary_calls' columns that the summary marts read, besides the practices."""


def _rows() -> list[tuple]:
    """Calls of one summary cell, with handle times whose DOUBLE sum depends on the order
    (their DOUBLE total is 604802.7100000001 in one order, 604802.71 in another), and two upset calls of one
    customer in the same second, taken by agents of different teams."""
    rng = random.Random(7)
    start = datetime(2025, 3, 3, 9, 0)
    rows = []
    handle = [0.1, 0.2, 0.3, 0.4, 0.7, 1.1, 604799.9, 0.01]
    for i, h in enumerate(handle):
        at = start + timedelta(minutes=i)
        rows.append(dict(call_id=f"C{i}", team="north", agent_id="A1", customer_id=f"U{i}", started_at=at,
                         handle_s=h))
    for i, team in enumerate(("north", "south")):  # same customer, same second
        rows.append(dict(call_id=f"T{i}", team=team, agent_id=f"A{i + 2}", customer_id="U-tie",
                         started_at=start + timedelta(days=1), handle_s=60.0))
    rows.append(dict(call_id="T2", team="north", agent_id="A1", customer_id="U-tie",
                     started_at=start + timedelta(days=60), handle_s=60.0))
    out = []
    for r in rows:
        at = r["started_at"]
        full = dict(call_month=date(at.year, at.month, 1), site="leeds", channel="phone", issue_type="billing",
                    anger_level=4, call_date=at.date(), is_upset=True, window_closed=True, churned_at=None,
                    churned_before_call=False, monthly_value=10.0, resolved=True, csat=4,
                    window_30d_closed=True, practice_source="qa", **r)
        practices = tuple(rng.choice([True, False, None]) for _ in vocabulary.practice_names())
        out.append(tuple(full[c] for c in COLUMNS) + practices)
    return out


def _mart(sql: str, rows: list[tuple]) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        practice_views.create_macros(con)
        practices = ", ".join(f'"{p}" BOOLEAN' for p in vocabulary.practice_names())
        con.execute("CREATE TABLE summary_calls (" + ", ".join(f"{c} {t}" for c, t in COLUMNS.items())
                    + f", {practices})")
        con.executemany(f"INSERT INTO summary_calls VALUES ({', '.join('?' * (len(COLUMNS) + len(vocabulary.practice_names())))})",
                        rows)
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


@pytest.mark.parametrize("mart", ["call_summary", "upset_customer_calls", "agent_summary", "agent_practice_days"])
def test_the_mart_is_the_same_whatever_the_order_of_its_input_rows(mart):
    rows = _rows()
    want = _mart(load_sql(f"marts/{mart}"), rows)
    assert want
    for seed in range(6):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert _mart(load_sql(f"marts/{mart}"), shuffled) == want, f"order {seed}"


def test_call_summary_totals_handle_time_exactly():
    """handle_s_sum is the handle times' exact total (to the microsecond), whatever the order."""
    rows = _rows()
    at = {c: i for i, c in enumerate(COLUMNS)}
    cell = [r for r in rows if r[at["team"]] == "north" and r[at["call_month"]] == date(2025, 3, 1)]
    got = _mart("SELECT handle_s_sum FROM (" + load_sql("marts/call_summary") + ") "
                "WHERE team = 'north' AND call_month = DATE '2025-03-01'", rows)
    assert len(cell) > 3
    assert got == [(float(sum(Decimal(repr(r[at["handle_s"]])) for r in cell)),)]


def test_call_summary_sums_the_squares_of_handle_time_exactly():
    """handle_s_sq_sum (the spread behind the average handle time's interval) is the exact sum of the
    squared handle times to the millisecond, so both engines and every order give the same total."""
    rows = _rows()
    at = {c: i for i, c in enumerate(COLUMNS)}
    cell = [r for r in rows if r[at["team"]] == "north" and r[at["call_month"]] == date(2025, 3, 1)]
    got = _mart("SELECT handle_s_sq_sum, csat_sq_sum FROM (" + load_sql("marts/call_summary") + ") "
                "WHERE team = 'north' AND call_month = DATE '2025-03-01'", rows)
    squares = sum(Decimal(repr(r[at["handle_s"]])).quantize(Decimal("0.001")) ** 2 for r in cell)
    assert got == [(float(squares), sum(r[at["csat"]] ** 2 for r in cell))]
