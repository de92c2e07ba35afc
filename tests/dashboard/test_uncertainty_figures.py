"""Uncertainty where it matters (issue #11 item 11): the heterogeneity heatmaps colour only clear
evidence, grey the rest, share one fixed colour scale and give intervals and n on hover; the
dose-response bars carry intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from calmline.dashboard.figures import dose_plot, heterogeneity_heatmap
from calmline.dashboard.figures.dose import HET_MIN_N, HET_RANGE_PP


def het(rows) -> pd.DataFrame:
    columns = ["practice", "dimension", "level", "estimate", "ci_low", "ci_high", "p_value", "n"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows]).assign(warning=None)


# "Thanked +8.4 pp (billing)" as the issue saw it: a wide interval through zero on a true effect of 0.
ROWS = [
    ("thanked", "issue_type", "billing", 0.084, -0.02, 0.188, 0.11, 1232),
    ("empathized", "issue_type", "billing", -0.05, -0.08, -0.02, 0.001, 1232),
    ("empathized", "issue_type", "outage", -0.06, -0.10, -0.02, 0.004, 40),  # clear, but few calls
    ("thanked", "issue_type", "outage", -0.30, -0.40, -0.20, 0.0001, 969),  # beyond the scale's end
    ("empathized", "anger_level", "3", -0.01, -0.015, -0.005, 0.001, 2500),
    ("thanked", "anger_level", "3", 0.004, 0.001, 0.007, 0.01, 2500),
]


def cells(fig, practice: str, level: str):
    """(coloured value, grey marker, shown text, hover) of one cell."""
    colour, grey = fig.data
    i = list(colour.y).index(practice)
    j = [x.split("<")[0] for x in colour.x].index(level)
    return colour.z[i][j], grey.z[i][j], colour.text[i][j] or grey.text[i][j], grey.hovertext[i][j]


def test_a_cell_whose_interval_includes_zero_is_grey_not_coloured():
    fig = heterogeneity_heatmap(het(ROWS), "issue_type")
    value, grey, text, hover = cells(fig, "Thanked", "billing")
    assert value is None and grey is not None  # grey, not saturated red
    assert text == "(+8.4)"
    assert "95% CI -2.0 pp to +18.8 pp" in hover and "n = 1,232 upset calls" in hover
    assert "interval includes 0" in hover
    value, grey, text, _ = cells(fig, "Empathized", "billing")
    assert value == pytest.approx(-5.0) and grey is None and text == "-5.0"


def test_a_cell_on_few_calls_is_grey_even_when_its_interval_excludes_zero():
    fig = heterogeneity_heatmap(het(ROWS), "issue_type")
    value, grey, _, hover = cells(fig, "Empathized", "outage")
    assert value is None and grey is not None
    assert f"fewer than {HET_MIN_N} upset calls" in hover


def test_a_cell_that_does_not_survive_fdr_control_is_grey():
    rows = het(ROWS).assign(q_value=0.01, survives_fdr=True)
    rows.loc[(rows["practice"] == "empathized") & (rows["level"] == "billing"), ["q_value", "survives_fdr"]] = (
        0.2, False)
    fig = heterogeneity_heatmap(rows, "issue_type")
    value, grey, _, hover = cells(fig, "Empathized", "billing")
    assert value is None and grey is not None
    assert "false-discovery-rate" in hover and "q = 0.200" in hover and "q-value: 0.200" in hover


def test_both_heatmaps_share_one_fixed_symmetric_scale():
    """Anger effects here are within ±1 pp and issue effects up to 30 pp: an automatic scale would
    colour +0.4 pp as deeply as +8 pp. Both use ±HET_RANGE_PP."""
    by_anger = heterogeneity_heatmap(het(ROWS), "anger_level").data[0]
    by_issue = heterogeneity_heatmap(het(ROWS), "issue_type").data[0]
    for heat in (by_anger, by_issue):
        assert (heat.zmin, heat.zmax) == (-HET_RANGE_PP, HET_RANGE_PP)
        assert list(heat.colorscale) == list(by_anger.colorscale)
    value, _, text, _ = cells(heterogeneity_heatmap(het(ROWS), "issue_type"), "Thanked", "outage")
    assert value == pytest.approx(-30.0) and text == "-30.0"  # the value is told, the colour capped


def test_the_heatmap_says_its_estimates_are_not_shrunk():
    fig = heterogeneity_heatmap(het(ROWS), "issue_type")
    assert "not shrunk" in fig.layout.xaxis.title.text


def dose_rows():
    return pd.DataFrame({
        "factor": "options_offered", "level": ["0", "1", "2"], "reference": "0",
        "estimate": [0.0, -0.015, -0.034], "ci_low": [0.0, -0.04, -0.07], "ci_high": [0.0, 0.01, -0.001],
        "risk": [0.19, 0.175, 0.156], "n": [1502, 1607, 1084], "warning": None})


def test_dose_bars_carry_the_interval_of_their_difference_and_their_n():
    fig = dose_plot(dose_rows(), "options_offered")
    compared = next(t for t in fig.data if t.name == "Compared with it")
    assert compared.error_y.visible
    assert list(compared.error_y.array) == pytest.approx([2.5, 3.3])  # ci_high - estimate, in pp
    assert list(compared.error_y.arrayminus) == pytest.approx([2.5, 3.6])  # estimate - ci_low
    assert list(compared.marker.opacity) == [0.45, 1.0]  # level 1's interval includes 0: faded
    assert "1,607 calls" in compared.x[0] and "1,502 calls" in fig.layout.xaxis.categoryarray[0]
    assert "95% CI -4.0 pp to +1.0 pp" in compared.hovertext[0]
