"""Practice impact, estimates for the filter (#12): the logit AME and AIPW re-estimated for the upset
calls the global filters keep, on demand, cached, refused with its n when too few, and set beside
the stored centre-wide run. One fit for the module (email calls from March of the fitted sample)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary

CHOSEN = {"channels": ["email"], "start": "2025-03"}
"""The module's filter: small (a few hundred calls in the 90-day model), every agent in it (no
small-cluster correction, so one fit is quick), and a period, so both filter macros are used."""


@pytest.fixture(scope="module", autouse=True)
def app(fitted_sample_db):
    """The pages register with an app; this one serves the fitted sample."""
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=fitted_sample_db))


@pytest.fixture(scope="module")
def fits():
    """Counts the calls of practice_effects made through the filtered runner."""
    from calmline.analysis import filtered_runner

    calls = []
    original = filtered_runner.runner.practice_effects

    def counted(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(filtered_runner.runner, "practice_effects", counted)
        yield calls


@pytest.fixture(scope="module")
def estimated(app, fits):
    """The page's view after pressing the button with :data:`CHOSEN` set (the module's one fit)."""
    from calmline.dashboard import filtered_estimates
    from calmline.dashboard.pages import impact

    filtered_estimates._cache.clear()
    return impact.filtered_view(CHOSEN, None, run_now=True)


def _population(db) -> pd.DataFrame:
    """The fit's own population (upset_calls.sql, unfiltered), read independently of the page."""
    from calmline.queries import load_sql

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(load_sql("analysis/upset_calls")).df()
    finally:
        con.close()


def _in_model(upset: pd.DataFrame, practices: list[str], horizon: int = 90) -> pd.DataFrame:
    from calmline.analysis.design import complete_cases

    window = upset[upset["days_observable"] >= horizon]
    return complete_cases(window, practices, f"churned_{horizon}d")[0]


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _run_and_stored():
    from calmline.dashboard.horizons import run_of, run_rows

    run = run_of(None)
    return run, run_rows("practice_effects", run)


def test_the_filtered_estimate_is_practice_effects_on_the_filtered_calls(fitted_sample_db, estimated):
    """Reference: the filter applied in pandas to the fit's population, then the fit's own steps
    (complete cases, design, practice_effects with the follow-up at its landmark, q-values and MDE
    over every row), computed here independently of the page's SQL path; the page's numbers must
    be the same to 1e-10."""
    from calmline.analysis.design import active_at, build
    from calmline.analysis.effects import practice_effects
    from calmline.analysis.secondary import add_q_and_mde
    from calmline.dashboard import filtered_estimates, filters

    run, stored = _run_and_stored()
    practices = filtered_estimates.run_practices(stored)
    upset = _population(fitted_sample_db)
    mine = upset[(upset["channel"] == "email") & (pd.to_datetime(upset["call_month"]) >= "2025-03-01")]
    df = _in_model(mine, practices)
    after = [p.name for p in vocabulary.PRACTICES if p.after_call and p.name in practices]
    days = vocabulary.FOLLOWUP_WINDOW_DAYS
    landmark = active_at(df, days)
    expected, _, _ = practice_effects(df, practices, "churned_90d", build(df, practices), after_call=after,
                                      landmark=landmark, landmark_days=days)
    expected = add_q_and_mde(expected, df, practices, "churned_90d", after_call=after, landmark=landmark)
    found = filtered_estimates.cached(filters.params(CHOSEN), run)
    assert found is not None and found.ok
    assert found.n_calls == len(df) and found.n_events == int(df["churned_90d"].sum())
    assert found.n_agents == df["agent_id"].nunique()
    keys = ["practice", "method", "effect", "scale"]
    shown = found.effects[found.effects["method"].isin(["logit", "aipw"])
                          & (found.effects["scale"] == "risk_difference")]
    both = shown.merge(expected, on=keys, suffixes=("", "_ref"))
    assert len(both) == len(shown) >= 2 * len(practices)
    for column in ("estimate", "ci_low", "ci_high", "n_calls", "n_analysed", "q_value", "mde"):
        np.testing.assert_allclose(pd.to_numeric(both[column]).to_numpy(float),
                                   pd.to_numeric(both[f"{column}_ref"]).to_numpy(float), rtol=0, atol=1e-10,
                                   equal_nan=True, err_msg=column)
    assert both["estimate"].notna().any()


def test_the_table_sets_the_filter_beside_the_stored_centre_wide_run_with_n(estimated):
    from calmline.dashboard import filtered_estimates, formats
    from calmline.dashboard.pages import impact

    status, button, result, rows, table_style = estimated
    run, stored = _run_and_stored()
    assert table_style == {} and button == {"display": "none"}
    assert "Channel: email" in status and "From month: 2025-03" in status
    words = str(result)
    assert f"Centre-wide: model run {int(run['run_id'])}, {int(run['n_calls']):,} upset calls" in words
    stored_rd = stored[(stored["scale"] == "risk_difference") & stored["method"].isin(["logit", "aipw"])
                       & stored["effect"].isin(["total", "landmark"])]
    assert len(rows) == len(stored_rd)
    by_key = {(r.practice, impact.filtered_estimates.METHODS[r.method]): r for r in stored_rd.itertuples()}
    for row in rows:
        centre = by_key[(row["practice"], row["method"])]
        assert row["centre_estimate"] == formats.points(centre.estimate)
        assert row["centre_ci"] == formats.interval_points(centre.ci_low, centre.ci_high)
        assert row["centre_n_calls"] == int(centre.n_analysed)
        assert row["filter_n_calls"] <= int(centre.n_analysed)
    found = filtered_estimates.cached(impact.filters.params(CHOSEN), run)
    assert f"This filter: {found.n_calls:,} upset calls ({found.n_events:,} churned within 90 days, " \
           f"{found.n_agents} agents)" in words


def test_the_csv_holds_the_numbers_the_page_shows(estimated):
    """The grid shows the formats' text; the export writes the hidden points columns, which are those
    same numbers, and the n of each side."""
    from calmline.dashboard import filtered_estimates
    from calmline.dashboard.pages import impact

    rows = estimated[3]
    [grid] = [c for c in _walk(impact.filter_panel()) if getattr(c, "id", None) == impact.FILTER_GRID]
    export = grid.csvExportParams
    assert export["fileName"] == "practice-impact-for-filter.csv" and export["allColumns"] is False
    assert export["columnKeys"] == filtered_estimates.EXPORTED
    hidden = {c["field"] for c in grid.columnDefs if c.get("hide")}
    assert {"filter_estimate_pp", "centre_ci_high_pp"} <= hidden <= set(export["columnKeys"])
    assert {"filter_n_calls", "centre_n_calls"} <= set(export["columnKeys"])
    for row in rows:
        for side in ("filter", "centre"):
            value, low, high = (row[f"{side}_{c}_pp"] for c in ("estimate", "ci_low", "ci_high"))
            if value is None:
                assert row[f"{side}_estimate"] == "–"
                continue
            assert row[f"{side}_estimate"] == (f"{value:+.1f} pp" if value else "0.0 pp")
            shown = row[f"{side}_ci"].removeprefix("95% CI ").removesuffix(" points").split(" to ")
            assert [float(v) for v in shown] == [low, high]


def test_the_cache_gives_the_same_estimate_without_fitting_again(estimated, fits):
    from calmline.dashboard import filtered_estimates, filters
    from calmline.dashboard.pages import impact

    assert len(fits) == 1
    run, stored = _run_and_stored()
    params = filters.params(CHOSEN)
    first = filtered_estimates.cached(params, run)
    assert filtered_estimates.estimate(params, run, stored) is first
    again = impact.filtered_view(CHOSEN, None, run_now=False)  # the page opened again: shown at once
    assert again[3] == estimated[3] and len(fits) == 1
    other = {"channels": ["email"], "start": "2025-04"}
    assert filtered_estimates.cached(filters.params(other), run) is None
    waiting = impact.filtered_view(other, None, run_now=False)  # not estimated until asked
    assert impact.FILTER_BUTTON_TEXT in str(waiting[0]) and waiting[1] == {} and waiting[3] == []
    assert len(fits) == 1


def test_an_over_narrow_filter_is_refused_with_its_n(fitted_sample_db, fits):
    """One team's irate email calls: far fewer than the 300 a model needs. The refusal states the
    calls, churn events and agents, counted here from the fit's own population; nothing is fitted."""
    from calmline.analysis.disputes import MIN_CALLS
    from calmline.dashboard.pages import impact

    upset = _population(fitted_sample_db)
    team = min(upset["team"].dropna().unique())
    narrow = {"teams": [team], "channels": ["email"], "anger": ["5"]}
    from calmline.dashboard import filtered_estimates

    _, stored = _run_and_stored()
    practices = filtered_estimates.run_practices(stored)
    df = _in_model(upset[(upset["team"] == team) & (upset["channel"] == "email") & (upset["anger_level"] == 5)],
                   practices)
    assert 0 < len(df) < MIN_CALLS
    before = len(fits)
    _, _, result, rows, table_style = impact.filtered_view(narrow, None, run_now=True)
    text = str(result.children)
    assert text.startswith("Too few calls to estimate for this filter")
    assert f"{len(df):,} upset calls ({int(df['churned_90d'].sum()):,} churned within 90 days, " \
           f"{df['agent_id'].nunique()} agents)" in text
    assert f"at least {MIN_CALLS:,} upset calls" in text
    assert rows == [] and table_style == {"display": "none"} and len(fits) == before


def test_without_a_filter_the_page_shows_the_centre_wide_run_and_no_button(app):
    """The stored run stays the default: no filter, nothing estimated, the forest plot in place."""
    from calmline.dashboard.pages import impact

    status, button, _, rows, _ = impact.filtered_view({}, None, run_now=False)
    assert "centre-wide" in status and button == {"display": "none"} and rows == []
    page = impact.layout()
    text = str(page)
    assert impact.FILTER_PANEL in text and impact.FOREST in text and impact.FILTER_GRID in text
    order = [text.index(i) for i in (impact.FILTER_PANEL, f"'{impact.FOREST}'")]
    assert order == sorted(order), "the filter's panel sits above the centre-wide forest plot"


def test_a_process_estimates_one_filter_at_a_time_and_each_filter_once(app, monkeypatch):
    """Directors pressing the button together: different filters queue (no two fits share the two
    cores with the other pages), and the same filter asked twice at once is fitted once."""
    import threading
    import time

    from calmline.analysis import filtered_runner
    from calmline.dashboard import filtered_estimates

    active, most, calls = [0], [0], []
    lock = threading.Lock()

    def slow(con, params, horizon_days, practices, run_id=None):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            calls.append(params["teams"])
        time.sleep(0.3)
        with lock:
            active[0] -= 1
        return filtered_runner.FilteredEstimate(horizon_days, 0, 0, 0, 0, pd.DataFrame(), refusal="none")

    monkeypatch.setattr(filtered_runner, "estimate", slow)
    run, stored = _run_and_stored()
    chosen = [{"teams": [t]} for t in ("a", "b", "a")]
    params = [{**dict.fromkeys(filtered_runner.PARAMETERS), "teams": c["teams"]} for c in chosen]
    threads = [threading.Thread(target=filtered_estimates.estimate, args=(p, run, stored)) for p in params]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and sorted(map(tuple, calls)) == [("a",), ("b",)]
