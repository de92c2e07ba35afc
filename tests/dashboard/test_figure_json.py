"""The overview's figures are built without plotly's property validation (``style.figure``, #12:
15-40 ms of CPU a figure at 2M calls): what reaches the browser must be what the validated figure
sends. Each figure's JSON (as Dash serialises it, parsed, so key order aside) is compared with
the same figure validated, for several filter sets on the fitted sample and for hand-made frames
that reach the figures' other branches (few calls, provisional months, no intervals)."""

from __future__ import annotations

import json

import pytest
from plotly.io.json import to_json_plotly

from tests.dashboard.chart_cases import monthly_rates, team_rows

FILTERS = [{}, {"start": "2025-03", "end": "2025-06"}, {"channels": ["email"]}, {"anger": [5]}]


@pytest.fixture(scope="module")
def app(fitted_sample_db):
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=fitted_sample_db))
    return fitted_sample_db


def _overview_figures(numbers) -> list:
    from calmline.dashboard import overview_numbers as on
    from calmline.dashboard.figures import churn_trend, kpi_trends, team_bars
    from calmline.dashboard.figures.training import adoption_small_multiples

    return [churn_trend(numbers.rates, on.MIN_N), adoption_small_multiples(on.period_adoption(numbers)),
            team_bars(numbers.teams, on.MIN_N), kpi_trends(numbers.rates, on.MIN_N)]


def _both(monkeypatch, build) -> tuple[list, list]:
    """The figures ``build()`` makes, as the browser gets them: unvalidated (the app's way), validated."""
    from calmline.dashboard.figures import style

    fast = [json.loads(to_json_plotly(f)) for f in build()]
    monkeypatch.setattr(style, "VALIDATE", True)
    checked = [json.loads(to_json_plotly(f)) for f in build()]
    return fast, checked


@pytest.mark.parametrize("chosen", FILTERS, ids=["all", "spring", "email", "anger-5"])
def test_the_overview_figures_send_the_validated_figures_json(app, monkeypatch, chosen):
    from calmline.dashboard import filters, overview_numbers

    numbers = overview_numbers.compute_overview(filters.params(chosen))
    fast, checked = _both(monkeypatch, lambda: _overview_figures(numbers))
    assert [f["data"] for f in fast] == [c["data"] for c in checked]
    assert fast == checked
    assert all(len(f["data"]) for f in fast)  # drawn, not the empty figure


def test_other_branches_send_the_validated_figures_json(monkeypatch):
    """Hand-made: months with few calls and one provisional, churn after calm calls; teams without
    the closed counts (no interval) and with them, one team small."""
    from calmline.dashboard.figures import churn_trend, kpi_trends, team_bars

    rates = monthly_rates()
    plain, counted = team_rows()
    fast, checked = _both(monkeypatch, lambda: [churn_trend(rates), kpi_trends(rates), team_bars(plain),
                                                team_bars(counted)])
    assert fast == checked
