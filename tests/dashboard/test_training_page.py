"""The trainer's view: rankings with their uncertainty, the coaching queue and its links to each
agent's upset calls, scorecards that keep the agent in view, training impact, adoption trend."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from calmline.dashboard.figures import practice_label, priorities_bar
from calmline.dashboard.figures.priorities import ranking_is_noise, ranking_note
from calmline.dashboard.figures.training import adoption_small_multiples, training_impact_plot


def _priorities(p_top3: list[float], team: str = "north") -> pd.DataFrame:
    n = len(p_top3)
    return pd.DataFrame({
        "practice": ["took_ownership", "empathized", "apologized", "thanked", "let_vent"][:n], "team": team,
        "current_adoption": 0.4, "target_adoption": 0.6, "retained_per_month": np.linspace(5, 1, n),
        "ci_low": np.linspace(5, 1, n) - 2, "ci_high": np.linspace(5, 1, n) + 2, "rank": range(1, n + 1),
        "warning": None, "p_top3": p_top3, "n_agents": 6, "n_calls": 480})


def test_a_noisy_team_ranking_is_called_noise_in_the_title_and_the_note():
    noisy = _priorities([0.55, 0.5, 0.45, 0.3, 0.2])
    assert ranking_is_noise(noisy)
    fig = priorities_bar(noisy, "north")
    assert fig.layout.title.text.endswith("(ranking uncertain)")
    assert "mostly noise" in ranking_note(noisy, "north")
    assert "team north's 6 agents" in ranking_note(noisy, "north")
    # every bar says how likely it is to be in the top three
    labels = [t for t in fig.data[1].text]
    assert labels[0].strip() == "5 · top 3: 55%"


def test_a_clear_ranking_is_not_called_noise_and_paler_bars_are_the_less_sure():
    clear = _priorities([0.99, 0.95, 0.85, 0.15, 0.06])
    assert not ranking_is_noise(clear)
    assert "All three are sure picks" in ranking_note(clear, "north")
    fig = priorities_bar(clear, "north")
    assert "uncertain" not in fig.layout.title.text
    alphas = [float(c.rsplit(",", 1)[1].rstrip(")")) for c in fig.data[0].marker.color]
    assert alphas == sorted(alphas, reverse=True) and alphas[0] > 0.9 > alphas[-1]
    partly = _priorities([0.9, 0.5, 0.45, 0.1, 0.05])
    assert "Only Took ownership is a sure pick" in ranking_note(partly, "north")


def test_old_runs_without_probabilities_show_no_note():
    old = _priorities([0.9, 0.5, 0.4]).drop(columns=["p_top3", "n_agents", "n_calls"])
    assert ranking_note(old, "north") == "" and not ranking_is_noise(old)
    assert "uncertain" not in priorities_bar(old, "north").layout.title.text


def _monthly():
    months = pd.date_range("2025-01-01", periods=6, freq="MS")
    rows = [{"month": m, "practice": p, "assessed": 10 if (p == "thanked" and i == 5) else 200,
             "used": 0, "adoption": 0.3 + 0.05 * i + (0.2 if p == "thanked" else 0)}
            for p in ("apologized", "thanked", "took_ownership") for i, m in enumerate(months)]
    return pd.DataFrame(rows)


def test_adoption_trend_is_one_panel_per_practice_without_a_legend_over_the_title():
    """#11.12: twelve lines in six colours with the legend over the title; now one panel per
    practice, the practice in colour and the others in grey, no legend at all."""
    fig = adoption_small_multiples(_monthly())
    order = [p for p in vocabulary.practice_names() if p in ("apologized", "thanked", "took_ownership")]
    titles = [a.text for a in fig.layout.annotations if a.text in ("Apologized", "Thanked", "Took ownership")]
    assert titles == [practice_label(p) for p in order]  # panels in the vocabulary's order
    assert fig.layout.showlegend is False and not any(t.showlegend for t in fig.data)
    coloured = [t for t in fig.data if t.mode == "lines+markers"]
    grey = [t for t in fig.data if t.mode == "lines"]
    assert len(coloured) == 3 and len(grey) == 3  # each panel: its practice, and the others in one grey trace
    monthly = _monthly()
    for practice, colour, context in zip(order, coloured, grey):
        assert (colour.xaxis, colour.yaxis) == (context.xaxis, context.yaxis)  # both in the practice's panel
        # the grey trace draws each of the two other practices as its own line: gaps between them
        lines = [part for part in np.split(np.asarray(context.y, float),
                                           np.flatnonzero(np.isnan(np.asarray(context.y, float)))) if
                 len(part[~np.isnan(part)])]
        others = [p for p in order if p != practice]
        assert [list(line[~np.isnan(line)]) for line in lines] == [
            pytest.approx(list(monthly.loc[monthly["practice"] == p, "adoption"] * 100)) for p in others]
        assert context.hoverinfo == "skip" and not context.connectgaps
    thanked = coloured[order.index("thanked")]
    assert list(thanked.y) == pytest.approx([50, 55, 60, 65, 70, 75])
    # the month resting on 10 assessed calls is hollow and says so in the hover
    assert thanked.marker.color[-1] == "white" and "too few to read" in thanked.hovertext[-1]
    assert thanked.marker.color[0] != "white"


def test_training_impact_plot_draws_each_module_with_its_interval_in_points():
    impact = pd.DataFrame({
        "module": ["let_vent", "apologized"], "practice": ["let_vent", "apologized"], "outcome": "adoption",
        "estimate": [0.15, 0.05], "ci_low": [0.08, -0.02], "ci_high": [0.22, 0.12], "trained_agents": [9, 3],
        "comparison_agents": [36, 40], "n_calls": [5000, 4000], "trained_before": [0.48, 0.6],
        "trained_after": [0.64, 0.66], "comparison_before": [0.59, 0.6], "comparison_after": [0.58, 0.61],
        "warning": [None, "only 3 trained agents"]})
    fig = training_impact_plot(impact)
    points = fig.data[0]
    assert list(points.x) == pytest.approx([15, 5])
    assert list(points.error_x.array) == pytest.approx([7, 7])
    assert points.marker.color[1] == "white"  # fewer than five trained agents: hollow
    assert "48.0% before → 64.0% after" in points.hovertext[0]
    assert "Let the customer vent (9 trained)" in points.y[0]


@pytest.fixture(scope="module")
def page(fitted_sample_db):
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=fitted_sample_db))
    from calmline.dashboard.pages import training

    return training


def test_scorecard_pins_agent_and_team_and_puts_needs_most_and_its_n_first(page):
    """#11.14: 'needs most' was the 15th column and the agent scrolled away."""
    _, _, _, rows, columns, _, _ = page.update("all")
    fields = [c["field"] for c in columns]
    assert fields[:4] == ["agent_id", "team", "needs most", "needs_most_n_calls"]
    assert [c["field"] for c in columns if c.get("pinned") == "left"] == ["agent_id", "team"]
    needing = [r for r in rows if r["needs most"] != "–"]
    assert len(rows) == 50 and needing
    for r in needing:
        assert r["needs_most_n_calls"] > 0 and r["upset_calls"] >= r["needs_most_n_calls"]
        assert r["ci_low"] <= r["kept_per_month"] <= r["ci_high"]


def test_coaching_queue_links_open_each_agents_upset_calls(page):
    """Every agent in the queue links to their upset calls on this page (?agent=...); opening the
    link puts the agent in the page's store and lists exactly as many calls as the link says."""
    _, rows, columns, _ = page.queue("all")
    assert rows and [r["queue_rank"] for r in rows] == sorted(r["queue_rank"] for r in rows)
    assert next(c for c in columns if c["field"] == "upset_calls_link")["cellRenderer"] == "markdown"
    for row in rows[:5]:
        count, href = re.match(r"\[([\d,]+) upset calls\]\((.+)\)", row["upset_calls_link"]).groups()
        url = urlsplit(href)
        assert url.path == "/training"
        params = dict(parse_qsl(url.query))
        store = next(c for c in page.layout(**params).children if getattr(c, "id", None) == page.AGENT)
        assert store.data == row["agent_id"]
        title, calls, _ = page.agent_calls(store.data)
        assert len(calls) == int(count.replace(",", "")) and row["agent_id"] in title
        assert row["ci_low"] <= row["kept_per_month"] <= row["ci_high"]


def test_team_level_needs_are_named(page):
    coaching = pd.DataFrame({"agent_id": ["a", "b", "c", "d"], "team": "north",
                             "needs_most": ["took_ownership"] * 3 + ["thanked"], "team_level": [True] * 3 + [False]})
    text = str(page.team_needs(coaching, "all"))
    assert "Team north: 3 of 4 agents need Took ownership most" in text and "team-level need" in text
    assert page.team_needs(coaching.assign(team_level=False), "all") == []


def test_training_impact_and_the_adoption_trend_on_the_sample(page):
    adoption_fig, churn_fig, rows, _ = page.impact()
    assert rows and {r["outcome"] for r in rows} == {"adoption", "churn_90d"}
    assert adoption_fig.layout.title.text == "Training's effect on adoption of the practice"
    assert churn_fig.layout.title.text == "Training's effect on churn within 90 days"
    assert len(adoption_fig.data[0].x) >= 8
    trend = page.trend("all")
    assert trend.layout.showlegend is False and len([t for t in trend.data if t.mode == "lines+markers"]) >= 12


def test_the_training_impact_table_shows_every_rows_practice_and_exports_its_name(page):
    """The grid labels a practice column through refData (name -> label) and exports the name: a
    column already holding labels matched none of its keys, and every cell of it showed blank."""
    _, _, rows, defs = page.impact()
    practice = next(d for d in defs if d["field"] == "practice")
    assert rows and all(r["practice"] in vocabulary.practice_names() for r in rows), "names, for the export"
    labels = {practice_label(p) for p in vocabulary.practice_names()}
    assert {practice["refData"][r["practice"]] for r in rows} <= labels
    p_value = next(d for d in defs if d["field"] == "p_value")["valueFormatter"]["function"]
    assert "< 0.001" in p_value, "a p-value below 0.001 is not shown as 0.000"
    outcome = next(d for d in defs if d["field"] == "outcome")
    assert {outcome["refData"][r["outcome"]] for r in rows} == {"Adoption of the practice", "Churn within 90 days"}


def test_the_overviews_adoption_trend_is_small_multiples(page):
    """#11.12 on the page where it was reported: the overview's adoption trend drew 12 lines in 6
    colours with the legend over the title."""
    from calmline.dashboard.pages import overview

    adoption = overview.update({})[2]
    assert adoption.layout.showlegend is False
    panels = [a.text for a in adoption.layout.annotations if a.text in {practice_label(p)
                                                                         for p in vocabulary.practice_names()}]
    coloured = [t for t in adoption.data if t.mode == "lines+markers"]
    assert len(panels) == len(coloured) >= 12
    assert len({t.line.color for t in coloured}) == 1  # one colour: the panel says which practice
