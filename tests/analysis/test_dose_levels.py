"""Dose-response computes each level's predictions once (shared by its risk and its contrast) and
gives exactly the numbers of the per-call path before #12 (session 8), which recomputed them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import dose
from tests.analysis import frames


class _Before:
    """The path before: every risk and every contrast recomputed from X (``_risk_at``, ``_contrast``)."""

    def __init__(self, fit, X, first, others):
        self.args = (fit, X, first, others)

    def risk(self, level):
        return dose._risk_at(*self.args, level)

    def contrast(self, level):
        return dose._contrast(*self.args, level)


def test_dose_response_levels_are_the_same_as_recomputing_each(monkeypatch):
    df = frames.population(n=3000, agents=40, seed=12)
    df["offered_options"] = df["options_offered"] > 0
    df["followed_up"] = df["days_to_followup"].notna()
    df["compensated"] = np.random.default_rng(3).random(len(df)) < 0.3
    df["compensation_value"] = np.where(df["compensated"], np.random.default_rng(4).uniform(1, 60, len(df)), 0.0)
    practices = frames.PRACTICES + ["offered_options", "followed_up", "compensated"]
    landmark = np.random.default_rng(5).random(len(df)) < 0.8
    now = dose.dose_response(df, practices, "churned_90d", after_call=["followed_up"], landmark=landmark)
    monkeypatch.setattr(dose, "_Levels", _Before)
    before = dose.dose_response(df, practices, "churned_90d", after_call=["followed_up"], landmark=landmark)
    assert set(now["factor"]) == {"options_offered", "followup_timing", "compensation_amount", "break_minutes"}
    assert now["estimate"].notna().sum() >= 10
    pd.testing.assert_frame_equal(now, before, check_exact=False, rtol=1e-12, atol=1e-15)
