"""Refusals of the estimates for a filter (calmline.analysis.filtered_runner) on small hand-made
frames: nothing is fitted, and the refusal states the calls, events and agents it counted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import filtered_runner
from calmline.analysis.disputes import MIN_CALLS

PRACTICES = ["apologized", "took_ownership"]


def _calls(n: int, churned: float, *, open_window: int = 0, unassessed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "agent_id": [f"A{i % 9}" for i in range(n)],
        "apologized": rng.integers(0, 2, n).astype(float),
        "took_ownership": rng.integers(0, 2, n).astype(float),
        "days_observable": 200,
        "churned_90d": (rng.random(n) < churned).astype(float),
    })
    frame.loc[: open_window - 1, "days_observable"] = 30  # windows still open: not in the model
    frame.loc[open_window: open_window + unassessed - 1, "apologized"] = np.nan
    return frame


def test_too_few_calls_are_refused_with_their_n_counted_in_the_model_only():
    calls = _calls(MIN_CALLS + 40, 0.2, open_window=50, unassessed=20)
    result = filtered_runner.estimate_population(calls, PRACTICES, 90)
    in_model = calls.iloc[70:]
    assert result.n_calls == len(in_model) == MIN_CALLS - 30 and result.n_left_out == 20
    assert result.refusal.startswith("Too few calls to estimate for this filter: ")
    assert (f"{len(in_model):,} upset calls ({int(in_model['churned_90d'].sum()):,} churned within 90 days, "
            f"9 agents)") in result.refusal
    assert f"at least {MIN_CALLS:,}" in result.refusal and result.effects.empty


def test_enough_calls_without_churn_are_refused_and_none_in_the_window_too():
    none_churned = filtered_runner.estimate_population(_calls(MIN_CALLS + 10, 0.0), PRACTICES, 90)
    assert "no customer churned" in none_churned.refusal and "(0 churned within 90 days" in none_churned.refusal
    every = filtered_runner.estimate_population(_calls(MIN_CALLS + 10, 1.1), PRACTICES, 90)
    assert "every customer churned" in every.refusal
    unseen = filtered_runner.estimate_population(_calls(40, 0.2, open_window=40), PRACTICES, 90)
    assert unseen.n_calls == 0 and "none of its upset calls has a closed 90-day" in unseen.refusal
