"""The horizon selector on the Practice impact and Training priorities pages, the settings the app
keeps, and the navigation built from Dash's page registry.

Callbacks are called directly over the sample data fitted for 90 days and then for 30
(``multi_horizon_db``); one browser test switches the horizon in a real Chromium.
"""

from __future__ import annotations

import pytest
from dash import no_update
from selenium.webdriver.support.wait import WebDriverWait

from calmline.dashboard import horizons
from tests.conftest import query


@pytest.fixture
def horizons_app(multi_horizon_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=multi_horizon_db))


def _runs(db) -> dict[int, int]:
    """Newest run id of each fitted horizon, straight from the database."""
    return dict(query(db, "SELECT horizon_days, max(run_id) FROM model_runs GROUP BY ALL"))


def _aipw(figure) -> dict[str, float]:
    """The forest plot's AIPW points: tick label -> x (percentage points)."""
    trace = next(t for t in figure.data if t.name == "AIPW (total)")
    labels = dict(zip(figure.layout.yaxis.tickvals, figure.layout.yaxis.ticktext))
    return {labels[round(y)]: x for y, x in zip(trace.y, trace.x)}


def test_the_selector_offers_the_fitted_horizons_and_defaults_to_the_headline(horizons_app, multi_horizon_db):
    from calmline.dashboard.pages import impact

    assert sorted(_runs(multi_horizon_db)) == [30, 90]
    search, options, value = horizons.follow_horizon(None, "", None, impact.HORIZON)
    assert search is no_update
    assert options == [{"label": "Churn within 30 days", "value": 30},
                       {"label": "Churn within 90 days", "value": 90}]
    assert value == 90, "the headline horizon, although the 30-day run is newer"
    assert horizons.follow_horizon(None, "?teams=leeds-1&horizon=30", None, impact.HORIZON)[2] == 30
    for unusable in ("?horizon=180", "?horizon=ninety", "?horizon="):  # not fitted, not a number
        assert horizons.follow_horizon(None, unusable, None, impact.HORIZON)[2] == 90


def test_choosing_a_horizon_writes_it_into_the_url_and_keeps_the_filters(horizons_app):
    from calmline.dashboard.pages import impact, training

    search, options, value = horizons.follow_horizon(impact.HORIZON, "?teams=leeds-1&anger=5", 30, impact.HORIZON)
    assert search == "?teams=leeds-1&anger=5&horizon=30" and options is no_update and value is no_update
    assert horizons.follow_horizon(impact.HORIZON, "?horizon=90&teams=a", 30, impact.HORIZON)[0] == "?teams=a&horizon=30"
    assert horizons.follow_horizon(impact.HORIZON, "?horizon=30", 30, impact.HORIZON)[0] is no_update
    assert horizons.horizon_in(horizons.follow_horizon(training.HORIZON, "", 30, training.HORIZON)[0]) == 30


def test_the_sync_callbacks_follow_what_triggered_them(horizons_app):
    """Called as Dash calls them, with the triggering input (none when the page opens) in the
    callback context."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from calmline.dashboard.pages import impact, training

    def called(page, triggered, *args):
        token = context_value.set(AttributeDict(triggered_inputs=triggered))
        try:
            return page.sync_horizon(*args)
        finally:
            context_value.reset(token)

    for page in (impact, training):
        assert called(page, [{"prop_id": f"{page.HORIZON}.value", "value": 30}], 30, "?anger=4") == (
            "?anger=4&horizon=30", no_update, no_update)
        assert called(page, [], None, "?anger=4&horizon=30") == (
            no_update, [{"label": "Churn within 30 days", "value": 30},
                        {"label": "Churn within 90 days", "value": 90}], 30)


def test_without_the_headline_fitted_the_newest_run_is_the_default(multi_horizon_db):
    from calmline.dashboard import data

    runs = data.frame("fitted_horizons", db=multi_horizon_db, headline=180)
    assert runs["horizon_days"].tolist() == [30, 90]
    assert runs.loc[runs["is_default"], "horizon_days"].tolist() == [30]  # the 30-day run came last
    assert runs.set_index("horizon_days")["run_id"].to_dict() == _runs(multi_horizon_db)


def test_the_impact_page_shows_the_chosen_horizons_run(horizons_app, multi_horizon_db):
    from calmline.dashboard import data
    from calmline.dashboard.figures import practice_label
    from calmline.dashboard.pages import impact

    runs = _runs(multi_horizon_db)
    shown = {}
    for days in (30, 90):
        forest, hazard, options, chosen, warnings, *rest = impact.update("/impact", days)
        assert f"churn within {days} days" in forest.layout.title.text
        assert f"churn within {days} days" in forest.layout.xaxis.title.text
        assert all(f"churn within {days} days" in f.layout.title.text.lower() for f in rest), \
            "every dose-response and subgroup figure names the horizon"
        effects = data.frame("run_practice_effects", db=multi_horizon_db, run_id=runs[days])
        aipw = effects[(effects["method"] == "aipw") & (effects["effect"] == "total")
                       & (effects["scale"] == "risk_difference")].dropna(subset=["estimate"])
        shown[days] = _aipw(forest)
        points = [y for t in forest.data if t.mode and "markers" in t.mode for y in t.y]
        assert points and all(abs(y - round(y)) < 0.45 for y in points), \
            "every series' dot stays inside its own practice's row"
        assert shown[days] == pytest.approx({practice_label(p): 100 * e for p, e in
                                             zip(aipw["practice"], aipw["estimate"])})
        title, run, how_to_read = impact.describe(days)
        assert title == f"Practice impact on churn within {days} days"
        assert run.startswith(f"Model run {runs[days]}: churn within {days} days, fitted ")
        calls, churned = query(multi_horizon_db, "SELECT n_calls, n_events FROM model_runs WHERE run_id = $r",
                               {"r": runs[days]})[0]
        assert run.endswith(f" on {calls:,} upset calls ({churned:,} churned within {days} days)."), \
            "counts of calls, worded as calls (not as customers)"
        words, assumption, stored = how_to_read
        assert f"leaves within {days} days" in words.children
        assert "no unrecorded trait" in assumption.children[0].children, "the key assumption, in one sentence"
        assert stored.children[1].children.startswith("Population: upset calls")  # the run's own text
        assert f"whose {days}-day window" in stored.children[1].children
        km = impact.update_km("took_ownership", days)
        assert [shape.x0 for shape in km.layout.shapes] == [days], "the horizon is marked on the curves"
    assert shown[30] != shown[90]
    assert impact.update("/impact")[0].to_json() == impact.update("/impact", 90)[0].to_json(), \
        "no choice: the headline horizon"
    assert impact.update("/impact", 180)[0].to_json() == impact.update("/impact", 90)[0].to_json(), \
        "not fitted: the default horizon"


def test_the_training_page_shows_the_chosen_horizons_priorities(horizons_app, multi_horizon_db):
    from calmline.dashboard import data
    from calmline.dashboard.pages import training

    runs = _runs(multi_horizon_db)
    bars = {}
    for days in (30, 90):
        options, bar, gaps, agents, _, modules, _ = training.update("all", days)
        assert f"churn within {days} days" in bar.layout.title.text
        assert f"churn within {days} days" in gaps.layout.title.text
        want = data.frame("run_training_priorities", db=multi_horizon_db, run_id=runs[days])
        want = want[(want["team"] == "all") & want["retained_per_month"].notna()]
        bars[days] = sorted(bar.data[0].x)
        assert bars[days] == pytest.approx(sorted(want["retained_per_month"]))
        assert len(agents) == 50 and modules
        title, run, intro = training.describe(days)
        assert title == f"Training priorities for churn within {days} days"
        assert run.startswith(f"Model run {runs[days]}: ")
        assert f"fewer lost to churn within {days} days" in intro
    assert bars[30] != bars[90]


def test_a_database_without_a_fit_offers_no_horizon(sample_db, tmp_path):
    import shutil

    from calmline.dashboard.app import Settings, create_app

    db = tmp_path / "only-etl.duckdb"
    shutil.copyfile(sample_db, db)  # the bundled sample, loaded and not fitted
    create_app(Settings(db=db))
    from calmline.dashboard.pages import impact, training  # registers its page: after the app

    assert horizons.follow_horizon(None, "?horizon=30", None, impact.HORIZON)[1:] == ([], None)
    assert "calmline fit" in str(impact.update("/impact", None)[4])
    assert "No model run yet" in training.describe(None)[1]


def test_the_app_keeps_its_settings_as_one_object(sample_db):
    from calmline.dashboard import access, explorer_threads
    from calmline.dashboard.app import Settings, create_app, settings
    from calmline.explorer.sandbox import Limits

    chosen = Settings(db=sample_db, limits=Limits(display_rows=7), title="calm")
    app = create_app(chosen)
    assert settings() == chosen and isinstance(settings(), Settings)
    assert explorer_threads.limits().display_rows == 7 and explorer_threads.refusal() is None
    assert not {k for k in app.server.config if k.startswith("CALMLINE_") and k != "CALMLINE_DB"}
    create_app(Settings(db=sample_db, explorer=False))
    assert settings().explorer is False and access.settings() is settings()
    assert explorer_threads.refusal() == "The query explorer is switched off on this server."


def test_the_navigation_comes_from_the_page_registry(sample_db):
    import dash

    from calmline.dashboard.app import Settings, create_app, navigation

    create_app(Settings(db=sample_db))
    everything = [("Overview", "/"), ("Practice impact", "/impact"), ("Training priorities", "/training"),
                  ("Query explorer", "/explorer"), ("Data health", "/health")]
    assert navigation() == everything
    registered = {(p["name"], p["path"]) for p in dash.page_registry.values()}
    # a call's page opens from its links only; Alerts shows in the navigation only with a rules file
    assert registered == set(everything) | {("Call", "/call"), ("Alerts", "/alerts")}
    create_app(Settings(db=sample_db, explorer=False))
    assert navigation() == [link for link in everything if link[1] != "/explorer"]


def _forest(dash_duo) -> dict | None:
    """The forest plot as Plotly drew it: its title and the AIPW points' x values."""
    return dash_duo.driver.execute_script("""
        const plot = document.querySelector('#impact-forest .js-plotly-plot');
        if (!plot || !plot._fullData) return null;
        const aipw = plot._fullData.find(t => t.name === 'AIPW (total)');
        return {title: (plot._fullLayout.title && plot._fullLayout.title.text) || '',
                x: aipw ? Array.from(aipw.x) : []};""")


def test_switching_the_horizon_redraws_the_forest_plot_and_keeps_it_in_the_url(dash_duo, horizons_app):
    def wait(condition, message):
        return WebDriverWait(dash_duo.driver, 20).until(lambda _driver: condition(), message)

    dash_duo.start_server(horizons_app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/impact?teams=leeds-1", timeout=20)
    before = wait(lambda: (f := _forest(dash_duo)) and "within 90 days" in f["title"] and f["x"] and f,
                  "the 90-day forest plot was not drawn")
    dash_duo.select_dcc_dropdown("#impact-horizon", value="Churn within 30 days")
    after = wait(lambda: (f := _forest(dash_duo)) and "within 30 days" in f["title"] and f,
                 "the forest plot did not switch to 30 days")
    assert after["x"] and after["x"] != before["x"]
    wait(lambda: dash_duo.driver.current_url.endswith("/impact?teams=leeds-1&horizon=30"),
         f"the horizon is not in the URL: {dash_duo.driver.current_url}")
    dash_duo.wait_for_contains_text("#impact-title", "churn within 30 days", timeout=20)
    dash_duo.driver.back()
    wait(lambda: "within 90 days" in (_forest(dash_duo) or {}).get("title", ""), "back did not restore 90 days")
    logs = dash_duo.get_logs()
    assert logs == [], "\n".join(entry["message"][:600] for entry in logs)
