"""Practice effects on small populations with a known truth, and the inputs that cannot support one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population, true_ame


def rd(effects: pd.DataFrame, method: str, practice: str, effect: str = "total") -> pd.Series:
    rows = effects[(effects.method == method) & (effects.practice == practice) & (effects.effect == effect)
                   & (effects.scale == "risk_difference")]
    assert len(rows) == 1
    return rows.iloc[0]


def no_nan(frame: pd.DataFrame) -> bool:
    numeric = frame.select_dtypes(include="number")
    return not any(isinstance(v, float) and math.isnan(v) for v in frame.drop(columns=numeric.columns).
                   to_numpy().ravel()) and not numeric.isna().to_numpy().any()


def test_adjusted_estimates_recover_the_truth_where_the_naive_one_does_not():
    df = population(20000, seed=3)
    effects, balance, warnings = practice_effects(df, PRACTICES, "churned_90d")
    assert warnings == []
    truth = true_ame(df, "apologized")
    naive = rd(effects, "naive", "apologized")
    assert naive.estimate > truth and not naive.ci_low <= truth <= naive.ci_high  # anger-confounded
    for method in ("logit", "aipw"):
        row = rd(effects, method, "apologized")
        assert row.ci_low <= truth <= row.ci_high, (method, row.estimate, truth)
    thanked = rd(effects, "naive", "thanked")
    assert thanked.ci_high < 0                     # skilled agents thank too: looks protective
    assert rd(effects, "aipw", "thanked").p_value > 0.05
    after = balance[balance.covariate.str.startswith("anger")]
    assert (after.smd_after.abs() < after.smd_before.abs()).all()


def test_odds_ratio_matches_the_planted_coefficient():
    df = population(20000, seed=4)
    effects, _, _ = practice_effects(df, PRACTICES, "churned_90d")
    row = effects[(effects.method == "logit") & (effects.practice == "took_ownership")
                  & (effects.scale == "odds_ratio")].iloc[0]
    assert row.ci_low <= np.exp(-0.8) <= row.ci_high


def test_a_practice_never_used_gets_a_warning_not_a_number():
    df = population(2000, seed=5)
    df["thanked"] = False
    effects, _, _ = practice_effects(df, PRACTICES, "churned_90d")
    rows = effects[effects.practice == "thanked"]
    assert rows.estimate.isna().all()
    assert rows.warning.str.contains("no variation|no comparison group").all()
    assert rd(effects, "logit", "apologized").estimate is not None


def test_no_churn_events_warns_everywhere_and_never_crashes():
    df = population(1500, seed=6)
    df["churned_90d"] = False
    effects, _, warnings = practice_effects(df, PRACTICES, "churned_90d")
    assert any("no churn events" in w for w in warnings)
    model_rows = effects[effects.method != "naive"]
    assert model_rows.estimate.isna().all() and model_rows.warning.notna().all()


def test_perfect_separation_is_reported():
    df = population(1500, seed=7)
    df["churned_90d"] = ~df["took_ownership"]
    effects, _, warnings = practice_effects(df, PRACTICES, "churned_90d")
    assert any("separation" in w or "converge" in w for w in warnings)
    assert effects[effects.method == "logit"].estimate.isna().all()


def test_one_agent_only_still_gives_estimates_with_a_warning():
    df = population(3000, seed=8)
    df["agent_id"] = "A1"
    effects, _, warnings = practice_effects(df, PRACTICES, "churned_90d")
    assert any("one agent only" in w for w in warnings)
    assert rd(effects, "logit", "took_ownership").estimate < 0
