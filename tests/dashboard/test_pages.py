"""Page callbacks called directly, over a sample database loaded and fitted once for this module."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from tests.conftest import ROOT, run_cli

FILTERED_CALLS = (Path(__file__).parent / "filtered_calls.sql").read_text(encoding="utf-8")
"""The reference meaning of "the calls the filters select" (tests only)."""


@pytest.fixture(scope="module")
def app_db(fitted_sample_db, tmp_path_factory):
    """This module's own copy of the fitted sample (one test loads more calls into it)."""
    db = tmp_path_factory.mktemp("dash") / "calmline.duckdb"
    shutil.copyfile(fitted_sample_db, db)
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=db))
    return db


def test_filters_round_trip_through_the_url():
    from calmline.dashboard import filters

    chosen = {"teams": ["leeds-1", "cardiff-2"], "anger": ["4", "5"], "start": "2025-03"}
    assert filters.parse(filters.to_search(chosen)) == chosen
    assert filters.to_search({}) == ""
    assert filters.params({"start": "2025-02", "end": "2025-02"})["end"] == "2025-02-28"


def test_overview_follows_the_filters(app_db):
    from calmline.dashboard.pages import overview

    cards, churn, adoption, teams, columns, bars, message = overview.update({})
    assert message is None and len(cards) == 4 and len(teams) == 7
    assert sorted(bars.data[0].customdata) == sorted(t["team"] for t in teams)
    everyone = sum(t["upset_calls"] for t in teams)
    cards, _, _, teams, _, bars, _ = overview.update({"teams": ["leeds-1"], "anger": ["5"]})
    assert [t["team"] for t in teams] == ["leeds-1"] and list(bars.data[0].customdata) == ["leeds-1"]
    assert teams[0]["upset_calls"] < everyone
    assert churn.data and adoption.data


def test_headline_figures_match_the_calls_they_summarise(app_db):
    """The overview reads pre-aggregated marts; the same figures straight from the calls agree."""
    from calmline.dashboard import data, filters

    chosen = {"start": "2025-03", "end": "2025-08", "channels": ["phone", "chat"], "anger": ["4", "5"]}
    head = data.frame("headline", db=app_db, **filters.params(chosen)).iloc[0]
    params = filters.params(chosen)
    text = ("WITH calls AS ({filtered_calls}) SELECT count(*) FILTER (WHERE is_upset), "
            "avg(churned_90d::INT) FILTER (WHERE is_upset), "
            "count(*) FILTER (WHERE is_upset AND churned_90d = false) FROM calls").replace(
        "{filtered_calls}", FILTERED_CALLS)
    import duckdb

    with duckdb.connect(str(app_db), read_only=True) as con:
        upset, churn, retained = con.execute(text, params).fetchone()
    assert upset > 100
    assert (head.upset_calls, head.upset_retained) == (upset, retained)
    assert head.churn_upset == pytest.approx(churn)


def test_the_headline_compares_with_the_period_before(app_db):
    from calmline.dashboard import data, filters
    from calmline.dashboard.pages import overview

    head = data.frame("headline", db=app_db, **filters.params({"start": "2025-04", "end": "2025-06"})).iloc[0]
    before = data.frame("headline", db=app_db, **filters.params({"start": "2025-01", "end": "2025-03"})).iloc[0]
    assert head.has_previous and head.prev_upset_retained == before.upset_retained
    assert head.prev_churn_upset == pytest.approx(before.churn_upset)
    # the comparison is of churn rates, in points, and shows without choosing a period (#11.2)
    compared = str(overview.update_director({"start": "2025-04", "end": "2025-06"})[0])
    assert f"{before.churn_upset * 100:.1f}%" in compared and " points" in compared
    assert "vs the month before" in str(overview.update_director({})[0])


def test_clicking_a_chart_narrows_the_filters_in_the_url():
    from dash import no_update

    from calmline.dashboard.pages import overview

    bar = {"points": [{"x": "leeds-1", "customdata": "leeds-1"}]}
    assert overview.clicked_filter(overview.TEAM_BARS, bar, "?anger=5") == "?teams=leeds-1&anger=5"
    month = {"points": [{"x": "2025-03-01", "y": 12.5}]}
    assert (overview.clicked_filter(overview.CHURN_TREND, month, "?teams=a&teams=b")
            == "?start=2025-03&end=2025-03&teams=a&teams=b")
    assert overview.clicked_filter(overview.CHURN_TREND, {"points": []}, "") is no_update


def test_overview_with_no_matching_calls_says_so(app_db):
    from calmline.dashboard.pages import overview

    cards, _, _, teams, _, _, _ = overview.update({"teams": ["leeds-1"], "sites": ["Cardiff"]})  # none there
    assert teams == [] and "No calls match" in str(cards)


def test_drill_down_from_team_to_agent_to_calls(app_db):
    from calmline.dashboard.pages import overview

    _, _, _, teams, _, _, _ = overview.update({})
    agents, _, title = overview.drill_team([teams[0]], {})
    assert agents and teams[0]["team"] in title
    calls, _, title = overview.drill_agent([agents[0]], {})
    assert len(calls) == agents[0]["upset_calls"] and agents[0]["agent_id"] in title


def test_the_team_and_agent_tables_give_each_churn_rate_its_interval_and_base_under_the_reports_headers(app_db):
    """A director reads "Churn within 90 days" with its 95% interval and beside the upset calls it is a
    share of, not beside every upset call (calls whose 90 days have not passed are not in it), in the
    report's words and with the report's interval."""
    from calmline.dashboard import formats, html_report
    from calmline.dashboard.pages import overview

    chosen = {"start": "2025-03", "end": "2025-12"}
    _, _, _, teams, team_columns, _, _ = overview.update(chosen)
    report = html_report.team_table(pd.DataFrame(teams))
    headers = [c["headerName"] for c in team_columns]
    assert [h for h in headers if not h.startswith("Churn: 95% CI")] == list(report.columns)  # the report's, in order
    assert headers[4:9] == ["Churn within 90 days (% of upset calls whose 90 days have passed)", "Churn: 95% CI low",
                            "Churn: 95% CI high", "Upset calls whose 90 days have passed",
                            "Of those, churned within 90 days"]
    agents, agent_columns, _ = overview.drill_team([teams[0]], chosen)
    assert [c["field"] for c in agent_columns][:7] == ["agent_id", "upset_calls", "churn_upset", "churn_ci_low",
                                                      "churn_ci_high", "closed_90d", "churned_90d"]
    assert [c["headerName"] for c in agent_columns][2:6] == headers[4:8]
    for team, printed in zip(teams, report[headers[4]]):
        assert printed == (f"{formats.percent(team['churn_upset'])} (95% CI {formats.percent(team['churn_ci_low'])}"
                           f" to {formats.percent(team['churn_ci_high'])})")
    for rows in (teams, agents):
        # some calls' 90 days are still open (the last months), so the base is not the upset calls
        assert sum(r["closed_90d"] for r in rows) < sum(r["upset_calls"] for r in rows)
        for r in (r for r in rows if r["closed_90d"]):
            assert r["churn_upset"] == pytest.approx(r["churned_90d"] / r["closed_90d"])
            assert r["churn_ci_low"] < r["churn_upset"] < r["churn_ci_high"] or r["churned_90d"] == 0
    assert sum(r["closed_90d"] for r in agents) == teams[0]["closed_90d"]
    assert sum(r["churned_90d"] for r in agents) == teams[0]["churned_90d"]


@pytest.mark.parametrize("chosen", [{}, {"start": "2025-03", "end": "2025-08", "channels": ["phone", "chat"],
                                      "anger": ["4", "5"]}], ids=["no filters", "period, channels, anger"])
def test_an_agents_calls_are_their_upset_calls_among_the_filtered_calls(app_db, chosen):
    """agent_calls must list what the reference filtered_calls has."""
    import duckdb

    from calmline.dashboard import data, filters

    params = filters.params(chosen)
    reference = f"""WITH calls AS ({FILTERED_CALLS})
        SELECT call_id, started_at, resolved, took_ownership, offered_options,
               followup_within_30d AS followed_up, churned_90d
        FROM calls WHERE is_upset AND agent_id = $agent ORDER BY started_at DESC, call_id"""
    with duckdb.connect(str(app_db), read_only=True) as con:
        agents = [r[0] for r in con.execute("SELECT agent_id FROM agents ORDER BY agent_id LIMIT 12").fetchall()]
        compared = 0
        for agent in agents:
            want = con.execute(reference, {**params, "agent": agent}).df()
            got = data.frame("agent_calls", db=app_db, agent=agent, **params)
            assert got["started_at"].is_monotonic_decreasing  # newest first
            got = got.sort_values(["started_at", "call_id"], ascending=[False, True])[list(want.columns)]
            pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
            compared += len(want)
    assert compared > 100 and want["followed_up"].any() and want["churned_90d"].notna().any()


def test_impact_page_shows_the_latest_run(app_db):
    from calmline.dashboard.pages import impact

    forest, hazard, options, chosen, warnings, *rest = impact.update("/impact")
    assert len(options) == len(vocabulary.practice_names()) and chosen == "took_ownership"
    assert forest.data and hazard.data and len(rest) == len(impact.DOSE) + len(impact.HET) == 6
    assert impact.update_km("took_ownership").data


def test_training_and_health_pages(app_db):
    from calmline.dashboard.pages import health, training

    options, bars, gaps, agents, _, modules, _ = training.update("all")
    assert {"label": "All teams", "value": "all"} in options and len(agents) == 50
    assert all(a["needs most"] for a in agents) and modules
    notice, fresh, funnel, batches, _, rejected, _ = health.update("/health")
    assert len(rejected) == 25 and batches and len(fresh) == 5 and notice == []  # one load, it changed data


def test_training_completions_compare_adoption_in_the_90_days_around_each_completion(app_db):
    """Recomputed in pandas from call_facts: every module x team, before and after figures."""
    import duckdb

    from calmline.dashboard import data

    shown = data.frame("training_completions", db=app_db).set_index(["module", "team"])
    with duckdb.connect(str(app_db), read_only=True) as con:
        done = con.execute("SELECT t.agent_id, t.module, t.completed_at, coalesce(a.team, 'unassigned') AS team "
                           "FROM training t JOIN agents a USING (agent_id)").df()
        calls = con.execute("SELECT * FROM call_facts WHERE is_upset").df()
    calls["options_offered"] = calls["offered_options"]
    calls["call_date"] = calls["call_date"].astype("datetime64[ns]")
    done["completed_at"] = done["completed_at"].astype("datetime64[ns]")
    pairs = done.merge(calls.drop(columns=["team"]), on="agent_id")
    days = (pairs["call_date"] - pairs["completed_at"]).dt.days
    pairs = pairs[days.between(-90, 90)].assign(before=days < 0)
    pairs["used"] = pd.Series(pd.NA, index=pairs.index, dtype="Float64")
    for module in pairs["module"].unique():
        rows = pairs["module"] == module
        pairs.loc[rows, "used"] = pairs.loc[rows, module].astype("Float64")
    pairs["used_before"] = pairs["used"].where(pairs["before"])
    pairs["used_after"] = pairs["used"].where(~pairs["before"])
    expected = pairs.groupby(["module", "team"]).agg(
        agents=("agent_id", "nunique"), adoption_before=("used_before", "mean"),
        adoption_after=("used_after", "mean"), calls_before=("before", "sum"),
        calls_after=("before", lambda b: int((~b).sum())))
    assert len(shown) > 10 and sorted(shown.index) == sorted(expected.index)
    for column in expected.columns:
        want = expected[column].astype("Float64").to_numpy(float, na_value=np.nan)
        assert np.allclose(shown.loc[expected.index, column].astype(float), want, equal_nan=True), column


def test_a_database_without_a_fit_shows_empty_states(sample_db, tmp_path):
    from calmline.dashboard.app import Settings, create_app

    db = tmp_path / "only-etl.duckdb"
    shutil.copyfile(sample_db, db)  # the bundled sample, loaded and not fitted
    create_app(Settings(db=db))
    from calmline.dashboard.pages import impact, training  # registers its page: after the app

    forest, *_ , warnings = impact.update("/impact")[:5]
    assert "calmline fit" in str(warnings)
    assert training.update("all")[3] == []


def test_new_data_is_served_without_a_restart(app_db, tmp_path):
    from calmline.dashboard import data

    before = data.frame("freshness", db=app_db)["calls"].iloc[0]
    source = tmp_path / "more"
    shutil.copytree(ROOT / "sample_data", source)
    extra = source / "calls" / "calls_2025-12.csv"
    lines = extra.read_text().splitlines()
    lines.append(lines[1].replace(lines[1].split(",")[0], "CALL-999999999", 1))
    extra.write_text("\n".join(lines) + "\n")
    assert run_cli("etl", "--source", str(source), "--db", str(app_db)).returncode == 0
    assert data.frame("freshness", db=app_db)["calls"].iloc[0] == before + 1


def test_a_failing_callback_is_logged_and_reported_in_the_page(caplog, monkeypatch):
    from calmline.dashboard import app

    shown = {}
    monkeypatch.setattr(app.dash, "set_props", lambda component, props: shown.update({component: props}))
    with caplog.at_level("ERROR", logger="calmline.dashboard"):
        app.report_error(RuntimeError("boom"))
    assert "boom" in caplog.text
    assert "has been logged" in str(shown[app.ERROR]["children"])


def test_filters_follow_the_url_and_the_url_follows_the_filters():
    from dash import no_update

    from calmline.dashboard import filters

    ids = [filters.control_id(n) for n in filters.FIELDS]
    search, values, chosen = filters.follow("url", "?teams=leeds-1&anger=5", [None] * len(ids), ids)
    assert search is no_update and chosen == {"teams": ["leeds-1"], "anger": ["5"]}
    assert values[list(filters.FIELDS).index("teams")] == ["leeds-1"]
    picked = [None] * len(ids)
    picked[list(filters.FIELDS).index("channels")] = ["chat"]
    search, values, chosen = filters.follow({"type": "filter", "name": "channels"}, "", picked, ids)
    assert search == "?channels=chat" and chosen == {"channels": ["chat"]}
    assert values == [no_update] * len(ids)


def test_changing_a_filter_keeps_the_pages_own_choices_in_the_url():
    """A model page's horizon (?horizon=30) is not a global filter; a filter change keeps it."""
    from calmline.dashboard import filters

    ids = [filters.control_id(n) for n in filters.FIELDS]
    picked = [None] * len(ids)
    picked[list(filters.FIELDS).index("teams")] = ["leeds-2"]
    search, _, _ = filters.follow({"type": "filter", "name": "teams"}, "?teams=leeds-1&horizon=30", picked, ids)
    assert search == "?teams=leeds-2&horizon=30"
    search, _, _ = filters.follow({"type": "filter", "name": "teams"}, "?teams=leeds-1&horizon=30",
                                  [None] * len(ids), ids)
    assert search == "?horizon=30"


def test_the_overview_report_is_one_self_contained_file_with_its_filters(app_db):
    from calmline.dashboard import data
    from calmline.dashboard.app import Settings, create_app
    from calmline.dashboard.pages import overview

    create_app(Settings(db=app_db))
    out = overview.download_report(1, {"teams": ["leeds-1"], "anger": ["5"]})
    page = out["content"]
    assert out["filename"].endswith(".html")
    assert "Team: leeds-1; Anger level: 5" in page
    assert "<script src=" not in page and "plotly" in page.lower()  # plotly.js inlined, nothing fetched
    head = data.frame("headline", db=app_db, **__import__("calmline.dashboard.filters").dashboard.filters.params(
        {"teams": ["leeds-1"], "anger": ["5"]}))
    assert f"{int(head['upset_calls'].iloc[0]):,}" in page
