"""Training impact's two-way model takes the month dummies of the agent-month cells' periods
themselves, not of a text copy of them: the same dummy matrix as the months' text (columns in
calendar order across a year's end, the first month dropped)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import training_impact


def test_month_dummies_of_the_periods_are_those_of_their_text():
    month = pd.Series(pd.period_range("2024-10", periods=6, freq="M")).sample(400, replace=True, random_state=3)
    text = pd.get_dummies(month.astype(str), drop_first=True, dtype=float)
    periods = pd.get_dummies(month, drop_first=True, dtype=float)
    assert [str(c) for c in periods.columns] == list(text.columns)
    assert np.array_equal(periods.to_numpy(), text.to_numpy())


def test_the_two_way_estimate_is_that_of_the_months_text():
    rng = np.random.default_rng(5)
    rows = 600
    panel = pd.DataFrame({
        "agent": rng.choice([f"A{i}" for i in range(40)], rows),
        "month": pd.PeriodIndex(rng.choice(["2024-11", "2024-12", "2025-01", "2025-02", "2025-03"], rows),
                                freq="M"),
        "n": rng.integers(1, 30, rows),
        "post": (rng.random(rows) < 0.4).astype(float),
    })
    panel["y"] = rng.binomial(panel["n"], 0.3 + 0.1 * panel["post"]).astype(float)
    now = training_impact._twfe(panel)
    as_text = training_impact._twfe(panel.assign(month=panel["month"].astype(str)))  # the dummies before
    assert np.isfinite(now).all()
    assert now == as_text
