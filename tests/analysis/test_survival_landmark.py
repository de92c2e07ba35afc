"""Cox rows of a practice that happens after the call: a landmark model, never a baseline term."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis.power import mde_risk_difference
from calmline.analysis.secondary import add_q_and_mde, survival
from tests.analysis.frames import PRACTICES, population


def immortal_time_population(n: int = 12000, seed: int = 21) -> pd.DataFrame:
    """Some customers churn within 30 days (and so are never followed up); the rest churn at a
    constant hazard from day 30, lowered by the follow-up: true hazard ratio exp(-0.5) = 0.61.
    Censored at 200 days."""
    df = population(n, seed=seed)
    rng = np.random.default_rng(seed + 100)
    early = rng.random(n) < 0.12
    df["followed_up"] = ~early & (rng.random(n) < 0.4)
    rate = 0.004 * np.exp(0.3 * (df["anger_level"] - 3) - 0.5 * df["followed_up"])
    later = 30 + rng.exponential(1 / rate)
    time = np.where(early, rng.uniform(0, 30, n), later)
    df["event"] = time <= 200
    df["time_days"] = np.floor(np.minimum(time, 200))
    df["days_observable"] = 200
    return df


def test_the_follow_up_hazard_ratio_comes_from_a_landmark_model():
    """As a baseline term the follow-up looked protective far beyond its effect: the early
    churners, who had no time to be followed up, all sit on the 'without' side."""
    df = immortal_time_population()
    rows, km = survival(df, PRACTICES + ["followed_up"], after_call=["followed_up"], landmark_days=30)
    follow = rows[rows.practice == "followed_up"]
    assert list(follow.effect) == ["landmark"] and list(follow.outcome) == ["time_to_churn_from_day_30"]
    (row,) = follow.itertuples()
    assert row.ci_low <= np.exp(-0.5) <= row.ci_high, (row.estimate, row.ci_low, row.ci_high)
    assert row.n_calls == int((df.time_days > 30).sum())
    assert set(rows[rows.effect == "total"].practice) == set(PRACTICES)
    curves = km[km.practice == "followed_up"]
    assert curves.day.min() == 30 and curves[curves.day == 30].survival.min() > 0.95
    # what the old baseline model said: far from the planted ratio
    old, _ = survival(df, PRACTICES + ["followed_up"])
    (old_hr,) = old.loc[old.practice == "followed_up", "ci_high"]
    assert old_hr < np.exp(-0.5)


def test_the_follow_up_minimum_detectable_effect_counts_only_the_landmark_calls():
    df = immortal_time_population(4000, seed=22)
    df["churned_90d"] = df["event"] & (df["time_days"] <= 90)
    active = (df.time_days > 30).to_numpy()
    effects = pd.DataFrame({"practice": ["followed_up"], "method": ["aipw"], "effect": ["landmark"],
                            "scale": ["risk_difference"], "estimate": [-0.02], "ci_low": [-0.03],
                            "ci_high": [-0.01], "p_value": [0.001], "warning": [None]})
    out = add_q_and_mde(effects, df, ["followed_up"], "churned_90d", after_call=["followed_up"],
                        landmark=active)
    sub = df[active]
    without = ~sub.followed_up
    expected = mde_risk_difference(int((~without).sum()), int(without.sum()),
                                   float(sub.churned_90d[without].mean()))
    assert out.mde.iloc[0] == pytest.approx(expected)
    everyone = add_q_and_mde(effects, df, ["followed_up"], "churned_90d")
    assert everyone.mde.iloc[0] != pytest.approx(expected)  # the early churners change it
