"""The minimum detectable effect uses the design effect the fitted standard errors imply (#15.6).

Before, every row's MDE came from the simple two-proportion variance (design effect 1), so with
calls clustered by agent (an agent's customers churn alike, and the same agents use every
practice) it promised to detect effects the fitted model cannot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis.effects import practice_effects
from calmline.analysis.power import mde_risk_difference
from calmline.analysis.secondary import add_q_and_mde
from tests.analysis.frames import PRACTICES, population


def clustered(n: int = 8000, agents: int = 40, agent_sd: float = 0.9, seed: int = 21) -> pd.DataFrame:
    """frames.population, whose practices cluster by agent skill, with churn that clusters by agent
    too: each agent's customers share a random shift of the churn log-odds (sd ``agent_sd``)."""
    df = population(n, seed=seed, agents=agents).assign(prior_upset_calls_90d=0, repeat_contact_30d=False)
    rng = np.random.default_rng(seed + 1)
    agent = df["agent_id"].str[1:].astype(int).to_numpy()
    shift = rng.normal(0, agent_sd, agents)[agent]
    lin = -1.2 + 0.5 * (df["anger_level"] - 3) - 0.6 * df["apologized"] - 0.8 * df["took_ownership"] + shift
    df["churned_90d"] = rng.random(n) < 1 / (1 + np.exp(-lin))
    return df


def _with_mde(df):
    effects, _, _ = practice_effects(df, PRACTICES, "churned_90d")
    out = add_q_and_mde(effects, df, PRACTICES, "churned_90d")
    return out[(out.scale == "risk_difference") & (out.effect == "total")].set_index(["practice", "method"])


def test_clustered_practices_get_a_larger_mde_than_the_simple_comparison_promises():
    df = clustered()
    rows = _with_mde(df)
    for practice in PRACTICES:
        used = df[practice]
        y = df["churned_90d"].astype(float)
        simple = mde_risk_difference(int(used.sum()), int((~used).sum()), float(y[~used].mean()))
        naive = rows.loc[(practice, "naive")]
        assert naive.design_effect == pytest.approx(1.0, rel=1e-9)
        assert naive.mde == pytest.approx(simple, rel=1e-9)
        for method in ("logit", "aipw"):
            row = rows.loc[(practice, method)]
            assert row.design_effect > 1.5, (practice, method, row.design_effect)
            assert row.mde > 1.2 * simple, (practice, method, row.mde, simple)
            # and it is the MDE of that design effect
            assert row.mde == pytest.approx(mde_risk_difference(
                int(used.sum()), int((~used).sum()), float(y[~used].mean()),
                design_effect=row.design_effect), rel=1e-9)


def test_the_design_effect_is_the_fitted_over_the_simple_variance():
    df = clustered(agent_sd=0.0, seed=5)  # no agent clustering of churn
    rows = _with_mde(df)
    y = df["churned_90d"].astype(float)
    for practice in PRACTICES:
        used = df[practice]
        r1, r0 = y[used].mean(), y[~used].mean()
        simple_var = r1 * (1 - r1) / used.sum() + r0 * (1 - r0) / (~used).sum()
        for method in ("logit", "aipw"):
            row = rows.loc[(practice, method)]
            assert row.design_effect == pytest.approx(row.std_error ** 2 / simple_var, rel=1e-9)
            # without clustered churn the design effect is modest (collinearity and adjustment only)
            assert 0.5 < row.design_effect < 1.8


def test_an_inconclusive_row_says_what_it_cannot_rule_out():
    df = clustered()
    rows = _with_mde(df)
    thanked = rows.loc[("thanked", "logit")]  # planted effect 0
    assert thanked.ci_low <= 0 <= thanked.ci_high
    assert f"smaller than {100 * thanked.mde:.1f} points" in thanked.warning


def test_few_agents_use_the_t_reference_in_the_power():
    """With t(G - 1) the same standard error detects less: the MDE grows as the degrees of freedom fall,
    and tends to the normal one."""
    normal = mde_risk_difference(2000, 3000, 0.2, design_effect=2.0)
    t_few = mde_risk_difference(2000, 3000, 0.2, design_effect=2.0, df=9)
    t_many = mde_risk_difference(2000, 3000, 0.2, design_effect=2.0, df=10_000)
    assert t_few > 1.08 * normal
    assert t_many == pytest.approx(normal, rel=1e-3)
