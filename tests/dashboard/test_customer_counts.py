"""The overview's customer figures from each worker's index of the upset calls
(:mod:`calmline.dashboard.customer_counts`, #12, pages) are the ``customer_headline`` query's row:
every column, to the last digit, for the edge cases (no call matches, periods open at one end,
one month) and filter sets drawn at random from the sample's options; and the overview shows them.
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


def test_the_index_gives_the_customer_headline_querys_row_for_every_filter_set(app, con):
    from calmline.dashboard import customer_counts

    lost = 0
    with app.server.test_request_context("/"):
        for chosen in _filter_sets(con):
            want = con.execute(load_sql("dashboard/customer_headline"), chosen).df()
            got = customer_counts.customer_headline(chosen)
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=str(chosen))
            lost += int(want["customers_lost"].iloc[0])
    assert lost > 50  # lost customers and their value were compared, not only zeros


def test_a_customer_counts_once_and_is_judged_on_the_last_call_that_passes_the_filters(app, con):
    """A customer whose upset calls fall in two teams: filtered to the team of their earlier call, that
    call is their last one, and the 90 days run from it."""
    from calmline.dashboard import customer_counts

    found = con.execute("""
        SELECT customer_id, arg_min(team, call_date) AS early_team, arg_max(team, call_date) AS late_team
        FROM upset_customer_calls GROUP BY customer_id
        HAVING count(DISTINCT team) > 1 AND arg_min(team, call_date) <> arg_max(team, call_date)
        LIMIT 5""").fetchall()
    assert found
    with app.server.test_request_context("/"):
        for _, early, late in found:
            for teams in ([early], [late], [early, late]):
                chosen = dict(start=None, end=None, teams=teams, sites=None, channels=None, issues=None, anger=None)
                want = con.execute(load_sql("dashboard/customer_headline"), chosen).df()
                pd.testing.assert_frame_equal(customer_counts.customer_headline(chosen), want, check_exact=True)


def test_the_overview_shows_the_querys_customer_figures(app, con):
    from calmline.dashboard import data, overview_numbers

    with app.server.test_request_context("/"):
        for chosen in _filter_sets(con)[:8]:
            data.clear_caches()
            want = con.execute(load_sql("dashboard/customer_headline"), chosen).df()
            pd.testing.assert_frame_equal(overview_numbers.compute_overview(chosen).customers, want, check_exact=True)


def test_a_database_without_the_upset_calls_mart_falls_back_to_the_query(app, monkeypatch):
    """An index that cannot be read (an older database without upset_customer_calls) leaves the
    figures to the query."""
    from calmline.dashboard import customer_counts, data

    asked = []
    monkeypatch.setattr(customer_counts, "read_index", lambda: None)
    monkeypatch.setattr(data, "frame", lambda name, **params: asked.append(name) or pd.DataFrame({"customers": [1]}))
    with app.server.test_request_context("/"):
        data.clear_caches()
        out = customer_counts.customer_headline({"teams": None})
    assert asked == ["customer_headline"] and out["customers"].iloc[0] == 1


def test_the_index_is_read_once_per_database_version_and_a_new_version_replaces_it(app, monkeypatch):
    from calmline.dashboard import customer_counts, data

    data.clear_caches()
    reads = []
    original = customer_counts.read_index
    monkeypatch.setattr(customer_counts, "read_index", lambda: reads.append(1) or original())
    with app.server.test_request_context("/"):
        first = customer_counts._index()
        assert customer_counts._index() is first and len(reads) == 1
        assert data._frames.bytes < 1_000_000  # the calls are kept as the index's arrays, not as a frame too
        monkeypatch.setattr(customer_counts, "file_version", lambda db: ("a new load", 1))
        assert customer_counts._index() is not first and len(reads) == 2
        assert len(customer_counts._held) == 1  # the old version's index is not kept
    data.clear_caches()
