"""Practice effects on small populations with a known truth, and the inputs that cannot support one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import logit
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


def _expit(x):
    return 1 / (1 + np.exp(-x))


def promise_and_follow_up(n: int = 20000, seed: int = 11):
    """The population of ``frames`` plus a promise that brings a follow-up that keeps customers.

    followup_promised has no effect of its own: it acts only through the follow-up it brings
    (follow-up log-odds -2 + 3 x promised; churn log-odds -0.9 x followed_up). The true total
    effect of the promise is computed with the same uniforms, the follow-up responding.
    """
    df = population(n, seed=seed)
    rng = np.random.default_rng(seed + 100)
    df["followup_promised"] = rng.random(n) < 0.4
    u = rng.random(n)
    follow = {v: u < _expit(-2 + 3 * v) for v in (0, 1)}
    df["followed_up"] = np.where(df["followup_promised"], follow[1], follow[0])
    rest = -1.2 + 0.5 * (df["anger_level"] - 3) - 0.6 * df["apologized"] - 0.8 * df["took_ownership"]
    df["churned_90d"] = rng.random(n) < _expit(rest - 0.9 * df["followed_up"])
    truth = float((_expit(rest - 0.9 * follow[1]) - _expit(rest - 0.9 * follow[0])).mean())
    return df, truth


def test_an_after_call_practice_is_never_in_another_practice_adjustment_set():
    """The promise's total effect includes the follow-up it brings. With followed_up adjusted
    for, as before, the estimate was the effect not through the follow-up: about 0."""
    df, truth = promise_and_follow_up()
    practices = PRACTICES + ["followup_promised", "followed_up"]
    effects, _, _ = practice_effects(df, practices, "churned_90d", after_call=["followed_up"],
                                     landmark=np.ones(len(df), bool), landmark_days=30)
    assert truth < -0.03
    for method in ("logit", "aipw"):
        row = rd(effects, method, "followup_promised")
        assert row.ci_low <= truth <= row.ci_high, (method, row.estimate, truth)
    assert not ((effects.practice == "followed_up") & (effects.effect == "total")).any()
    assert rd(effects, "aipw", "followed_up", "landmark").ci_high < 0


def test_the_follow_up_is_compared_only_among_customers_still_there_when_its_window_closed():
    """Immortal time: a customer who churned in the first 30 days could not be followed up later.
    Among the customers still active on day 30 the follow-up's planted effect is recovered; over
    every call the early churners (never followed up) make it look far better."""
    df = population(20000, seed=14)
    rng = np.random.default_rng(114)
    n = len(df)
    early = rng.random(n) < _expit(-2.5 + 0.5 * (df["anger_level"] - 3))
    df["followed_up"] = ~early & (rng.random(n) < 0.4)
    rest = -1.5 + 0.5 * (df["anger_level"] - 3) - 0.6 * df["apologized"] - 0.8 * df["took_ownership"]
    late = rng.random(n) < _expit(rest - 0.5 * df["followed_up"])
    df["churned_90d"] = early | late
    active = ~early.to_numpy()
    truth = float((_expit(rest - 0.5) - _expit(rest))[active].mean())
    effects, _, _ = practice_effects(df, PRACTICES + ["followed_up"], "churned_90d",
                                     after_call=["followed_up"], landmark=active, landmark_days=30)
    for method in ("logit", "aipw"):
        row = rd(effects, method, "followed_up", "landmark")
        assert row.ci_low <= truth <= row.ci_high, (method, row.estimate, truth)
        assert row.n_calls == active.sum() and "still active 30 days after the call" in row.warning
    naive_all = df.loc[df.followed_up, "churned_90d"].mean() - df.loc[~df.followed_up, "churned_90d"].mean()
    assert naive_all < truth - 0.03  # what ignoring the landmark would suggest


def test_calls_without_a_recorded_resolution_are_left_out_of_the_direct_effect():
    df = population(6000, seed=13)
    df["resolved"] = df["resolved"].astype(object)
    df.loc[df.index[:1000], "resolved"] = None
    effects, _, warnings = practice_effects(df, PRACTICES, "churned_90d")
    assert any(w.startswith("1,000 upset calls without a recorded resolution") for w in warnings)
    direct = rd(effects, "logit", "apologized", "direct")
    assert direct.n_analysed == 5000 and direct.n_calls == 6000
    kept, _, _ = practice_effects(df.iloc[1000:].reset_index(drop=True), PRACTICES, "churned_90d")
    assert direct.estimate == pytest.approx(rd(kept, "logit", "apologized", "direct").estimate, rel=1e-6)
    assert rd(effects, "logit", "apologized").n_analysed == 6000  # the total keeps every call


def test_direct_rows_carry_their_caveat():
    effects, _, _ = practice_effects(population(3000, seed=14), PRACTICES, "churned_90d")
    direct = effects[effects.effect == "direct"]
    assert len(direct) == len(PRACTICES)
    assert direct.warning.str.contains("holds resolution fixed").all()
    assert direct.warning.str.contains("collider bias").all()
    assert not effects[effects.effect == "total"].warning.fillna("").str.contains("collider").any()


def test_a_zero_standard_error_gives_no_interval_and_no_p_value():
    assert logit.wald(0.2, 0.0) == (None, None, None)
    assert logit.wald(0.2, float("nan")) == (None, None, None)
    df = population(2000, seed=15)
    df["churned_90d"] = df["took_ownership"]  # every call with it churned, none without: se = 0
    effects, _, _ = practice_effects(df, PRACTICES, "churned_90d")
    naive = rd(effects, "naive", "took_ownership")
    assert pd.isna(naive.estimate) and pd.isna(naive.p_value) and pd.isna(naive.ci_low)
    assert "standard error is zero" in naive.warning


def test_aipw_rows_say_how_many_calls_were_trimmed():
    plain, _, _ = practice_effects(population(4000, seed=16), PRACTICES, "churned_90d")
    row = rd(plain, "aipw", "thanked")
    assert row.n_trimmed == 0 and row.n_analysed == row.n_calls == 4000
    skewed, _, _ = practice_effects(population(4000, seed=16, anger_on_apology=4.0), PRACTICES,
                                    "churned_90d")
    row = rd(skewed, "aipw", "apologized")
    assert row.n_trimmed > 0 and row.n_analysed + row.n_trimmed == row.n_calls == 4000
    assert skewed[skewed.method != "aipw"].n_trimmed.isna().all()
