"""The overview's numbers (#11 items 1, 2, 3, 5, 6 and the director's view), on the fitted sample.

Each figure is checked against the same quantity computed straight from the loaded tables, and the
statistics against published reference values.
"""

from __future__ import annotations

import html
import re
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import query

ALL = {}
SPRING = {"start": "2025-03", "end": "2025-06"}

UPSET_CUSTOMERS = """
WITH upset AS (
    SELECT c.customer_id, CAST(c.started_at AS DATE) AS day, cu.churned_at, cu.monthly_value
    FROM calls c JOIN customers cu USING (customer_id)
    WHERE c.anger_level >= 3 AND (cu.churned_at IS NULL OR cu.churned_at >= CAST(c.started_at AS DATE))
      AND c.started_at >= $first AND c.started_at < $after
),
last_call AS (
    SELECT customer_id, max(day) AS last_day, any_value(churned_at) AS churned_at,
        any_value(monthly_value) AS monthly_value
    FROM upset GROUP BY customer_id
)
SELECT count(*) AS customers,
    count(*) FILTER (WHERE last_day + 90 <= as_of) AS closed,
    count(*) FILTER (WHERE last_day + 90 <= as_of AND (churned_at IS NULL OR churned_at > last_day + 90)) AS retained,
    sum(monthly_value) FILTER (WHERE last_day + 90 <= as_of AND churned_at <= last_day + 90) AS value_lost
FROM last_call, etl_state
"""
"""The customer rule, written independently of the marts: customers with an upset call in
[first, after), retained when not churned within 90 days of their last upset call in it."""

MONTH_CHURN = """
SELECT count(h.churned) AS closed, count(*) FILTER (WHERE h.churned) AS churned, count(*) AS calls
FROM call_facts f JOIN horizon_churn h ON h.call_id = f.call_id AND h.horizon = 90
WHERE f.is_upset AND f.call_month = $month
"""


@pytest.fixture(scope="module")
def app(fitted_sample_db):
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=fitted_sample_db))
    return fitted_sample_db


def numbers(chosen):
    from calmline.dashboard import filters, overview_numbers

    return overview_numbers.overview_numbers(filters.params(chosen))


def text(component) -> str:
    """The visible text of a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text(c) for c in component)
    return text(getattr(component, "children", None))


# #11.1: calls counted as customers ---------------------------------------------------------------

def test_the_customer_card_counts_distinct_customers_by_the_stated_rule(app):
    from calmline.dashboard.pages import overview

    customers, closed, retained, _ = query(app, UPSET_CUSTOMERS, {"first": "2025-03-01", "after": "2025-07-01"})[0]
    cards = overview.update(SPRING)[0]
    card = text(cards[2])
    assert f"{retained:,} of {closed:,} customers" in card
    assert "last upset call" in card and "counted once" in card
    upset_calls = numbers(SPRING).head["upset_calls"].iloc[0]
    assert customers < upset_calls  # the old card showed calls here: 4,392 of 5,307
    assert f"{int(upset_calls):,}" not in card.split("customers")[0]


def test_every_headline_card_states_its_unit(app):
    from calmline.dashboard import overview_numbers

    values = [c["value"] for c in overview_numbers.headline_cards(numbers(ALL))]
    assert [v.split()[-1] for v in values] == ["calls", "calls", "customers", "points"]


UPSET_VS_CALM = """
SELECT c.anger_level >= $upset AS upset,
    count(*) FILTER (WHERE CAST(c.started_at AS DATE) + 90 <= as_of) AS closed,
    count(*) FILTER (WHERE CAST(c.started_at AS DATE) + 90 <= as_of
                       AND cu.churned_at <= CAST(c.started_at AS DATE) + 90) AS churned
FROM calls c JOIN customers cu USING (customer_id), etl_state
WHERE (cu.churned_at IS NULL OR cu.churned_at >= CAST(c.started_at AS DATE))
  AND c.started_at >= $first AND c.started_at < $after
GROUP BY ALL
"""
"""Calls of [first, after) by upset or calm, from the loaded tables: with a closed 90-day window, and
of those, the customer gone within the 90 days (calls of customers gone before the call left out)."""


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval for k of n (Newcombe 1998, method 3)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_the_extra_churn_card_gives_the_difference_with_its_interval_and_both_counts(app):
    """Upset minus calm churn within 90 days, per call with a closed window, from call_facts and
    horizon_churn directly; its 95% interval is Newcombe's hybrid score interval (Newcombe 1998,
    Stat Med 17:873, method 10), worked here from two Wilson intervals, and both n are on the card."""
    from calmline import vocabulary
    from calmline.dashboard import overview_numbers

    counts = {upset: (closed, churned) for upset, closed, churned in
              query(app, UPSET_VS_CALM, {"first": date(2025, 3, 1), "after": date(2025, 7, 1),
                                         "upset": vocabulary.UPSET_ANGER})}
    (n1, k1), (n2, k2) = counts[True], counts[False]
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = _wilson(k1, n1), _wilson(k2, n2)
    low = p1 - p2 - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = p1 - p2 + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    card = overview_numbers.headline_cards(numbers(SPRING))[3]
    assert card["title"] == "Extra churn after upset calls"
    assert card["value"] == f"{(p1 - p2) * 100:+.1f} points"
    assert card["note"] == (f"95% CI {low * 100:+.1f} to {high * 100:+.1f} points; per call, unadjusted: "
                            f"{n1:,} upset and {n2:,} calm calls whose 90 days have passed")


def test_without_calm_calls_the_extra_churn_card_says_what_it_needs():
    """No calm call with a closed window: no difference is shown (not +16.7 points against nothing)."""
    from calmline.dashboard import formats, overview_numbers

    row = pd.Series(dict(upset_closed=120.0, upset_retained=100.0, calm_closed=0.0, calm_retained=0.0))
    card = overview_numbers.extra_churn_card(row)
    assert card["value"] == formats.MISSING
    assert card["note"] == "needs upset and calm calls whose 90 days have passed"


# #11.2: the comparison follows rates, with direction and significance, shown by default ---------

def test_by_default_the_latest_closed_month_is_compared_with_the_one_before(app):
    """September 2025 is the latest month whose 90-day windows have all closed by 2026-01-01."""
    from calmline.dashboard.pages import overview

    sep = dict(zip(("closed", "churned", "calls"), query(app, MONTH_CHURN, {"month": date(2025, 9, 1)})[0]))
    aug = dict(zip(("closed", "churned", "calls"), query(app, MONTH_CHURN, {"month": date(2025, 8, 1)})[0]))
    assert sep["closed"] == sep["calls"]
    before, year = numbers(ALL).comparisons
    assert (before.period, before.other_period) == ("Sep 2025", "Aug 2025")
    assert (before.churned, before.closed, before.other_churned, before.other_closed) == (
        sep["churned"], sep["closed"], aug["churned"], aug["closed"])
    assert before.difference == pytest.approx(sep["churned"] / sep["closed"] - aug["churned"] / aug["closed"])
    assert year.missing == "the data has no calls in Sep 2024"
    panel = text(overview.update_director(ALL)[0])
    rate = f"{100 * sep['churned'] / sep['closed']:.1f}% ({sep['churned']} of {sep['closed']} upset calls)"
    assert rate in panel and "Aug 2025" in panel and " points" in panel and "p = " in panel
    assert "no clear change" in panel  # +0.4 points, p = 0.84: the badge does not call it worse


def test_a_chosen_period_is_compared_with_the_period_before_by_rate(app):
    from calmline.dashboard import data, filters

    before, year = numbers({"start": "2025-04", "end": "2025-06"}).comparisons
    assert year.missing == "the data has no calls in Apr 2024 - Jun 2024"
    partial, _ = numbers(SPRING).comparisons  # Nov 2024 - Feb 2025: the data starts in January
    assert partial.missing == ("the data starts in Jan 2025, so it covers only 2 of the 4 months of "
                               "Nov 2024 - Feb 2025") and partial.difference is None
    earlier = data.frame("headline", **filters.params({"start": "2025-01", "end": "2025-03"})).iloc[0]
    now = data.frame("headline", **filters.params({"start": "2025-04", "end": "2025-06"})).iloc[0]
    assert before.label == "vs the 3 months before"
    assert before.other_rate == pytest.approx(earlier.churn_upset)
    assert before.rate == pytest.approx(now.churn_upset)
    assert before.difference == pytest.approx(now.churn_upset - earlier.churn_upset)
    from calmline.dashboard.overview_numbers import comparison_text

    autumn, _ = numbers({"start": "2025-09", "end": "2025-10"}).comparisons  # October's windows still open
    autumn_head = data.frame("headline", **filters.params({"start": "2025-09", "end": "2025-10"})).iloc[0]
    assert (autumn.closed, autumn.calls) == (autumn_head.upset_closed, autumn_head.upset_calls)
    assert autumn.closed < autumn.calls
    assert (f"(provisional: the 90 days have passed for {autumn.closed:,} of its {autumn.calls:,} upset calls)"
            in comparison_text(autumn)["text"])
    assert "provisional" not in comparison_text(before)["text"]


def test_a_year_earlier_is_compared_when_the_data_has_it():
    from calmline.dashboard.overview_numbers import comparisons

    months = pd.date_range("2024-01-01", "2025-03-01", freq="MS")
    rates = pd.DataFrame({"month": months, "upset_calls": 500, "upset_closed_90d": 500,
                          "upset_churned_90d": 80, "provisional": False})
    rates.loc[rates["month"] == "2025-03-01", "upset_churned_90d"] = 40
    rates.loc[rates["month"] == "2025-03-01", "upset_closed_90d"] = 400
    rates.loc[rates["month"] == "2025-03-01", "provisional"] = True
    before, year = comparisons(rates)
    assert (before.period, before.other_period, year.other_period) == ("Feb 2025", "Jan 2025", "Feb 2024")
    assert year.difference == 0 and year.direction == "no change" and not year.significant
    spring, ago = comparisons(rates, pd.Timestamp("2025-03-01"), pd.Timestamp("2025-03-01"))
    assert spring.difference == pytest.approx(0.10 - 0.16) and spring.direction == "better"
    assert spring.significant and ago.other_period == "Mar 2024"


def test_the_comparison_statistics_match_published_and_reference_values():
    """Newcomb (1998), Statistics in Medicine 17:873-890, Table II, example (a): 56/70 vs 48/80,
    difference 0.2, method 10 (score interval, no continuity correction) 0.0524 to 0.3339.
    Newcomb (1998), Statistics in Medicine 17:857-872, Table I: 81/263, Wilson score interval
    0.2553 to 0.3662. The p-value is Pearson's chi-square test without continuity correction
    (R: prop.test(c(77, 83), c(519, 576), correct = FALSE)), computed here with scipy."""
    from scipy.stats import chi2_contingency

    from calmline.dashboard.overview_numbers import compare, wilson

    c = compare("vs", "a", "b", 56, 70, 48, 80)
    assert (round(c.ci_low, 4), round(c.ci_high, 4)) == (0.0524, 0.3339)
    low, high = wilson([81], [263])
    assert (round(low[0], 4), round(high[0], 4)) == (0.2553, 0.3662)
    c = compare("vs", "a", "b", 77, 519, 83, 576)
    assert c.p_value == pytest.approx(chi2_contingency([[77, 442], [83, 493]], correction=False)[1], rel=1e-9)
    assert compare("vs", "a", "b", 10, 100, 0, 0).missing


def test_open_months_get_an_early_signal(app):
    early = numbers(ALL).early
    assert [m.strftime("%Y-%m") for m in early["month"]] == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert list(early["reference"]) == [True, False, False, False]
    (closed, churned), = query(app, "SELECT count(h.churned), count(*) FILTER (WHERE h.churned) FROM call_facts f "
                                    "JOIN horizon_churn h ON h.call_id = f.call_id AND h.horizon = 30 "
                                    "WHERE f.is_upset AND f.call_month = DATE '2025-11-01'")
    nov = early.iloc[2]
    assert (nov.upset_closed_30d, nov.upset_churned_30d) == (closed, churned)
    assert 0.3 < nov.adoption < 0.7


# #11.3: partial and tiny months, team bars --------------------------------------------------------

def test_open_windows_are_provisional_and_small_months_marked_on_the_churn_trend(app):
    from calmline.dashboard.pages import overview

    churn = overview.update(ALL)[1]
    traces = {t.name: t for t in churn.data}
    full, provisional = traces["Upset calls"], traces["Upset calls, provisional (windows still open)"]
    assert [pd.Timestamp(x).strftime("%Y-%m") for x in provisional.x] == ["2025-10"]  # Nov, Dec: none closed
    assert pd.Timestamp(full.x[-1]).strftime("%Y-%m") == "2025-09"
    assert provisional.marker.color == "white" and full.error_y.array is not None
    (closed, calls), = query(app, "SELECT count(h.churned), count(*) FROM call_facts f JOIN horizon_churn h "
                                  "ON h.call_id = f.call_id AND h.horizon = 90 "
                                  "WHERE f.is_upset AND f.call_month = DATE '2025-10-01'")
    assert f"provisional: {closed} of {calls} calls' windows closed" in provisional.hovertext[0]
    assert "few calls" in provisional.hovertext[0] and closed < 100
    assert [pd.Timestamp(x).strftime("%Y-%m") for x in traces["Under 100 closed calls"].x] == ["2025-10"]


def test_team_bars_carry_n_and_a_wilson_interval(app):
    from statsmodels.stats.proportion import proportion_confint

    from calmline.dashboard.pages import overview

    bars = overview.update(ALL)[5].data[0]
    team = bars.customdata[0]
    (closed, churned), = query(app, "SELECT count(h.churned), count(*) FILTER (WHERE h.churned) FROM call_facts f "
                                    "JOIN horizon_churn h ON h.call_id = f.call_id AND h.horizon = 90 "
                                    "WHERE f.is_upset AND f.team = $t", {"t": team})
    low, high = proportion_confint(churned, closed, method="wilson")
    assert f"n={closed:,}" in bars.text[0]
    assert bars.y[0] + bars.error_y.array[0] == pytest.approx(high * 100)
    assert bars.y[0] - bars.error_y.arrayminus[0] == pytest.approx(low * 100)


def test_the_saved_month_team_query_hides_partial_and_tiny_months_and_gives_n_and_interval(app):
    from statsmodels.stats.proportion import proportion_confint

    from calmline.dashboard.figures.explore import chart_defaults
    from calmline.explorer.saved_queries import library

    saved = library()["churn_by_month_team"]
    with duckdb.connect(str(app), read_only=True) as con:
        rows = con.execute(saved.sql, saved.bind({})).df()
    assert chart_defaults(rows) == {"kind": "line", "x": "month", "y": "churn_rate", "colour": "team"}
    shown = rows[rows["churn_rate"].notna()]
    assert not shown["provisional"].any() and (shown["closed_windows"] >= 30).all()
    october = rows[rows["month"] == pd.Timestamp("2025-10-01")]
    assert october["provisional"].all() and october["churn_rate"].isna().all()
    assert (rows["few_calls"] == (rows["closed_windows"] < 30)).all()
    low, high = proportion_confint(rows["churned"], rows["closed_windows"].clip(lower=1), method="wilson")
    judged = rows["closed_windows"] > 0
    assert np.allclose(rows.loc[judged, "ci_low"], low[judged]) and np.allclose(rows.loc[judged, "ci_high"], high[judged])


# #11.5: customer_retention.churned_90d means what its description says ------------------------------

def test_churned_90d_is_null_while_the_window_is_open_and_averages_to_the_dashboards_rate(app):
    from calmline.dashboard.overview_numbers import overview_numbers

    (early_true,), = query(app, "SELECT count(*) FROM customer_retention WHERE days_observable < 90 "
                                "AND churned_90d IS NOT NULL")
    assert early_true == 0
    (analyst,), = query(app, "SELECT avg(churned_90d::INT) FROM customer_retention")
    head = overview_numbers({k: None for k in ("start", "end", "teams", "sites", "channels", "issues",
                                                "anger")}).head.iloc[0]
    assert analyst == pytest.approx(head.churn_upset)  # 19.1% vs 17.2% in the issue, before the fix


def test_the_dictionary_points_analysts_to_the_customer_level_mart():
    import tomllib
    from pathlib import Path

    from tests.conftest import ROOT

    entries = tomllib.loads((ROOT / "queries" / "dictionary.toml").read_text(encoding="utf-8"))
    assert "upset_customer_calls" in entries["customer_retention"]["description"]
    assert "horizon_churn" in entries["customer_retention"]["description"]
    assert "NULL while the 90-day window is still open (even if" in entries["customer_retention"]["columns"][
        "churned_90d"]
    assert Path(ROOT / "queries" / "marts" / "upset_customer_calls.sql").exists()


# #11.6: the HTML report, ready to forward -------------------------------------------------------

def test_the_report_is_ready_to_forward_with_the_pages_numbers(app):
    from calmline.dashboard import overview_numbers
    from calmline.dashboard.pages import overview

    page = overview.download_report(1, SPRING)["content"]
    body = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    words = html.unescape(re.sub(r"<[^>]+>", " ", body))
    assert "Data as of 2026-01-01" in words and "calls from 2025-01-01 to 2025-12-31" in words
    assert "Period shown: Mar 2025 - Jun 2025" in words and "Model run used" in words and "run #1" in words
    n = numbers(SPRING)
    for card in overview_numbers.headline_cards(n):  # the page's cards, note and all
        assert card["value"] in words and card["note"] in words
    for compared in n.comparisons:
        assert overview_numbers.comparison_text(compared)["text"] in words
    assert "Revenue at risk" in words and "First-contact resolution" in words
    headers = re.findall(r"<th>(.*?)</th>", body)
    assert "Team" in headers and not [h for h in headers if re.fullmatch(r"[a-z0-9_]+", h)]  # no snake_case
    assert not re.search(r"\b\d+\.\d{3}\b", words)  # no 1148.000 or 0.147
    legends = re.findall(r'"legend":\{[^{}]*"orientation"[^{}]*\}', page)  # each chart's own legend
    assert len(legends) == 4 and all('"y":-0.15' in legend and '"yanchor":"top"' in legend for legend in legends)


# The director's view: revenue at risk, the practice gap's cost, KPIs -----------------------------

def test_revenue_at_risk_is_the_monthly_value_of_the_customers_lost(app):
    from calmline.dashboard import overview_numbers

    *_, value_lost = query(app, UPSET_CUSTOMERS, {"first": "2025-03-01", "after": "2025-07-01"})[0]
    cards = {c["title"]: c for c in overview_numbers.director_cards(numbers(SPRING))}
    risk = cards["Revenue at risk: monthly value of customers lost after upset calls"]
    assert risk["value"] == f"{value_lost:,.0f} a month"
    gap = next(c for t, c in cards.items() if t.startswith("What the top practice gap costs"))
    (practice, kept, low, high), = query(app, "SELECT practice, retained_per_month, ci_low, ci_high "
                                              "FROM training_priorities WHERE team = 'all' "
                                              "ORDER BY retained_per_month DESC LIMIT 1")
    assert f"about {kept:.1f} customers a month" in gap["note"] and "model run #1" in gap["note"]
    # the money is an estimate too: the customers' interval at the same mean value
    (value_all, valued), = query(app, """
        SELECT sum(cu.monthly_value), count(cu.monthly_value) FROM customers cu
        WHERE cu.customer_id IN (SELECT customer_id FROM calls c WHERE c.anger_level >= 3
                                 AND c.started_at >= '2025-03-01' AND c.started_at < '2025-07-01'
                                 AND (cu.churned_at IS NULL OR cu.churned_at >= CAST(c.started_at AS DATE)))""")
    mean = value_all / valued
    assert gap["value"] == f"{kept * mean:,.0f} a month"
    assert gap["note"].startswith(f"95% CI {low * mean:,.0f} to {high * mean:,.0f} a month: about {kept:.1f}")


def test_the_kpis_match_the_calls(app):
    from calmline.dashboard import overview_numbers

    (fcr, aht, csat, n), = query(app, """
        SELECT avg(resolved::INT), avg(handle_s) / 60, avg(csat), count(resolved)
        FROM call_facts f WHERE call_date BETWEEN DATE '2025-03-01' AND DATE '2025-06-30'
          AND NOT coalesce(f.churned_at < f.call_date, false)""")
    (repeat,), = query(app, """
        WITH u AS (SELECT customer_id, started_at, call_date, churned_at,
                lead(started_at) OVER (PARTITION BY customer_id ORDER BY started_at, call_id) AS next_at
            FROM call_facts WHERE is_upset)
        SELECT avg(coalesce(next_at <= started_at + INTERVAL 30 DAY, false)::INT) FROM u
        WHERE call_date BETWEEN DATE '2025-03-01' AND DATE '2025-06-30'
          AND NOT coalesce(churned_at < call_date, false)""")
    kpis = numbers(SPRING).kpis.set_index("kpi")
    assert kpis.loc["fcr", "value"] == pytest.approx(fcr) and kpis.loc["fcr", "n"] == n
    assert kpis.loc["handle_min", "value"] == pytest.approx(aht)
    assert kpis.loc["csat", "value"] == pytest.approx(csat)
    assert kpis.loc["repeat_rate", "value"] == pytest.approx(repeat)
    from calmline.dashboard.pages import overview

    figure = overview.update_director(SPRING)[3]
    assert len(figure.data) == 4 and "n = " in figure.data[0].hovertext[0]
    repeats = overview.update_director(ALL)[3].data[1]  # December: 30 days passed for few of its calls
    assert "few calls" in repeats.hovertext[-1] and repeats.marker.color[-1] == "white"
    assert "few calls" not in repeats.hovertext[0]


def test_the_average_handle_time_and_csat_come_with_their_intervals(app):
    """Each average's 95% interval is mean +/- t(0.975, n - 1) s / sqrt(n), with s the calls' sample
    standard deviation, taken here from call_facts directly (the overview sums the squares in
    call_summary; R: t.test(x)$conf.int). On the card, after its n."""
    from scipy import stats

    from calmline.dashboard import overview_numbers

    where = """FROM call_facts f WHERE call_date BETWEEN DATE '2025-03-01' AND DATE '2025-06-30'
               AND NOT coalesce(f.churned_at < f.call_date, false)"""
    kpis = numbers(SPRING).kpis.set_index("kpi")
    cards = {c["title"]: c for c in overview_numbers.director_cards(numbers(SPRING))}
    for kpi, expression, title, shown in (("handle_min", "handle_s / 60", "Average handle time", "{:.1f} minutes"),
                                          ("csat", "csat", "Average CSAT (1-5)", "{:.2f}")):
        (mean, sd, n), = query(app, f"SELECT avg({expression}), stddev_samp({expression}), "
                                    f"count({expression}) {where}")
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        assert kpis.loc[kpi, "n"] == n
        assert kpis.loc[kpi, "ci_low"] == pytest.approx(mean - half, rel=1e-9)
        assert kpis.loc[kpi, "ci_high"] == pytest.approx(mean + half, rel=1e-9)
        low, high = (shown.format(v) for v in (mean - half, mean + half))
        assert f"95% CI {low.split()[0]} to {high}" in cards[title]["note"]


def test_a_database_loaded_before_the_sums_of_squares_still_gets_its_kpis():
    """call_summary without handle_s_sq_sum and csat_sq_sum (a load by an earlier calmline): the
    averages as before, without an interval, rather than no overview or a zero-width interval. The
    monthly rows go through monthly_rates as the page's do, with the squares absent (the query's
    rows) or NULL (the worker's cells)."""
    from calmline.dashboard import overview_numbers, summary_cells

    month = dict.fromkeys(summary_cells.MONTHLY_COLUMNS, 1.0) | dict(
        month="2025-01-01", resolved_known=10.0, resolved=7.0, handled=4.0, handle_s_sum=2400.0,
        csat_scored=3.0, csat_sum=12.0, repeat_closed_30d=5.0, repeat_30d=1.0)
    both = pd.DataFrame([month, month | {"month": "2025-02-01"}])
    for monthly in (both.drop(columns=list(overview_numbers.SQUARES)),
                    both.assign(handle_s_sq_sum=np.nan, csat_sq_sum=np.nan)):
        kpis = overview_numbers.kpis(overview_numbers.monthly_rates(monthly)).set_index("kpi")
        assert kpis.loc["handle_min", "value"] == 10.0 and pd.isna(kpis.loc["handle_min", "ci_low"])
        assert kpis.loc["csat", "value"] == 4.0 and pd.isna(kpis.loc["csat", "ci_high"])
    with_squares = both.assign(handle_s_sq_sum=4 * 600.0 ** 2 + 100.0, csat_sq_sum=3 * 16.0 + 2.0)
    kpis = overview_numbers.kpis(overview_numbers.monthly_rates(with_squares)).set_index("kpi")
    assert kpis.loc["handle_min", "ci_low"] < 10.0 < kpis.loc["handle_min", "ci_high"]


def test_the_new_figures_say_why_when_there_is_nothing_to_draw():
    from calmline.dashboard.figures import churn_trend, kpi_trends, team_bars

    for figure in (churn_trend(pd.DataFrame()), kpi_trends(pd.DataFrame())):
        assert not figure.data and "No calls match" in figure.layout.annotations[0].text
    months = pd.DataFrame({"month": ["2025-11-01"], "upset_calls": [40], "upset_closed_90d": [0],
                           "churn_upset": [None], "churn_ci_low": [None], "churn_ci_high": [None],
                           "provisional": [True]})
    assert "No 90-day window has closed" in churn_trend(months).layout.annotations[0].text
    plain = team_bars(pd.DataFrame({"team": ["a"], "upset_calls": [10], "churn_upset": [0.2]}))
    assert plain.data[0].error_y.array is None and plain.data[0].text == ("20.0%<br>n=10",)


def test_the_readmes_sample_figures_are_the_overviews(app):
    """The README quotes the overview on the bundled sample (#11.1: it used to quote calls as customers)."""
    from calmline.dashboard import formats, overview_numbers
    from tests.conftest import ROOT

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    n = numbers(ALL)
    head, cust = n.head.iloc[0], n.customers.iloc[0]
    before = n.comparisons[0]
    kpis = n.kpis.set_index("kpi")
    extra = overview_numbers.extra_churn_card(head)
    quoted = [
        f"{int(head.upset_calls):,} upset calls; churn {formats.percent(head.churn_upset)} of the "
        f"{int(head.upset_closed):,} upset calls whose 90 days have passed "
        f"({formats.percent(head.churn_calm)} after calm calls, of {int(head.calm_closed):,} whose 90 days have "
        f"passed: {extra['value']}, {extra['note'].split(';')[0]}, per call and unadjusted)",
        f"{int(cust.customers_retained):,} of {int(cust.customers_closed):,} customers still with us 90 days on "
        f"({int(cust.customers):,} customers had an upset call; "
        f"{int(cust.customers - cust.customers_closed):,} are too recent to tell)",
        f"{formats.percent(before.rate)} ({before.churned} of {before.closed}) vs {formats.percent(before.other_rate)} "
        f"({before.other_churned} of {before.other_closed}), {formats.points(before.difference).replace('pp', 'points')} "
        f"(95% CI {formats.interval_points(before.ci_low, before.ci_high)[7:-7]}), {formats.p_value(before.p_value)}",
        f"{formats.money(cust.value_lost)} a month of monthly value lost with {int(cust.customers_lost):,} customers",
        f"first-contact resolution {formats.percent(kpis.loc['fcr', 'value'])} of {kpis.loc['fcr', 'n']:,} calls",
        f"repeat upset contacts {formats.percent(kpis.loc['repeat_rate', 'value'])} of "
        f"{kpis.loc['repeat_rate', 'n']:,} upset calls",
        f"handle time {kpis.loc['handle_min', 'value']:.1f} minutes, CSAT {kpis.loc['csat', 'value']:.2f} of 5",
    ]
    for sentence in quoted:
        assert sentence in readme


def test_churn_by_anger_and_issue_carries_a_wilson_interval_and_a_few_calls_flag(app):
    from statsmodels.stats.proportion import proportion_confint

    from calmline.explorer.saved_queries import library

    saved = library()["churn_by_anger_issue"]
    with duckdb.connect(str(app), read_only=True) as con:
        rows = con.execute(saved.sql, saved.bind({"team": "leeds-1"})).df()
    judged = rows[rows["closed_windows"] > 0]
    low, high = proportion_confint(judged["churned"], judged["closed_windows"], method="wilson")
    assert np.allclose(judged["ci_low"], low) and np.allclose(judged["ci_high"], high)
    assert (rows["few_calls"] == (rows["closed_windows"] < 30)).all() and rows["few_calls"].any()


@pytest.mark.parametrize("chosen", [{}, {"start": "2025-03", "end": "2025-05"}, {"start": "2025-10"},
                                    {"end": "2025-02", "anger": ["4", "5"], "channels": ["phone"]}],
                         ids=["all months", "a period", "from a month", "to a month, filtered"])
def test_the_adoption_trend_of_a_period_is_the_query_with_the_period_bound(app, chosen):
    """#12: the trend is cut from the all-months rows the numbers hold instead of querying again."""
    from calmline.dashboard import data, filters, overview_numbers

    want = data.frame("monthly_adoption", **filters.params(chosen))
    got = overview_numbers.period_adoption(numbers(chosen))
    assert len(want)
    if chosen.get("start") or chosen.get("end"):  # a period: fewer months than the numbers hold
        assert len(want) < len(numbers(chosen).adoption)
    pd.testing.assert_frame_equal(got, want)
