"""The dashboard's figures, as a reader would see them: units, order, labels, empty states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import plotly.graph_objects as go

from calmline.dashboard.figures import (PALETTE, adoption_gap_heatmap, dose_plot, empty_figure, forest_plot,
                               format_count, format_percent, format_pp, funnel_bars, hazard_plot,
                               heterogeneity_heatmap, km_plot, practice_label, priorities_bar,
                               trend_plot)

NAN = float("nan")


def effect_rows(rows):
    """practice_effects rows from (practice, method, effect, estimate[, warning]) tuples."""
    out = []
    for practice, method, effect, estimate, *warning in rows:
        scale = "hazard_ratio" if method == "cox" else "risk_difference"
        width = 0.1 if method == "cox" else 0.01
        out.append(dict(practice=practice, method=method, effect=effect, scale=scale,
                        estimate=estimate, ci_low=estimate - width, ci_high=estimate + width,
                        q_value=0.04, warning=warning[0] if warning else None))
    return pd.DataFrame(out)


def trace(fig, name_part):
    [found] = [t for t in fig.data if t.name and name_part.lower() in t.name.lower()]
    return found


def ticks(fig):
    return list(fig.layout.yaxis.ticktext)


def annotation(fig):
    return fig.layout.annotations[0].text if fig.layout.annotations else None


def km_rows():
    return pd.DataFrame({
        "practice": "took_ownership", "group": ["with", "with", "without", "without"],
        "day": [0, 30, 0, 30], "survival": [1.0, 0.9, 1.0, 0.8], "ci_low": [1.0, 0.85, 1.0, 0.75],
        "ci_high": [1.0, 0.95, 1.0, 0.85], "at_risk": [1200, 1100, 900, 700]})


def het_rows():
    return pd.DataFrame({
        "practice": ["empathized", "empathized", "thanked", "thanked"], "dimension": "anger_level",
        "level": ["3", "4", "3", "4"], "estimate": [-0.04, -0.02, 0.01, None],
        "ci_low": [-0.06, -0.04, -0.01, None], "ci_high": [-0.02, 0.0, 0.03, None],
        "p_value": [0.01, 0.2, 0.5, None], "n": [500, 400, 300, 12],
        "warning": [None, None, None, "too few calls to fit"]})


def priority_rows():
    # As calmline.analysis.priorities returns them: object dtype, None where a figure is missing.
    return pd.DataFrame({
        "practice": ["thanked", "took_ownership", "empathized", "summarized", "took_ownership"],
        "team": ["all", "all", "all", "all", "leeds-1"],
        "current_adoption": [0.5, 0.4, 0.6, 0.7, 0.3], "target_adoption": [0.6, 0.7, 0.8, 0.7, 0.7],
        "retained_per_month": [2.0, 30.5, 12.0, None, 8.0], "ci_low": [0.5, 20.0, 4.0, None, 2.0],
        "ci_high": [3.5, 41.0, 20.0, None, 14.0], "rank": [3, 1, 2, None, 1],
        "warning": [None, None, None, "effect missing", None]}, dtype=object)


def dose_rows():
    return pd.DataFrame({
        "factor": "options_offered", "level": ["0", "1", "2", "3+"], "reference": "0",
        "estimate": [0.0, -0.015, -0.034, -0.039], "ci_low": [0.0, -0.04, -0.07, -0.07],
        "ci_high": [0.0, 0.01, -0.001, -0.005], "risk": [0.19, 0.175, 0.156, 0.151],
        "n": [1502, 1607, 1084, 987], "warning": [None, None, None, "fewer than 100 calls"]})


def monthly_rows():
    return pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
                         "churn_upset": [0.2, 0.25, 0.22], "upset_calls": [1200, 1500, 1300]})


def batch_rows():
    return pd.DataFrame({"file": ["calls.csv", "agents.csv"], "rows_loaded": [24000, 60],
                         "rows_rejected": [120, 0]})


def test_practice_label_humanises_names():
    assert practice_label("took_ownership") == "Took ownership"
    assert practice_label("verified_understanding") == "Verified understanding"
    assert practice_label("Took ownership") == "Took ownership"
    assert practice_label(None) == ""


def test_number_formats():
    assert format_pp(-0.023) == "-2.3 pp"
    assert format_pp(0.004) == "+0.4 pp"
    assert format_pp(-0.0001) == "0.0 pp"
    assert format_percent(0.452) == "45.2%"
    assert format_count(12345) == "12,345"
    assert format_pp(None) == format_percent(NAN) == format_count(None) == "–"


def test_forest_plot_shows_risk_differences_in_percentage_points():
    fig = forest_plot(effect_rows([("took_ownership", "aipw", "total", -0.023)]))
    aipw = trace(fig, "AIPW")
    assert aipw.x[0] == pytest.approx(-2.3)
    assert aipw.error_x.arrayminus[0] == pytest.approx(1.0)  # CI half-width 0.01 -> 1 pp
    assert "percentage points" in fig.layout.xaxis.title.text
    assert "fewer customers lost" in fig.layout.xaxis.title.text
    assert "-2.3 pp" in aipw.hovertext[0] and "q-value" in aipw.hovertext[0]


def test_forest_plot_sorts_practices_by_aipw_then_logit():
    fig = forest_plot(effect_rows([
        ("thanked", "aipw", "total", 0.02), ("thanked", "logit", "total", -0.09),
        ("empathized", "aipw", "total", -0.05), ("empathized", "logit", "total", 0.0),
        ("summarized", "aipw", "total", NAN, "no overlap"),
        ("summarized", "logit", "total", -0.03),
    ]))
    assert ticks(fig) == ["Empathized", "Summarized", "Thanked"]
    assert fig.layout.yaxis.autorange == "reversed"  # first is on top


def test_forest_plot_direct_effect_is_its_own_labelled_trace():
    fig = forest_plot(effect_rows([("took_ownership", "logit", "total", -0.04),
                                   ("took_ownership", "logit", "direct", -0.01)]))
    direct = trace(fig, "direct")
    assert "not via resolution" in direct.name
    assert list(direct.x) == pytest.approx([-1.0])
    assert direct.marker.symbol != trace(fig, "Logit (total)").marker.symbol


def test_forest_plot_marks_practices_that_could_not_be_estimated():
    fig = forest_plot(effect_rows([
        ("empathized", "aipw", "total", -0.05), ("empathized", "logit", "total", -0.04),
        ("thanked", "aipw", "total", NAN, "no calls without the practice"),
        ("thanked", "logit", "total", NAN, "no calls without the practice"),
    ]))
    assert "Thanked" in ticks(fig)
    marker = trace(fig, "not estimable")
    assert list(marker.x) == [0]
    assert list(marker.text) == ["not estimable"]
    assert "no calls without the practice" in marker.hovertext[0]


def test_forest_plot_keeps_naive_in_the_legend_only_until_asked():
    rows = effect_rows([("thanked", "aipw", "total", -0.01), ("thanked", "naive", "total", -0.05)])
    assert trace(forest_plot(rows), "naive").visible == "legendonly"
    assert trace(forest_plot(rows, show_naive=True), "naive").visible is True


def test_forest_plot_ignores_other_scales_and_horizons():
    rows = effect_rows([("thanked", "aipw", "total", -0.01), ("thanked", "cox", "total", 0.8)])
    rows["outcome"] = ["churn_90d", "time_to_churn"]
    other = rows.iloc[[0]].assign(outcome="churn_30d", estimate=-0.5)
    fig = forest_plot(pd.concat([rows, other]))
    assert list(trace(fig, "AIPW").x) == pytest.approx([-1.0])


def test_hazard_plot_uses_a_log_axis_with_a_line_at_one():
    fig = hazard_plot(effect_rows([("empathized", "cox", "total", 0.8), ("thanked", "cox", "total", 1.1),
                                   ("thanked", "aipw", "total", -0.02)]))
    assert fig.layout.xaxis.type == "log"
    assert ticks(fig) == ["Empathized", "Thanked"]
    assert list(trace(fig, "hazard ratio").x) == pytest.approx([0.8, 1.1])
    assert any(set(t.x) == {1.0} and t.mode == "lines" for t in fig.data)


def test_km_plot_shows_survival_as_percent_still_customers():
    fig = km_plot(km_rows(), "took_ownership")
    [with_] = [t for t in fig.data if t.name == "With took ownership"]
    assert list(with_.y) == pytest.approx([100, 90])
    assert with_.line.shape == "hv"
    assert fig.layout.yaxis.ticksuffix == "%"
    assert "still customers" in fig.layout.yaxis.title.text.lower()
    assert "days after the upset call" in fig.layout.xaxis.title.text.lower()
    # the curves follow upset calls (a customer with three counts three times): at_risk counts calls
    assert "1,100 upset calls at risk" in with_.hovertext[1] and "customers at risk" not in with_.hovertext[1]
    assert any(t.fill == "tonexty" for t in fig.data)  # the CI band


def test_km_plot_for_a_practice_without_curves_says_so():
    fig = km_plot(km_rows(), "thanked")
    assert "Thanked" in annotation(fig)


def test_dose_plot_keeps_row_order_and_marks_the_reference():
    rows = dose_rows().iloc[[0, 3, 1, 2]]
    fig = dose_plot(rows, "options_offered")
    order = list(fig.layout.xaxis.categoryarray)
    assert [o.replace("<b>", "").split("<")[0] for o in order] == ["0", "3+", "1", "2"]
    assert "(reference)" in order[0] and "(reference)" not in "".join(order[1:])
    compared = trace(fig, "Compared")
    assert list(compared.y) == pytest.approx([15.1, 17.5, 15.6])
    assert "-3.4 pp" in compared.hovertext[2]  # difference from the reference, in the hover


def test_heterogeneity_heatmap_is_centred_at_zero_in_percentage_points():
    fig = heterogeneity_heatmap(het_rows(), "anger_level")
    heat = fig.data[0]
    assert heat.zmid == 0
    assert heat.z[0][0] == pytest.approx(-4.0)  # empathized, anger 3: most protective first
    assert heat.z[1][1] is None  # thanked at anger 4 was not estimable: a blank cell
    assert "too few calls to fit" in heat.hovertext[1][1]
    colours = [c for _, c in heat.colorscale]
    assert colours[0].lower() != colours[-1].lower()  # diverging


def test_priorities_bar_sorted_by_rank_with_missing_last():
    fig = priorities_bar(priority_rows().iloc[::-1])
    bars = trace(fig, "Customers kept")
    assert list(bars.y) == ["Took ownership", "Empathized", "Thanked"]
    assert list(bars.x) == pytest.approx([30.5, 12.0, 2.0])
    assert "40.0% now → 70.0% target" in bars.hovertext[0]
    assert list(fig.layout.yaxis.categoryarray)[-1] == "Summarized"
    assert trace(fig, "not estimable").y == ("Summarized",)


def test_priorities_bar_for_one_team():
    fig = priorities_bar(priority_rows(), "leeds-1")
    assert list(trace(fig, "Customers kept").x) == pytest.approx([8.0])
    assert "leeds-1" in fig.layout.title.text


def test_adoption_gap_heatmap_in_percentage_points():
    fig = adoption_gap_heatmap(priority_rows())
    heat = fig.data[0]
    assert list(heat.x) == ["leeds-1", "All teams"]
    assert list(heat.y)[0] == "Took ownership"  # the centre's rank 1 first
    assert heat.z[0][0] == pytest.approx(40.0)  # leeds-1: 30% -> 70%
    assert heat.z[0][1] == pytest.approx(30.0)


def test_trend_plot_percent_and_counts():
    share = trend_plot(monthly_rows(), ["churn_upset"], "Churn within 90 days")
    assert list(share.data[0].y) == pytest.approx([20, 25, 22])
    assert share.layout.yaxis.ticksuffix == "%"
    counts = trend_plot(monthly_rows(), "upset_calls", "Upset calls", percent=False)
    assert list(counts.data[0].y) == pytest.approx([1200, 1500, 1300])
    assert counts.layout.yaxis.tickformat == ","


def test_funnel_bars_stack_loaded_and_rejected():
    fig = funnel_bars(batch_rows())
    assert fig.layout.barmode == "stack"
    assert list(trace(fig, "Loaded").x) == [24000, 60]
    assert list(trace(fig, "Rejected").x) == [120, 0]
    assert "24,000" in trace(fig, "Loaded").text


def all_figures():
    effects = effect_rows([("empathized", "aipw", "total", -0.03), ("empathized", "logit", "total", -0.02),
                           ("empathized", "logit", "direct", -0.01), ("empathized", "naive", "total", -0.05),
                           ("thanked", "aipw", "total", NAN, "x"), ("empathized", "cox", "total", 0.8)])
    return [forest_plot(effects), hazard_plot(effects), km_plot(km_rows(), "took_ownership"),
            dose_plot(dose_rows(), "options_offered"), heterogeneity_heatmap(het_rows(), "anger_level"),
            priorities_bar(priority_rows()), adoption_gap_heatmap(priority_rows()),
            trend_plot(monthly_rows(), ["churn_upset"], "Churn"), funnel_bars(batch_rows()),
            empty_figure("nothing")]


def _hex(colour: str) -> str:
    if colour.startswith("rgba("):
        r, g, b, _ = colour[5:-1].split(",")
        return "#{:02X}{:02X}{:02X}".format(int(r), int(g), int(b))
    return colour.upper()


def test_traces_take_colours_only_from_the_palette():
    seen = set()
    for fig in all_figures():
        for t in fig.data:
            for part in ("marker", "line", "error_x"):
                obj = getattr(t, part, None)
                colour = getattr(obj, "color", None) if obj is not None else None
                if isinstance(colour, str):
                    seen.add(_hex(colour))
            if getattr(t, "fillcolor", None):
                seen.add(_hex(t.fillcolor))
    assert seen and seen <= set(PALETTE)


def _effective(layout, *path):
    """What the browser uses: the figure's own setting, else its template's."""
    own, default = layout, layout.template.layout
    for key in path:
        own, default = own[key], default[key]
    return default if own is None else own


def test_every_figure_shares_the_readable_layout():
    from calmline.dashboard.figures.style import TEMPLATE

    for fig in all_figures():
        layout = fig.layout
        assert layout.template == TEMPLATE
        assert _effective(layout, "font", "size") >= 14
        assert _effective(layout, "legend", "orientation") == "h"
        assert layout.uirevision
        assert _effective(layout, "margin", "l") <= 20 and _effective(layout, "margin", "r") <= 20
        assert _effective(layout, "colorway") == tuple(PALETTE)


EMPTY_CALLS = [
    lambda d: forest_plot(d), lambda d: hazard_plot(d), lambda d: km_plot(d, "thanked"),
    lambda d: dose_plot(d, "options_offered"), lambda d: heterogeneity_heatmap(d, "anger_level"),
    lambda d: priorities_bar(d), lambda d: adoption_gap_heatmap(d),
    lambda d: trend_plot(d, ["churn_upset"], "Churn"), lambda d: funnel_bars(d),
]


@pytest.mark.parametrize("data", [None, pd.DataFrame(), pd.DataFrame({"unrelated": [1]})],
                         ids=["none", "empty", "wrong columns"])
@pytest.mark.parametrize("draw", EMPTY_CALLS, ids=[
    "forest", "hazard", "km", "dose", "heterogeneity", "priorities", "gap", "trend", "funnel"])
def test_nothing_to_show_gives_a_centred_message_not_an_error(draw, data):
    fig = draw(data)
    assert not fig.data
    [note] = fig.layout.annotations
    assert note.text and (note.x, note.y) == (0.5, 0.5)


@pytest.mark.parametrize("draw, data", [
    (forest_plot, effect_rows([("thanked", "aipw", "total", NAN, "singular model")])),
    (hazard_plot, effect_rows([("thanked", "cox", "total", NAN)])),
    (lambda d: km_plot(d, "took_ownership"), km_rows().assign(survival=None)),
    (lambda d: dose_plot(d, "options_offered"), dose_rows().assign(risk=None)),
    (lambda d: heterogeneity_heatmap(d, "anger_level"), het_rows().assign(estimate=None)),
    (priorities_bar, priority_rows().assign(retained_per_month=None)),
    (adoption_gap_heatmap, priority_rows().assign(current_adoption=None)),
    (lambda d: trend_plot(d, ["churn_upset"], "Churn"), monthly_rows().assign(churn_upset=np.nan)),
    (funnel_bars, batch_rows().assign(rows_loaded=None, rows_rejected=None)),
], ids=["forest", "hazard", "km", "dose", "heterogeneity", "priorities", "gap", "trend", "funnel"])
def test_all_missing_values_give_a_message(draw, data):
    fig = draw(data)
    assert not fig.data
    assert annotation(fig)


def test_forest_plot_all_missing_names_the_reason():
    fig = forest_plot(effect_rows([("thanked", "aipw", "total", NAN, "singular model")]))
    assert "singular model" in annotation(fig)


def test_empty_run_points_to_calmline_fit():
    assert "calmline fit" in annotation(forest_plot(pd.DataFrame()))


def test_the_title_stays_clear_of_a_legend_of_several_rows():
    """A figure's title is pinned to its top edge and the top margin holds it and the legend's rows
    (two entries a row, as in a half-width column, or one where entries are long: the churn trend's
    four long entries took four rows and covered its title): the forest plot's seven entries used to
    cover its title. A figure that sets its own legend place or margin keeps it. The title starts at the
    figure's left edge, not the plot area's (which long practice labels push right: a long title then
    ran off a half-width figure's right edge)."""
    from calmline.dashboard.figures import style

    long = "Upset calls, provisional (windows still open)"  # as wide as two entries fit: one a row
    for entries, rows, name in ((1, 1, "series"), (2, 1, "series"), (4, 2, "series"), (7, 4, "series"),
                                (4, 4, long), (3, 3, long)):
        fig = go.Figure([go.Scatter(x=[0], y=[0], name=f"{name} {i}") for i in range(entries)])
        style.finish(fig, title="A title", uirevision="t")
        assert fig.layout.margin.t == style.TITLE_ROOM + style.LEGEND_ROW * rows
        assert (fig.layout.title.yref, fig.layout.title.y, fig.layout.title.yanchor) == ("container", 1, "top")
        assert (fig.layout.title.xref, fig.layout.title.x, fig.layout.title.xanchor) == ("container", 0, "left")
    forest = forest_plot(effect_rows([("apologized", "aipw", "total", -0.02),
                                      ("apologized", "logit", "total", -0.01),
                                      ("apologized", "logit", "direct", -0.01),
                                      ("apologized", "naive", "total", 0.03)]))
    assert forest.layout.margin.t >= style.TITLE_ROOM + style.LEGEND_ROW * style.legend_rows(forest)
    below = go.Figure([go.Scatter(x=[0], y=[0], name="a"), go.Scatter(x=[1], y=[1], name="b")])
    below.update_layout(legend=dict(y=-0.15, yanchor="top"))
    assert style.finish(below, title="t", uirevision="t").layout.margin.t is None
