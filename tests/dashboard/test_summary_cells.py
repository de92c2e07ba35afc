"""The overview's monthly, team and adoption rows from each worker's cells of the summary
(:mod:`calmline.dashboard.summary_cells`, #12, pages2) are the ``monthly``, ``teams`` and
``monthly_adoption`` queries' rows: every column, type and row order, to the last digit, for the edge
cases (no call matches, periods open at one end, one month) and filter sets drawn at random from the
sample's options; and the overview and its report show them.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from calmline.queries import load_sql
from tests.dashboard.test_overview_queries import _filter_sets


@pytest.fixture(scope="module")
def con(fitted_sample_db):
    with duckdb.connect(str(fitted_sample_db), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize("name", ["monthly", "teams", "monthly_adoption"])
def test_the_cells_give_the_querys_rows_for_every_filter_set(app, con, name):
    from calmline.dashboard import summary_cells

    rows = 0
    with app.server.test_request_context("/"):
        for chosen in _filter_sets(con):
            want = con.execute(load_sql(f"dashboard/{name}"), chosen).df()
            got = getattr(summary_cells, name)(chosen)
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"{name} {chosen}")
            rows += len(want)
    assert rows > 100  # rows were compared, not only empty frames


def test_the_overview_shows_the_querys_rows(app, con):
    from calmline.dashboard import data, overview_numbers

    with app.server.test_request_context("/"):
        for chosen in _filter_sets(con)[:8]:
            data.clear_caches()
            o = overview_numbers.compute_overview(chosen)
            every_month = {**chosen, "start": None, "end": None}
            pd.testing.assert_frame_equal(o.teams, con.execute(load_sql("dashboard/teams"), chosen).df(),
                                          check_exact=True)
            pd.testing.assert_frame_equal(o.adoption, con.execute(load_sql("dashboard/monthly_adoption"),
                                                                  every_month).df(), check_exact=True)
            want = overview_numbers.monthly_rates(con.execute(load_sql("dashboard/monthly"), every_month).df())
            pd.testing.assert_frame_equal(o.all_rates, want, check_exact=True)


def test_a_database_without_the_summary_falls_back_to_the_queries(app, monkeypatch):
    """Cells that cannot be read (a database not loaded yet) leave the rows to the queries."""
    from calmline.dashboard import data, summary_cells

    asked = []
    monkeypatch.setattr(summary_cells, "read_summary", lambda: None)
    monkeypatch.setattr(data, "frame", lambda name, **params: asked.append(name) or pd.DataFrame({"n": [1]}))
    with app.server.test_request_context("/"):
        data.clear_caches()
        for name in ("monthly", "teams", "monthly_adoption"):
            assert getattr(summary_cells, name)({"teams": None})["n"].iloc[0] == 1
    assert asked == ["monthly", "teams", "monthly_adoption"]


def test_the_cells_are_read_once_per_database_version(app, monkeypatch):
    from calmline.dashboard import data, summary_cells

    reads = []
    real = summary_cells.read_summary
    monkeypatch.setattr(summary_cells, "read_summary", lambda: reads.append(1) or real())
    with app.server.test_request_context("/"):
        data.clear_caches()
        for _ in range(3):
            summary_cells.monthly({"teams": None})
            summary_cells.teams({"teams": None})
        assert len(reads) == 1
        monkeypatch.setattr(summary_cells, "file_version", lambda db: ("another version",))
        summary_cells.monthly({"teams": None})
        assert len(reads) == 2


def test_the_training_pages_adoption_trend_draws_the_querys_rows(app, con):
    """Training's adoption trend (all teams, and one team) reads the same rows from the cells."""
    from plotly.io.json import to_json_plotly

    from calmline.dashboard import data
    from calmline.dashboard.figures.training import adoption_small_multiples
    from calmline.dashboard.pages import training

    team = con.execute("SELECT min(team) FROM call_summary").fetchone()[0]
    with app.server.test_request_context("/"):
        data.clear_caches()
        for chosen, who in ((None, "all teams"), ([team], f"team {team}")):
            rows = con.execute(load_sql("dashboard/monthly_adoption"),
                               dict(teams=chosen, sites=None, channels=None, issues=None, anger=None,
                                    start=None, end=None)).df()
            want = adoption_small_multiples(rows, title=f"Adoption of each practice by month, {who} "
                                                        "(share of assessed upset calls)")
            got = training.trend("all" if chosen is None else team)
            assert to_json_plotly(got) == to_json_plotly(want)
