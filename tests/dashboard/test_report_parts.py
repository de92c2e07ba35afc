"""Pieces of the page reports (#14) on small hand-made frames: the headline estimate per practice
(which method and effect, formatted in points with its interval and n), a grid's cells printed as
the grid's d3 formats show them, and a page's Dash components printed as escaped HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dash import html

EFFECTS = pd.DataFrame([
    # practice, method, effect, scale, estimate, ci_low, ci_high, q_value, n_with, n_without, warning
    ("took_ownership", "aipw", "total", "risk_difference", -0.046, -0.069, -0.023, 0.001, 2699, 2633, None),
    ("took_ownership", "logit", "total", "risk_difference", -0.050, -0.070, -0.030, 0.001, 2699, 2633, None),
    ("took_ownership", "aipw", "total", "odds_ratio", 0.7, 0.6, 0.8, 0.001, 2699, 2633, None),
    ("apologized", "aipw", "total", "risk_difference", np.nan, np.nan, np.nan, np.nan, 10, 5, "too few calls"),
    ("apologized", "logit", "total", "risk_difference", 0.004, -0.021, 0.029, 0.746, 3565, 1767, None),
    ("followed_up", "aipw", "landmark", "risk_difference", -0.038, -0.069, -0.008, 0.014, 1511, 3526, None),
    ("thanked", "aipw", "total", "risk_difference", np.nan, np.nan, np.nan, np.nan, 3, 0, "no calls without it"),
    ("thanked", "naive", "total", "risk_difference", 0.01, 0.0, 0.02, 0.5, 3, 0, None),
], columns=["practice", "method", "effect", "scale", "estimate", "ci_low", "ci_high", "q_value", "n_with",
            "n_without", "warning"])


def test_the_headline_is_aipw_else_logit_of_the_total_else_the_landmark_most_protective_first():
    from calmline.dashboard.practice_headline import headline_effects

    head = headline_effects(EFFECTS)
    assert list(head["practice"]) == ["took_ownership", "followed_up", "apologized", "thanked"]
    rows = head.set_index("practice")
    assert (rows.loc["took_ownership", "method"], rows.loc["took_ownership", "estimate"]) == ("aipw", -0.046)
    assert (rows.loc["apologized", "method"], rows.loc["apologized", "estimate"]) == ("logit", 0.004)
    assert rows.loc["followed_up", "effect"] == "landmark"
    assert pd.isna(rows.loc["thanked", "estimate"]) and rows.loc["thanked", "warning"] == "no calls without it"


def test_the_headline_table_states_points_interval_and_n_as_the_page_formats_them():
    from calmline.dashboard import formats
    from calmline.dashboard.practice_headline import headline_table

    table = headline_table(EFFECTS, 90)
    assert list(table.columns) == ["Practice", "Change in churn within 90 days (points of % of upset calls)",
                                   "95% CI", "n (upset calls with / without)", "Method", "q-value"]
    first = table.iloc[0]
    assert first["Practice"] == "Took ownership"
    assert first.iloc[1] == formats.points(-0.046) == "-4.6 pp"
    assert first["95% CI"] == formats.interval_points(-0.069, -0.023) == "95% CI -6.9 to -2.3 points"
    assert first["n (upset calls with / without)"] == "2,699 / 2,633"
    assert table.iloc[1]["Practice"] == "Followed up (at the landmark)"
    assert table.iloc[3].iloc[1] == "not estimable: no calls without it"
    assert headline_table(EFFECTS.iloc[0:0], 90).empty


def test_grid_cells_print_as_the_grids_d3_formats_show_them():
    """d3-format's output for these specs (d3-format 3, as AG Grid's pages run it in the browser):
    format('.1%')(0.1951) = '19.5%', format(',')(12345) = '12,345', format('.2f')(0.4849) = '0.48',
    format('+.1f')(100 * -0.0123) + ' pp' = '−1.2 pp' (d3's minus sign), format('.3f')(0.0456) = '0.046'."""
    from calmline.dashboard import grids
    from calmline.dashboard.report_tables import cell, grid_table

    two = {"function": "params.value == null ? '–' : d3.format('.2f')(params.value)"}
    points = {"function": "params.value == null ? '–' : d3.format('+.1f')(100 * params.value) + ' pp'"}
    three = {"function": "params.value == null ? '–' : d3.format('.3f')(params.value)"}
    assert cell(0.1951, {"valueFormatter": grids.PERCENT}) == "19.5%"
    assert cell(12345, {"valueFormatter": grids.COUNT}) == "12,345"
    assert cell(0.4849, {"valueFormatter": two}) == "0.48"
    assert cell(-0.0123, {"valueFormatter": points}) == "\u22121.2 pp"
    assert cell(0.0456, {"valueFormatter": three}) == "0.046"
    assert cell(None, {"valueFormatter": two}) == "–"
    assert cell("took_ownership", {"refData": grids.PRACTICE_LABELS}) == "Took ownership"
    assert cell("[243 upset calls](/training?agent=AGT-1#x)", {"cellRenderer": "markdown"}) == "243 upset calls"
    frame = pd.DataFrame({"agent_id": ["AGT-1"], "adoption": [0.1951], "upset_calls": [1148]})
    columns = grids.columns(frame, percent=("adoption",), counts=("upset_calls",))
    columns[1]["headerName"] = "adoption of it"
    printed = grid_table(grids.records(frame), columns)
    assert printed.to_dict("records") == [{"agent id": "AGT-1", "adoption of it": "19.5%", "upset calls": "1,148"}]


def test_page_components_print_as_escaped_html():
    from calmline.dashboard.report_page import component_html, component_text

    attack = "<script>alert(1)</script>"
    tree = html.Div([html.H5("Team " + attack), html.P(["a ", html.B("b"), html.Br(), 3]),
                     html.Details([html.Summary("more"), html.Div(attack, className="small")])], id="x")
    printed = component_html(tree)
    assert "<script>" not in printed and "&lt;script&gt;alert(1)&lt;/script&gt;" in printed
    assert printed.startswith('<div id="x"><h5>Team &lt;script&gt;')
    assert "<p>a <b>b</b><br>3</p>" in printed and "<details open><summary>more</summary>" in printed
    assert component_text(tree) == f"Team {attack} a b 3 more {attack}"


def test_a_figure_copied_for_print_has_the_json_of_its_validated_copy(app):
    """report_page.for_print copies a figure without plotly's validation: the JSON is what the
    validated copy (go.Figure(fig), as before) gives, for every chart of the overview report and
    an empty figure."""
    import json

    import plotly.graph_objects as go
    from plotly.io.json import to_json_plotly

    from calmline.dashboard import report_page
    from calmline.dashboard.figures.style import empty_figure
    from calmline.dashboard.pages import overview

    def validated(fig):
        fig = go.Figure(fig)
        fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "xanchor": "left"},
                          margin={"t": 90, "b": 110})
        return fig

    figures = [empty_figure("nothing here", "A title")]
    for chosen in ({}, {"start": "2025-03", "end": "2025-06"}, {"teams": ["leeds-1"], "anger": ["5"]}):
        shown, director = overview.update(chosen), overview.update_director(chosen)
        figures += [shown[1], shown[2], shown[5], director[3]]
    for fig in figures:
        assert json.loads(to_json_plotly(report_page.for_print(fig))) == json.loads(to_json_plotly(validated(fig)))
