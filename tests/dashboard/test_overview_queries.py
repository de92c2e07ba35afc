"""The overview's queries made cheaper (#12, pages): each gives what it gave before, on the loaded
sample, for filter sets drawn at random from its own options and for the edge cases (no call
matches, a period open at one end, a period whose previous one starts before the data).

- the monthly query's repeat contacts are summed from ``upset_repeat_summary`` (cells of the filter
  dimensions, built by the load) instead of counted over every upset call: the same rows as the
  query before (below, as it was at 1c24be0) with one column added, calm_churned_90d;
- the headline is summed from the monthly rows (``overview_numbers.headline_from_months``) instead
  of a query of its own: the same row as the ``headline`` query;
- the overview computes each part when a callback first asks for it: every part the same as
  when all were computed together.
"""

from __future__ import annotations

import random

import duckdb
import pandas as pd
import pytest

from calmline.queries import load_sql

MONTHLY_OVER_UPSET_CALLS = """
WITH cells AS (
    FROM filtered_summary($teams, $sites, $channels, $issues, $anger)
),
in_period AS (
    SELECT * FROM cells
    WHERE in_months(call_month, $start, $end)
),
repeats AS (
    SELECT call_month,
        count(*) FILTER (repeat_known) AS repeat_closed_30d,
        count(*) FILTER (repeat_known AND repeat_30d) AS repeat_30d
    FROM upset_customer_calls
    WHERE in_filters(team, site, channel, issue_type, anger_level, $teams, $sites, $channels, $issues, $anger)
      AND in_months(call_month, $start, $end)
    GROUP BY call_month
),
by_month AS (
    SELECT call_month,
        coalesce(sum(calls) FILTER (is_upset), 0) AS upset_calls,
        coalesce(sum(calls) FILTER (NOT is_upset), 0) AS calm_calls,
        coalesce(sum(closed_90d) FILTER (is_upset), 0) AS upset_closed_90d,
        coalesce(sum(churned_90d) FILTER (is_upset), 0) AS upset_churned_90d,
        sum(churned_90d) FILTER (is_upset) / nullif(sum(closed_90d) FILTER (is_upset), 0) AS churn_upset,
        coalesce(sum(closed_90d) FILTER (NOT is_upset), 0) AS calm_closed_90d,
        sum(churned_90d) FILTER (NOT is_upset) / nullif(sum(closed_90d) FILTER (NOT is_upset), 0) AS churn_calm,
        coalesce(sum(closed_30d) FILTER (is_upset), 0) AS upset_closed_30d,
        coalesce(sum(churned_30d) FILTER (is_upset), 0) AS upset_churned_30d,
        sum(resolved_known) AS resolved_known,
        sum(resolved) AS resolved,
        sum(handled) AS handled,
        sum(handle_s_sum) AS handle_s_sum,
        sum(handle_s_sq_sum) AS handle_s_sq_sum,
        sum(csat_scored) AS csat_scored,
        sum(csat_sum) AS csat_sum,
        sum(csat_sq_sum) AS csat_sq_sum
    FROM in_period
    GROUP BY call_month
)
SELECT m.call_month AS month, m.* EXCLUDE (call_month),
    coalesce(r.repeat_closed_30d, 0) AS repeat_closed_30d, coalesce(r.repeat_30d, 0) AS repeat_30d
FROM by_month m
LEFT JOIN repeats r USING (call_month)
ORDER BY m.call_month
"""

NO_FILTERS = dict(start=None, end=None, teams=None, sites=None, channels=None, issues=None, anger=None)


def _filter_sets(con) -> list[dict]:
    """Bound filter parameters: edge cases, then 40 drawn at random from the sample's options."""
    options: dict[str, list] = {}
    for name, value in con.execute(load_sql("dashboard/filter_options")).fetchall():
        options.setdefault(name, []).append(value)
    months = [f"{m}-01" for m in options["month"]]
    ends = [str((pd.Timestamp(m) + pd.offsets.MonthEnd(0)).date()) for m in months]
    sets = [dict(NO_FILTERS), {**NO_FILTERS, "teams": ["no such team"]},
            {**NO_FILTERS, "start": months[-2]}, {**NO_FILTERS, "end": ends[2]},
            {**NO_FILTERS, "start": months[1], "end": ends[4]},  # its previous period starts before the data
            {**NO_FILTERS, "start": months[6], "end": ends[6], "anger": [5], "channels": [options["channel"][0]]}]
    rng = random.Random(12)
    for _ in range(40):
        chosen = dict(NO_FILTERS)
        if rng.random() < 0.6:
            a, b = sorted(rng.sample(range(len(months)), 2))
            chosen.update(start=months[a], end=ends[b])
        for param, option in (("teams", "team"), ("sites", "site"), ("channels", "channel"), ("issues", "issue_type")):
            if rng.random() < 0.3:
                chosen[param] = rng.sample(options[option], rng.randint(1, min(2, len(options[option]))))
        if rng.random() < 0.3:
            chosen["anger"] = rng.sample([3, 4, 5], rng.randint(1, 2))
        sets.append(chosen)
    return sets


@pytest.fixture(scope="module")
def con(fitted_sample_db):
    with duckdb.connect(str(fitted_sample_db), read_only=True) as connection:
        yield connection


def test_the_monthly_repeats_from_the_summary_mart_equal_the_count_over_upset_calls(con):
    repeats = 0
    for chosen in _filter_sets(con):
        want = con.execute(MONTHLY_OVER_UPSET_CALLS, chosen).df()
        got = con.execute(load_sql("dashboard/monthly"), chosen).df()
        pd.testing.assert_frame_equal(got.drop(columns="calm_churned_90d"), want, check_exact=True)
        closed = got["calm_closed_90d"].where(got["calm_closed_90d"] > 0)
        pd.testing.assert_series_equal(got["calm_churned_90d"] / closed, want["churn_calm"], check_names=False,
                                       check_exact=True)
        repeats += int(want["repeat_30d"].sum())
    assert repeats > 100


def test_the_headline_summed_from_the_monthly_rows_equals_the_headline_query(con):
    from calmline.dashboard.overview_numbers import _month, headline_from_months

    previous = 0
    for chosen in _filter_sets(con):
        want = con.execute(load_sql("dashboard/headline"), chosen).df()
        monthly = con.execute(load_sql("dashboard/monthly"), {**chosen, "start": None, "end": None}).df()
        got = headline_from_months(monthly, _month(chosen["start"]), _month(chosen["end"]))
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=str(chosen))
        previous += bool(want["prev_upset_calls"].notna().iloc[0])
    assert previous > 10  # the previous period's figures were compared, not only NULLs


def test_each_part_of_the_overview_asked_for_alone_equals_it_computed_with_the_others(app, con):
    """A callback asks for some parts only (the headline's does not compute the comparisons): each
    part, asked for first, is what it is when every part is computed."""
    from calmline.dashboard import data, overview_numbers

    parts = ("head", "customers", "rates", "all_rates", "adoption", "teams", "early", "kpis", "freshness")
    for chosen in _filter_sets(con)[:12]:
        params = {k: v for k, v in chosen.items()}
        whole = overview_numbers.compute_overview(params).everything()
        for part in parts:
            data.clear_caches()
            alone = getattr(overview_numbers.compute_overview(params), part)
            pd.testing.assert_frame_equal(alone, getattr(whole, part), check_exact=True)
        data.clear_caches()
        alone = overview_numbers.compute_overview(params)
        assert alone.comparisons == whole.comparisons and alone.gap == whole.gap and alone.period == whole.period


def _monthly_rates_before(monthly: pd.DataFrame) -> pd.DataFrame:
    """overview_numbers.monthly_rates as it was at 1c24be0 (a column inserted at a time)."""
    from calmline.dashboard.overview_numbers import MIN_N, wilson

    df = monthly.copy()
    if df.empty:
        return df
    df["month"] = pd.to_datetime(df["month"])
    num = df.drop(columns="month").apply(pd.to_numeric, errors="coerce").fillna(0)
    df[num.columns] = num

    def ratio(a, b):
        return (num[a] / num[b].where(num[b] > 0)).astype(float)

    df["churn_upset"] = ratio("upset_churned_90d", "upset_closed_90d")
    df["churn_ci_low"], df["churn_ci_high"] = wilson(num["upset_churned_90d"], num["upset_closed_90d"])
    df["provisional"] = num["upset_closed_90d"] < num["upset_calls"]
    df["small"] = num["upset_closed_90d"] < MIN_N
    df["churn_30d"] = ratio("upset_churned_30d", "upset_closed_30d")
    df["churn_30d_ci_low"], df["churn_30d_ci_high"] = wilson(num["upset_churned_30d"], num["upset_closed_30d"])
    df["fcr"] = ratio("resolved", "resolved_known")
    df["handle_min"] = ratio("handle_s_sum", "handled") / 60
    df["csat"] = ratio("csat_sum", "csat_scored")
    df["repeat_rate"] = ratio("repeat_30d", "repeat_closed_30d")
    return df


def test_monthly_rates_built_in_one_frame_equal_them_inserted_a_column_at_a_time(con):
    import numpy as np

    from calmline.dashboard.overview_numbers import monthly_rates

    frames = [con.execute(load_sql("dashboard/monthly"), chosen).df() for chosen in _filter_sets(con)]
    odd = frames[0].copy()
    odd["csat_sum"] = odd["csat_sum"].astype(object)  # a column that is not numeric, and a NULL
    odd.loc[0, "resolved"] = np.nan
    for monthly in [*frames, odd]:
        pd.testing.assert_frame_equal(monthly_rates(monthly), _monthly_rates_before(monthly), check_exact=True)
    assert sum(len(f) for f in frames) > 100


def test_the_seven_callbacks_at_once_show_what_they_show_one_by_one(app):
    """The browser sends the overview's callbacks together: computed side by side (a lock per part
    of the numbers), each answers what it answers alone, and none waits forever."""
    import threading

    from plotly.io.json import to_json_plotly

    from calmline.dashboard import data
    from calmline.dashboard.pages import overview

    callbacks = [overview.show_headline, overview.show_churn_trend, overview.show_teams, overview.show_adoption,
                 overview.show_comparisons, overview.show_director, overview.show_kpi_trends]
    for chosen in ({}, {"start": "2025-09", "end": "2025-12"}, {"teams": ["leeds-1"], "anger": ["4", "5"]}):
        data.clear_caches()
        alone = [to_json_plotly(cb(chosen)) for cb in callbacks]
        data.clear_caches()
        together: dict = {}
        threads = [threading.Thread(target=lambda i=i, cb=cb: together.__setitem__(i, to_json_plotly(cb(chosen))))
                   for i, cb in enumerate(callbacks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert [together.get(i) for i in range(len(callbacks))] == alone
