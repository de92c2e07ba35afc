"""Sensitivity to unmeasured confounding: E-values, robustness values, benchmarks, within-agent
estimates, each checked by hand or against the regression they stand for."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calmline.analysis import robustness, sensitivity, within_agent
from calmline.analysis.design import build, covariate_groups
from tests.analysis import frames


def test_e_values_match_vanderweele_and_ding():
    """VanderWeele & Ding (2017), Ann Intern Med 167:268, worked example (breastfeeding and infant
    respiratory death): RR 3.9, 95% CI 1.8 to 8.7 -> E-value 7.26, for the CI 3.0.
    E = RR + sqrt(RR (RR - 1)); a protective RR is inverted first: RR 0.8 -> 1.25 -> 1.809."""
    assert sensitivity.e_value(3.9) == pytest.approx(7.26, abs=0.005)
    assert sensitivity.e_value(1.8) == pytest.approx(3.0, abs=1e-12)
    assert sensitivity.e_value(0.8) == pytest.approx(1.25 + math.sqrt(1.25 * 0.25))
    assert sensitivity.e_value(1.0) == 1.0


def test_a_risk_difference_becomes_a_risk_ratio_through_the_baseline_risk():
    """By hand: churn 20% without the practice, 5 points less with it -> RR 15/20 = 0.75, inverted
    4/3, E = 4/3 + sqrt(4/3 x 1/3) = 4/3 + 2/3 = 2 exactly. The CI limit nearest zero (-2 points)
    -> RR 0.9 -> 1/0.9 = 1.1111 -> E = 1.1111 + sqrt(1.1111 x 0.1111) = 1.1111 + 0.3514 = 1.4625. An interval crossing
    zero gives an E-value of 1 for the interval (no confounding needed)."""
    rr, e, e_ci = sensitivity.risk_difference_e_values(-0.05, -0.08, -0.02, baseline=0.20)
    assert rr == pytest.approx(0.75)
    assert e == pytest.approx(2.0, abs=1e-12)
    assert e_ci == pytest.approx(1 / 0.9 + math.sqrt(1 / 0.9 * (1 / 0.9 - 1)))
    assert e_ci == pytest.approx(1.4625, abs=1e-4)
    # a harmful practice: the lower limit is the one nearest zero
    _, _, e_up = sensitivity.risk_difference_e_values(0.05, 0.02, 0.08, baseline=0.20)
    assert e_up == pytest.approx(sensitivity.e_value(1.1))
    assert sensitivity.risk_difference_e_values(-0.01, -0.03, 0.01, baseline=0.20)[2] == 1.0


def test_the_baseline_risk_is_standardised_to_no_practice():
    """mean(churn) = p0 + share used x RD when the effect is the same for every call: 30% of calls
    get a practice that cuts churn from 20% to 15% -> mean 18.5%; p0 = 0.185 - 0.3 x (-0.05) = 0.2."""
    y = np.r_[np.ones(15), np.zeros(85), np.ones(140), np.zeros(560)]  # 100 used (15%), 700 not (20%)
    a = np.r_[np.ones(100), np.zeros(700)]
    share = a.mean()
    p0 = sensitivity.baseline_risk(y, a, -0.05)
    assert p0 == pytest.approx(y.mean() + 0.05 * share)
    assert p0 == pytest.approx(0.2 - (0.2 - 0.15) * share + 0.05 * share)


def test_robustness_values_reproduce_cinelli_and_hazlett_darfur():
    """Cinelli & Hazlett (2020), JRSS B 82:39, section 5 (sensemakr's darfur example, R:
    sensemakr(lm(peacefactor ~ directlyharmed + ..., data = darfur), treatment = "directlyharmed")):
    t = 4.18 on 783 degrees of freedom -> partial R2 of the treatment 2.2%, RV_q=1 13.9%,
    RV_q=1,alpha=0.05 7.6%."""
    assert sensitivity.partial_r2(4.18, 783) == pytest.approx(0.022, abs=0.0005)
    assert sensitivity.robustness_value(4.18, 783) == pytest.approx(0.139, abs=0.0005)
    assert sensitivity.robustness_value(4.18, 783, alpha=0.05) == pytest.approx(0.076, abs=0.0005)
    # not significant to begin with: nothing to explain away at the 5% level
    assert sensitivity.robustness_value(1.5, 783, alpha=0.05) == 0.0


def _confounded(n=3000, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    d = (0.6 * x + 0.8 * z + rng.normal(size=n) > 0).astype(float)
    y = 0.3 * d + 0.5 * x + 0.7 * z + rng.normal(size=n)
    return x, z, d, y


def test_adjusting_for_a_confounder_of_given_partial_r2s_gives_the_regression_with_it():
    """Cinelli & Hazlett (2020) eq. 11-12 are identities of least squares: the estimate and standard
    error with Z included follow from the estimate without it and Z's partial R2s (with D given X,
    and with Y given D and X). Checked against statsmodels OLS with and without Z."""
    x, z, d, y = _confounded()
    ones = np.ones_like(x)
    short = sm.OLS(y, np.column_stack([ones, d, x])).fit()
    long = sm.OLS(y, np.column_stack([ones, d, x, z])).fit()
    t_dz = sm.OLS(d, np.column_stack([ones, x, z])).fit().tvalues[2]
    r2dz = sensitivity.partial_r2(t_dz, len(d) - 3)
    r2yz = sensitivity.partial_r2(long.tvalues[3], long.df_resid)
    est, se, lo, hi = sensitivity.adjusted(short.params[1], short.bse[1], short.df_resid, r2dz, r2yz)
    assert est == pytest.approx(long.params[1], rel=1e-9)
    assert se == pytest.approx(long.bse[1], rel=1e-9)
    assert lo < est < hi


def test_linear_sensitivity_matches_least_squares_and_finds_the_strongest_covariate():
    """The linear probability model's estimate and t from the cross products equal statsmodels OLS;
    of two covariates the benchmark is the one planted as the stronger confounder (x2), and its
    bound equals sensemakr's formula on the partial R2s statsmodels gives."""
    rng = np.random.default_rng(9)
    n = 4000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    d = (0.1 * x1 + 0.9 * x2 + rng.normal(size=n) > 0).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 - 0.4 * d + 0.1 * x1 + 0.8 * x2)))).astype(float)
    X = np.column_stack([d, np.ones(n), x1, x2])
    names = ["practice", "intercept", "x1", "x2"]
    out = sensitivity.linear_sensitivity(X, names, y, ["practice"], {"x1": [2], "x2": [3]}).iloc[0]
    ols = sm.OLS(y, X).fit()
    assert out["lpm_estimate"] == pytest.approx(ols.params[0], rel=1e-8)
    assert out["lpm_t"] == pytest.approx(ols.tvalues[0], rel=1e-6)
    assert out["dof"] == ols.df_resid
    assert out["rv"] == pytest.approx(sensitivity.robustness_value(ols.tvalues[0], ols.df_resid))
    assert out["benchmark"] == "x2"
    r2dx = sensitivity.partial_r2(sm.OLS(d, X[:, 1:]).fit().tvalues[2], n - 3)
    r2yx = sensitivity.partial_r2(ols.tvalues[3], ols.df_resid)
    r2dz, r2yz = sensitivity.benchmark_bound(r2dx, r2yx)
    assert out["benchmark_r2d"] == pytest.approx(r2dz, rel=1e-6)
    assert out["benchmark_r2y"] == pytest.approx(r2yz, rel=1e-6)
    expected = sensitivity.adjusted(ols.params[0], ols.bse[0], ols.df_resid, r2dz, r2yz)
    assert out["benchmark_estimate"] == pytest.approx(expected[0], rel=1e-6)


def test_a_multi_column_covariate_is_benchmarked_as_a_group():
    """A group's partial R2 is (RSS without it - RSS with it) / RSS without it; for one column that is
    t^2 / (t^2 + dof), so a covariate split in two columns gives the same bound as one."""
    rng = np.random.default_rng(2)
    n = 2000
    g = rng.integers(0, 3, n)
    d = (0.8 * (g == 2) + rng.normal(size=n) > 0.5).astype(float)
    y = 0.2 * d + 0.5 * (g == 2) + 0.2 * (g == 1) + rng.normal(size=n)
    X = np.column_stack([d, np.ones(n), g == 1, g == 2]).astype(float)
    out = sensitivity.linear_sensitivity(X, ["d", "1", "g1", "g2"], y, ["d"], {"g": [2, 3]}).iloc[0]
    rss = lambda A, v: sm.OLS(v, A).fit().ssr  # noqa: E731
    r2d = 1 - rss(X[:, 1:], d) / rss(X[:, 1:2], d)
    r2y = 1 - rss(X, y) / rss(X[:, :2], y)
    assert (out["benchmark_r2d"], out["benchmark_r2y"]) == pytest.approx(sensitivity.benchmark_bound(r2d, r2y))


def test_within_agent_equals_the_regression_with_one_dummy_per_agent():
    """Frisch-Waugh-Lovell: demeaning within agent gives exactly the coefficients of OLS with agent
    dummies (statsmodels, 40 agent columns)."""
    df = frames.population(n=1500, agents=40, seed=3)
    design = build(df, frames.PRACTICES).varying()
    X, names = design.matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    out = within_agent.within_agent(X, names, y, df["agent_id"], frames.PRACTICES).set_index("practice")
    dummies = pd.get_dummies(df["agent_id"]).to_numpy(float)
    cols = [j for j, n in enumerate(names) if n != "intercept"]
    ref = sm.OLS(y, np.column_stack([X[:, cols], dummies])).fit()
    for p in frames.PRACTICES:
        assert out.loc[p, "estimate"] == pytest.approx(ref.params[names.index(p)], rel=1e-7)
        assert out.loc[p, "ci_low"] < out.loc[p, "estimate"] < out.loc[p, "ci_high"]
    assert out["n_agents"].iloc[0] == 40 and out["n"].iloc[0] == 1500


def test_within_agent_removes_what_good_agents_bring():
    """Planted: agent skill raises every practice and (unrecorded) lowers churn; the practice does
    nothing. The pooled linear model credits the practice; the within-agent estimate does not,
    and the rule flags the pooled estimate as disagreeing."""
    rng = np.random.default_rng(11)
    agents, n = 200, 20000
    agent = rng.integers(0, agents, n)
    skill = rng.normal(size=agents)[agent]
    a = (rng.random(n) < 1 / (1 + np.exp(-1.5 * skill))).astype(float)
    y = (rng.random(n) < 0.25 - 0.08 * np.tanh(skill)).astype(float)
    X = np.column_stack([a, np.ones(n)])
    pooled = sm.OLS(y, X).fit()
    within = within_agent.within_agent(X, ["a", "intercept"], y, agent, ["a"]).iloc[0]
    assert pooled.params[0] < -0.04                       # skilled agents' customers stay anyway
    assert within["ci_low"] < 0 < within["ci_high"]       # the practice itself does nothing
    assert within_agent.disagrees(pooled.params[0], within["ci_low"], within["ci_high"]) is True
    assert within_agent.disagrees(within["estimate"], within["ci_low"], within["ci_high"]) is False
    assert within_agent.disagrees(None, within["ci_low"], within["ci_high"]) is None


def test_a_practice_constant_within_every_agent_has_no_within_estimate():
    df = frames.population(n=800, agents=20, seed=5)
    df["thanked"] = df["agent_id"].str[1:].astype(int) % 2 == 0   # each agent always or never thanks
    design = build(df, frames.PRACTICES).varying()
    X, names = design.matrix()
    out = within_agent.within_agent(X, names, df["churned_90d"].astype(float).to_numpy(), df["agent_id"],
                                    frames.PRACTICES).set_index("practice")
    assert pd.isna(out.loc["thanked", "estimate"]) and "never varies within an agent" in out.loc["thanked",
                                                                                                  "warning"]
    assert pd.notna(out.loc["apologized", "estimate"])


def test_sensitivity_checks_put_everything_side_by_side_in_words():
    """On a population where anger drives both apology and churn, every practice gets a row with
    its E-values, robustness values, benchmark and within-agent estimate; anger level is among the
    covariate groups benchmarked; the words state the numbers stored beside them."""
    df = frames.population(n=4000, seed=1)
    design = build(df, frames.PRACTICES)
    y = df["churned_90d"].astype(float).to_numpy()
    effects = pd.DataFrame([dict(practice=p, method="aipw", effect="total", scale="risk_difference",
                                 estimate=e, ci_low=e - 0.03, ci_high=e + 0.03)
                            for p, e in zip(frames.PRACTICES, (-0.10, -0.13, 0.0))])
    out = robustness.sensitivity_checks(effects, design, y, df["agent_id"].to_numpy(), frames.PRACTICES,
                                        "total").set_index("practice")
    assert "anger_level" in covariate_groups(design.covariate_names)
    assert out.loc["took_ownership", "e_value"] > out.loc["took_ownership", "e_value_ci"] > 1
    assert out.loc["thanked", "e_value_ci"] == 1.0
    row = out.loc["took_ownership"]
    assert row["within_disagrees"] in (True, False)
    words = row["reading"]
    assert f"{row['e_value']:.2f}" in words and f"{row['rv']:.1%}" in words
    assert "Within the same agent (40 agents)" in words
    assert "nothing for hidden confounding to explain away" in out.loc["thanked", "reading"]


def test_the_reading_says_would_or_would_not_and_flags_disagreement():
    base = dict(method="aipw", estimate=-0.04, ci_low=-0.06, ci_high=-0.02, e_value=1.9, e_value_ci=1.5,
                rv=0.05, rv_alpha=0.02, benchmark="anger_level", lpm_estimate=-0.035,
                benchmark_estimate=-0.03, benchmark_ci_low=-0.05, benchmark_ci_high=-0.01,
                benchmark_explains_away=False, within_estimate=-0.01, within_ci_low=-0.02,
                within_ci_high=0.0, within_agents=120, within_disagrees=True)
    words = robustness.reading(base)
    assert "-4.0 pp (95% CI -6.0 pp to -2.0 pp; AIPW)" in words
    assert "as strong as anger level, the strongest measured covariate here, would not explain it away" in words
    assert "⚠ disagrees" in words and "120 agents" in words
    assert "would explain it away" in robustness.reading(dict(base, benchmark_explains_away=True))
    assert "agrees, the main estimate is inside" in robustness.reading(dict(base, within_disagrees=False))
