"""Small synthetic model populations with a known logistic truth, for the analysis unit tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

PRACTICES = ["apologized", "took_ownership", "thanked"]


def population(n: int = 4000, *, seed: int = 1, agents: int = 40, effects=(-0.6, -0.8, 0.0),
               anger_on_apology: float = 0.9) -> pd.DataFrame:
    """Upset calls where anger raises both apology and churn, and agent skill raises every practice.

    Churn log-odds: -1.2 + 0.5 (anger - 3) + sum(effect x practice); skill has no direct effect.
    """
    rng = np.random.default_rng(seed)
    agent = rng.integers(0, agents, n)
    skill = rng.normal(0, 1, agents)[agent]
    anger = rng.integers(3, 6, n)
    logits = {
        "apologized": -0.3 + anger_on_apology * (anger - 3) + 0.8 * skill,
        "took_ownership": 0.0 + 0.8 * skill,
        "thanked": 0.2 + 0.8 * skill,
    }
    df = pd.DataFrame({p: rng.random(n) < 1 / (1 + np.exp(-lo)) for p, lo in logits.items()})
    lin = -1.2 + 0.5 * (anger - 3) + sum(e * df[p] for p, e in zip(PRACTICES, effects))
    df["churned_90d"] = rng.random(n) < 1 / (1 + np.exp(-lin))
    df["agent_id"] = [f"A{a}" for a in agent]
    df["team"] = [f"T{a % 4}" for a in agent]
    df["anger_level"] = anger
    df["issue_type"] = rng.choice(["billing", "outage"], n)
    df["channel"] = rng.choice(["phone", "chat"], n)
    df["wait_s"] = rng.exponential(120, n)
    df["tenure_days"] = rng.integers(30, 3000, n)
    df["plan"] = rng.choice(["basic", "premium"], n)
    df["monthly_value"] = rng.normal(40, 10, n)
    df["region"] = rng.choice(["north", "south"], n)
    df["call_month"] = pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 3, n) * 31, unit="D")
    df["call_month"] = df["call_month"].dt.to_period("M").dt.to_timestamp()
    df["minutes_since_prev_upset"] = rng.exponential(40, n)
    df["resolved"] = rng.random(n) < 0.6
    df["options_offered"] = rng.integers(0, 4, n)
    df["days_to_followup"] = np.where(rng.random(n) < 0.3, rng.uniform(0, 30, n), np.nan)
    df["prior_upset_calls_90d"] = rng.poisson(0.5, n)
    df["repeat_contact_30d"] = rng.random(n) < 0.4
    return df


def true_ame(df: pd.DataFrame, practice: str, effects=(-0.6, -0.8, 0.0)) -> float:
    """The planted average marginal effect, computed from the known logistic model."""
    base = -1.2 + 0.5 * (df["anger_level"] - 3) + sum(e * df[p] for p, e in zip(PRACTICES, effects))
    e = dict(zip(PRACTICES, effects))[practice]
    lin0 = base - e * df[practice]
    return float((1 / (1 + np.exp(-(lin0 + e))) - 1 / (1 + np.exp(-lin0))).mean())
