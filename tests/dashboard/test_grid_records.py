"""The grids' rows (``grids.records``, #12, pages2: built column by column instead of by pandas'
``to_dict("records")``) are the records pandas gave: the same keys in order, values of the same
Python types, None for every kind of missing value, dates and timestamps as text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _pandas_records(frame: pd.DataFrame) -> list[dict]:
    """What grids.records gave before: the reference."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            values = out[name]
            days = values.dropna()
            whole = bool((days == days.dt.normalize()).all())
            out[name] = values.dt.strftime("%Y-%m-%d" if whole else "%Y-%m-%d %H:%M")
    return out.astype(object).where(out.notna(), None).to_dict("records")


def _same(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert list(g) == list(w)
        for key in w:
            assert type(g[key]) is type(w[key]), (key, g[key], w[key])
            assert g[key] == w[key] or (g[key] != g[key] and w[key] != w[key]), (key, g[key], w[key])


MIXED = pd.DataFrame({
    "count": [1, 2, 3], "share": [1.5, np.nan, 2.0], "text": ["x", None, "z"], "flag": [True, False, True],
    "nullable": pd.array([1, None, 3], dtype="Int64"), "maybe": pd.array([True, None, False], dtype="boolean"),
    "at": pd.to_datetime(["2025-01-01 00:00", None, "2025-02-03 10:05"]),
    "day": pd.to_datetime(["2025-01-01", None, "2025-02-03"]),
    "numpy": pd.Series([np.float64(1.0), np.int64(2), None], dtype=object), "lists": [[1, 2], None, [3]],
})


@pytest.mark.parametrize("frame", [MIXED, MIXED.iloc[:0], pd.DataFrame(), MIXED[["share"]]],
                         ids=["mixed", "no rows", "nothing", "one column"])
def test_records_are_the_pandas_records(frame):
    from calmline.dashboard import grids

    _same(grids.records(frame), _pandas_records(frame))
    assert grids.records(MIXED)[1]["share"] is None and grids.records(MIXED)[1]["at"] is None


def test_an_agents_calls_are_the_pandas_records(app, fitted_sample_db):
    import duckdb

    from calmline.dashboard import call_links, data, grids

    with duckdb.connect(str(fitted_sample_db), read_only=True) as con:
        agents = [r[0] for r in con.execute("SELECT DISTINCT agent_id FROM agent_upset_calls ORDER BY 1 LIMIT 3")
                  .fetchall()]
    with app.server.test_request_context("/"):
        for agent in agents:
            calls = data.frame("agent_calls", agent=str(agent), start=None, end=None, teams=None, sites=None,
                               channels=None, issues=None, anger=None)
            calls = call_links.with_links(calls, data.frame("agent_transcripts", agent=str(agent)))
            assert len(calls)
            _same(grids.records(calls), _pandas_records(calls))
