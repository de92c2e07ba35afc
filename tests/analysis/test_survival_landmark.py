"""Cox rows of a practice that happens after the call: a landmark model, never a baseline term."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis.secondary import survival
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
