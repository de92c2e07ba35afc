"""Practice impact's panel "The playbooks disagree: what your data says": its plain words on hand-made
rows, its forest plot, and, over the sample fitted for 90 and 30 days, the stored rows (or the
reason there are none) and the panel saying exactly what the saved query returns for each horizon."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from calmline import vocabulary
from calmline.analysis import disputes
from calmline.dashboard import disputes_panel
from calmline.dashboard.formats import count
from tests.conftest import query


def _texts(component) -> list[str]:
    """Every string in a Dash component tree (repr would escape quotes)."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


def _point(estimate, low, high, **extra) -> dict:
    d = vocabulary.dispute("apology_early")
    return dict(dispute=d.name, position=1, label=d.label, claim=d.claim, playbooks=d.playbooks,
                counter=d.counter, treated_label=d.treated_label, control_label=d.control_label,
                method="aipw", headline=True, n_calls=812, n_treated=301, n_control=511, n_agents=48,
                n_analysed=812, estimate_pp=estimate, ci_low_pp=low, ci_high_pp=high, p_value=0.02,
                t_df=None, note=None) | extra


def test_an_interval_clear_of_zero_is_read_with_unit_n_and_interval():
    text = disputes_panel.reading(_point(-2.14, -3.81, -0.42), 90)
    assert text.startswith("Apologised in the first quarter of the call (301 calls) went with 2.1 points less "
                           "churn within 90 days than apologised later (511 calls)")
    assert "among 812 upset calls compared from 48 agents" in text
    assert "95% CI 0.4 to 3.8 points less" in text
    assert "excludes no difference" in text and "do not settle" not in text


def test_an_interval_across_zero_says_the_data_do_not_settle_the_point():
    text = disputes_panel.reading(_point(0.7, -1.23, 2.6), 30)
    assert "0.7 points more churn within 30 days" in text
    assert "95% CI 1.2 points less to 2.6 points more" in text
    assert "your data do not settle this point" in text


def test_a_point_without_an_estimate_says_why_and_how_many_calls():
    text = disputes_panel.reading(_point(None, None, None, n_calls=120, n_treated=40, n_control=80,
                                         note="only 120 calls compared: too few to estimate (fewer than 300)"), 90)
    assert text.startswith("Not estimated (120 upset calls compared from 48 agents")
    assert "too few to estimate" in text and "points" not in text


def test_the_panel_shows_claim_playbook_and_counter_and_only_the_headline_row():
    rows = pd.DataFrame([_point(-2.14, -3.81, -0.42),
                         _point(-9.9, -12.0, -7.8, method="logit", headline=False)])
    panel = disputes_panel.panel(rows, 90, "impact-disputes")
    texts = _texts(panel)
    d = vocabulary.dispute("apology_early")
    assert d.claim in texts and d.counter in texts and any(d.playbooks in t for t in texts)
    assert disputes_panel.reading(rows.iloc[0], 90) in texts and not any("9.9" in t for t in texts)
    assert "impact-disputes-apology_early" in str(panel)


def test_without_rows_the_panel_says_transcripts_are_needed_and_how_to_load_them():
    for empty in (pd.DataFrame(), None):
        text = " ".join(_texts(disputes_panel.panel(empty, 90)))
        assert disputes_panel.TITLE in text
        assert "need transcripts" in text and "calmline etl" in text and "calmline fit" in text


def test_the_forest_plot_draws_each_point_in_points_and_marks_the_missing_one():
    from calmline.dashboard.figures.disputes import NOT_ESTIMABLE, disputes_plot

    rows = pd.DataFrame([_point(-2.14, -3.81, -0.42), _point(-1.9, -3.5, -0.3, method="logit", headline=False),
                         _point(None, None, None, dispute="policy_language", label="Policy language", position=4,
                                note="no variation")])
    fig = disputes_plot(rows, horizon_days=90)
    aipw = next(t for t in fig.data if t.name == "AIPW")
    assert list(aipw.x) == [-2.14] and list(aipw.error_x.array) == pytest.approx([-0.42 + 2.14])
    assert list(fig.layout.yaxis.ticktext) == ["Early vs late apology", "Policy language"]
    missing = next(t for t in fig.data if t.name == NOT_ESTIMABLE)
    assert list(missing.x) == [0.0] and "no variation" in missing.hovertext[0]
    assert "churn within 90 days" in fig.layout.title.text
    assert fig.layout.xaxis.ticksuffix == " pp"


def test_the_forest_plot_fits_its_half_of_the_page():
    """The plot sits in half the page's width (about 420 px at 1400): its axis title comes in lines
    short enough to be read whole (one 82-character line was cut off mid-word), and the top margin
    leaves the title clear of the legend's rows (style.legend_rows: two entries a row)."""
    from calmline.dashboard.figures import style
    from calmline.dashboard.figures.disputes import disputes_plot

    for days in vocabulary.HORIZONS:
        fig = disputes_plot(pd.DataFrame([_point(-2.14, -3.81, -0.42)]), horizon_days=days)
        lines = fig.layout.xaxis.title.text.split("<br>")
        assert len(lines) == 3 and max(map(len, lines)) <= 48, lines
        assert f"churn within {days} days" in lines[0] and "percentage points" in lines[1]
        assert fig.layout.margin.t >= style.TITLE_ROOM + style.LEGEND_ROW * style.legend_rows(fig)


@pytest.fixture
def disputes_app(multi_horizon_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=multi_horizon_db))


def test_each_run_stores_every_point_or_says_why_it_has_none(multi_horizon_db):
    stored = [c for (c,) in query(multi_horizon_db, "SELECT column_name FROM information_schema.columns "
                                                    "WHERE table_name = 'dispute_effects' ORDER BY ordinal_position")]
    assert stored == ["run_id", "horizon"] + disputes.COLUMNS
    transcripts = query(multi_horizon_db, "SELECT count(*) FROM transcript_calls")[0][0]
    points = pd.DataFrame(query(multi_horizon_db, "SELECT * FROM dispute_effects"), columns=stored)
    for run_id, horizon, warnings in query(multi_horizon_db, "SELECT run_id, horizon_days, warnings FROM model_runs"):
        rows = points[points["run_id"] == run_id]
        if not transcripts:
            assert rows.empty
            assert any("no transcripts loaded" in w for w in warnings)
            continue
        assert (rows["horizon"] == horizon).all()
        assert sorted(rows["dispute"].unique()) == sorted(d.name for d in vocabulary.DISPUTES)
        assert len(rows) == len(vocabulary.DISPUTES) * len(disputes.METHODS)
        assert (rows.groupby("dispute")["headline"].sum() == 1).all()
        assert (rows["n_treated"] + rows["n_control"] == rows["n_calls"]).all()
        known = rows[rows["estimate_pp"].notna()]
        assert ((known["ci_low_pp"] <= known["estimate_pp"]) & (known["estimate_pp"] <= known["ci_high_pp"])).all()
        assert rows.loc[rows["estimate_pp"].isna(), "note"].notna().all()


def test_the_panel_says_what_the_saved_query_returns_for_the_chosen_horizon(disputes_app, multi_horizon_db):
    from calmline.dashboard.pages import impact
    from calmline.explorer.saved_queries import library

    saved = library()["disputed_points"]
    for horizon in (30, 90):
        with duckdb.connect(str(multi_horizon_db), read_only=True) as con:
            rows = con.execute(saved.sql, saved.bind({"horizon": str(horizon)})).df()
        children, figure = impact.update_disputes(horizon)
        shown = _texts(children)
        assert disputes_panel.TITLE in shown
        if rows.empty:
            assert any("need transcripts" in t for t in shown)
            continue
        assert (rows["horizon"] == horizon).all()
        assert list(rows["dispute"]) == [d.name for d in vocabulary.DISPUTES]
        for _, row in rows.iterrows():
            words = disputes_panel.reading(row, horizon)
            assert words in shown
            assert f"{count(row['n_calls'])} upset calls compared from {count(row['n_agents'])} agents" in words
            if pd.notna(row["estimate_pp"]):
                assert disputes_panel.interval_words(row["ci_low_pp"], row["ci_high_pp"]) in words
                assert ("do not settle" in words) == bool(row["interval_includes_zero"])
        plotted = [(x, hover) for t in figure.data if t.name in ("AIPW", "Logit") for x, hover in zip(t.x, t.hovertext)]
        for _, row in rows[rows["estimate_pp"].notna()].iterrows():
            assert any(x == pytest.approx(row["estimate_pp"]) and row["label"] in hover for x, hover in plotted)
