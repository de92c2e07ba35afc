"""The overview's HTML report writes its four charts from plain dicts (``style.plain_figures``, #12,
pages2: no plotly objects for a report's charts): each chart in the report must be what the page's
figure writes. Compared as the report writes them (``report_page.print_dict`` as JSON, parsed, so
key order aside) for several filter sets on the fitted sample and for hand-made frames that reach
the figures' other branches (few calls, provisional months, no intervals, no data)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from tests.dashboard.chart_cases import MONTHS, monthly_rates, team_rows

FILTERS = [{}, {"start": "2025-03", "end": "2025-06"}, {"channels": ["email"]}, {"anger": [5]},
           {"teams": ["no such team"]}]


def _printed(figures) -> list:
    from calmline.dashboard import report_page

    return [json.loads(to_json_plotly(report_page.print_dict(f))) for f in figures]


@pytest.mark.parametrize("chosen", FILTERS, ids=["all", "spring", "email", "anger-5", "no-match"])
def test_the_reports_plain_charts_are_the_pages_figures(app, chosen):
    from calmline.dashboard import filters, overview_figures, overview_numbers
    from calmline.dashboard.figures.style import PlainFigure

    with app.server.test_request_context("/"):
        params = filters.params(chosen) if "teams" not in chosen else {**filters.params({}), **chosen}
        numbers = overview_numbers.compute_overview(params)
        plain = overview_figures.for_report(numbers)
        page = overview_figures.all_four(numbers)
    assert _printed(plain) == _printed(page)
    if chosen != FILTERS[-1]:
        assert all(isinstance(f, PlainFigure) for f in plain)  # made without plotly's objects
        assert all(len(f["data"]) for f in _printed(plain))  # drawn, not the empty figure


def test_other_branches_print_the_same_json():
    """Hand-made: months with few calls and one provisional, churn after calm calls; teams without
    the closed counts (no interval) and with them, one team small; adoption with a small month."""
    from calmline.dashboard.figures import churn_trend, kpi_trends, style, team_bars
    from calmline.dashboard.figures.training import adoption_small_multiples

    rates = monthly_rates()
    plain, counted = team_rows()
    adoption = pd.DataFrame({"month": np.repeat(MONTHS[:3], 2), "practice": ["let_vent", "apologized"] * 3,
                             "assessed": [50, 50, 10, 10, 40, 40], "used": [20, 30, 5, 6, 10, 30]})
    adoption["adoption"] = adoption["used"] / adoption["assessed"]

    def build():
        return [churn_trend(rates), kpi_trends(rates), team_bars(plain), team_bars(counted),
                adoption_small_multiples(adoption), churn_trend(rates.iloc[:0])]

    page = build()
    with style.plain_figures():
        report = build()
    assert _printed(report) == _printed(page)


def test_the_report_route_writes_the_plain_charts(app):
    """The route's body holds the four charts' JSON as the page's figures give it."""
    from calmline.dashboard import data, filters, overview_figures, overview_numbers

    client = app.server.test_client()
    body = client.get("/report.html?channels=email").get_data(as_text=True)
    with app.server.test_request_context("/"):
        data.clear_caches()
        page = overview_figures.all_four(overview_numbers.compute_overview(filters.params({"channels": ["email"]})))
    for figure in _printed(page):
        # plotly writes each figure's data and layout as JSON into the div's script
        assert json.dumps(figure["layout"]["title"]["text"])[1:-1] in body
    assert body.count("Plotly.newPlot(") == 4
