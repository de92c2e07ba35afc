"""The overview's figures are built without plotly's property validation (``style.figure``, #12:
15-40 ms of CPU a figure at 2M calls): what reaches the browser must be what the validated figure
sends. Each figure's JSON (as Dash serialises it, parsed, so key order aside) is compared with
the same figure validated, for several filter sets on the fitted sample and for hand-made frames
that reach the figures' other branches (few calls, provisional months, no intervals)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

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

    months = pd.date_range("2025-01-01", periods=5, freq="MS")
    rates = pd.DataFrame({
        "month": months, "upset_calls": [900, 80, 700, 650, 600], "upset_closed_90d": [900, 80, 700, 650, 200],
        "churn_upset": [0.2, 0.25, 0.18, 0.22, 0.3], "churn_ci_low": [0.17, 0.16, 0.15, 0.19, 0.24],
        "churn_ci_high": [0.23, 0.36, 0.21, 0.25, 0.37], "provisional": [False, False, False, False, True],
        "churn_calm": [0.1, np.nan, 0.12, 0.11, 0.1], "calm_closed_90d": [3000, 10, 2000, 2100, 500],
        "fcr": [0.7, 0.6, np.nan, 0.72, 0.7], "repeat_rate": [0.1, 0.2, 0.1, 0.1, np.nan],
        "handle_min": [7.5, 8.0, 7.1, 6.9, 7.0], "csat": [3.9, 4.1, 4.0, np.nan, 4.2],
        "resolved_known": [900, 80, 700, 650, 600], "repeat_closed_30d": [900, 80, 700, 650, 0],
        "handled": [900, 80, 700, 650, 600], "csat_scored": [300, 20, 250, 0, 200]})
    plain = pd.DataFrame({"team": ["a", "b&c"], "upset_calls": [10, 500], "churn_upset": [0.2, 0.1]})
    counted = plain.assign(closed_90d=[8, 400], churned_90d=[2, 40])
    fast, checked = _both(monkeypatch, lambda: [churn_trend(rates), kpi_trends(rates), team_bars(plain),
                                                team_bars(counted)])
    assert fast == checked
