"""Few agents: CR2 (Bell-McCaffrey) standard errors and a t(G - 1) reference below 40 agents.

References: Bell and McCaffrey (2002), Survey Methodology 28(2):169-181; Pustejovsky and Tipton
(2018), JBES 36(4):672-683, eq. (6): V_CR2 = B (sum_g X_g' W_g A_g e_g e_g' A_g W_g X_g) B with
A_g = (I - H_gg)^(-1/2) in the whitened (working-weight) regression. With every observation its
own cluster and unit weights CR2 is MacKinnon and White's HC2, which statsmodels' OLS computes
(``cov_type="HC2"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from calmline.analysis import aipw, logit
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population


def _with_history(df: pd.DataFrame) -> pd.DataFrame:
    """The contact-history covariates the design may ask for (none: every call a first contact)."""
    return df.assign(prior_upset_calls_90d=0, repeat_contact_30d=False)


def _logit_data(n=600, agents=8, seed=4):
    rng = np.random.default_rng(seed)
    g = rng.choice(agents, n, p=rng.dirichlet(np.full(agents, 2.0)))  # unequal agents
    u = rng.normal(0, 0.8, agents)[g]
    X = np.column_stack([np.ones(n), rng.random(n) < 0.3 + 0.05 * (g % 4), rng.normal(size=n)]).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.4 * X[:, 1] - 0.3 * X[:, 2] + u)))).astype(float)
    return X, y, g


def _cr2_by_definition(X, y, p, g):
    """CR2 from its definition with full n_g x n_g matrices (eigendecomposition of I - H_gg)."""
    W = p * (1 - p)
    Z = X * np.sqrt(W)[:, None]
    r = (y - p) / np.sqrt(W)
    bread = np.linalg.inv(Z.T @ Z)
    meat = np.zeros((X.shape[1],) * 2)
    for c in np.unique(g):
        Zg, rg = Z[g == c], r[g == c]
        lam, U = np.linalg.eigh(np.eye(len(rg)) - Zg @ bread @ Zg.T)
        A = U @ np.diag(1 / np.sqrt(lam)) @ U.T
        u = Zg.T @ A @ rg
        meat += np.outer(u, u)
    return bread @ meat @ bread


def test_cr2_matches_its_definition_on_a_logit():
    X, y, g = _logit_data()
    fit = logit.fit(X, y, g, ["intercept", "a", "x"])
    by_definition = _cr2_by_definition(X, y, logit.predict(fit.params, X), g)
    np.testing.assert_allclose(fit.cov, by_definition, rtol=1e-8)
    cr2, _ = logit.cluster_covariance(X, y, fit.params, g, kind="CR2")
    np.testing.assert_allclose(cr2, by_definition, rtol=1e-8)


def test_cr2_with_singleton_clusters_is_statsmodels_hc2():
    """OLS with each row its own cluster: CR2 = HC2 (statsmodels RegressionResults.cov_HC2)."""
    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(80), rng.normal(size=80), rng.random(80) < 0.4]).astype(float)
    y = X @ [1.0, 0.5, -0.3] + rng.normal(size=80) * (1 + X[:, 1] ** 2)
    ref = sm.OLS(y, X).fit(cov_type="HC2")
    bread = np.linalg.inv(X.T @ X)
    meat = logit.cr2_meat(X, y - X @ ref.params, np.ones(80), np.arange(80), bread)
    np.testing.assert_allclose(bread @ meat @ bread, ref.cov_params(), rtol=1e-10)


def test_cr2_of_a_mean_with_equal_clusters_is_the_variance_of_cluster_means_over_g():
    """By hand: intercept only, G clusters of m rows: H_gg = J / (G m), (I - H_gg)^(-1/2) scales each
    cluster's sum by (1 - 1/G)^(-1/2), so V = sum_g (m ebar_g)^2 G / (G - 1) / (G m)^2, the variance
    of the G cluster means divided by G. The AIPW standard error of a mean uses the same formula."""
    rng = np.random.default_rng(5)
    G, m = 6, 25
    g = np.repeat(np.arange(G), m)
    v = rng.normal(size=G)[g] + rng.normal(size=G * m)
    means = v.reshape(G, m).mean(axis=1)
    by_hand = means.var(ddof=1) / G
    X = np.ones((G * m, 1))
    meat = logit.cr2_meat(X, v - v.mean(), np.ones(G * m), g, np.array([[1 / (G * m)]]))
    assert meat[0, 0] / (G * m) ** 2 == pytest.approx(by_hand, rel=1e-12)
    assert aipw._cluster_se(v - v.mean(), g, small=True) ** 2 == pytest.approx(by_hand, rel=1e-12)


def test_few_agents_widen_the_interval_and_say_so():
    """12 agents: the logit and AIPW intervals use CR2 and t(11), wider than CR1 with the normal
    reference; the rows say so and keep the degrees of freedom."""
    df = _with_history(population(4000, seed=8, agents=12))
    effects, _, warnings = practice_effects(df, PRACTICES, "churned_90d")
    rows = effects[(effects.practice == "apologized") & (effects.scale == "risk_difference")
                   & (effects.effect == "total")].set_index("method")
    for method in ("logit", "aipw"):
        row = rows.loc[method]
        assert row.t_df == 11
        assert "t distribution with 11 degrees of freedom" in row.warning and "CR2" in row.warning
        width = row.ci_high - row.ci_low
        assert width == pytest.approx(2 * stats.t.ppf(0.975, 11) * row.std_error, rel=1e-9)
    assert any("only 12 agents" in w for w in warnings)
    # what CR1 with a normal reference would have said, from the same fit
    from calmline.analysis.design import agent_codes, build
    design = build(df, PRACTICES).varying()
    X, names = design.matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    groups = agent_codes(df["agent_id"])
    fit = logit.fit(X, y, groups, names)
    cr1, _ = logit.cluster_covariance(X, y, fit.params, groups, kind="CR1")
    j = names.index("apologized")
    _, se_cr1, _, _ = logit.ame(logit.LogitFit(fit.params, cr1, names), X, j)
    assert rows.loc["logit"].ci_high - rows.loc["logit"].ci_low > 1.08 * 2 * logit.Z95 * se_cr1


def test_forty_agents_or_more_keep_cr1_and_the_normal_reference():
    df = _with_history(population(4000, seed=8, agents=60))
    effects, _, warnings = practice_effects(df, PRACTICES, "churned_90d")
    fitted = effects[effects.method.isin(["logit", "aipw"])]
    assert fitted.t_df.isna().all()
    assert not fitted.warning.fillna("").str.contains("degrees of freedom").any()
    assert not any("agents" in w for w in warnings)


def test_t_reference_p_value():
    lo, hi, p = logit.wald(0.02, 0.01, df=9)
    assert p == pytest.approx(2 * stats.t.sf(2.0, 9))
    assert hi - lo == pytest.approx(2 * 0.01 * stats.t.ppf(0.975, 9))
    assert logit.wald(0.02, 0.01)[2] == pytest.approx(2 * stats.norm.sf(2.0))


def test_cr2_and_t_cover_better_than_cr1_and_normal_with_few_agents():
    """A seeded Monte Carlo: 8 agents whose own churn level varies and who differ in how often they
    use the practice. CR1 with a normal reference covers the true log-odds coefficient clearly less
    often than 95%; CR2 with t(7) comes closer to it."""
    rng = np.random.default_rng(11)
    hits = {"cr1": 0, "cr2": 0}
    reps = 200
    for _ in range(reps):
        g = np.repeat(np.arange(8), 60)
        a = (rng.random(480) < rng.uniform(0.1, 0.9, 8)[g]).astype(float)
        x = rng.normal(size=8)[g] + rng.normal(size=480)
        y = (rng.random(480) < 1 / (1 + np.exp(-(-0.3 + 0.5 * a + 0.3 * x + rng.normal(0, 0.5, 8)[g])))).astype(float)
        X = np.column_stack([np.ones(480), a, x])
        fit = logit.fit(X, y, g, ["intercept", "a", "x"])
        cr1, _ = logit.cluster_covariance(X, y, fit.params, g, kind="CR1")
        hits["cr1"] += abs(fit.params[1] - 0.5) <= logit.Z95 * np.sqrt(cr1[1, 1])
        hits["cr2"] += abs(fit.params[1] - 0.5) <= logit.t_quantile(fit.df) * np.sqrt(fit.cov[1, 1])
    assert hits["cr2"] > hits["cr1"] + 4
    assert hits["cr1"] / reps < 0.93 and hits["cr2"] / reps >= 0.92  # 183 and 191 of 200


def test_cox_with_few_agents_uses_the_t_reference_too():
    """Cox rows from 10 agents: the interval is exp(log_hr +- t_0.975(9) se), the p-value from t(9)."""
    from calmline.analysis.cox import fit_cox
    from tests.analysis.test_cox import calls

    out = fit_cox(calls(n=900, n_agents=10), ["apologized"]).iloc[0]
    t9 = stats.t.ppf(0.975, 9)
    assert out.ci_low == pytest.approx(np.exp(out.log_hr - t9 * out.se), rel=1e-9)
    assert out.ci_high == pytest.approx(np.exp(out.log_hr + t9 * out.se), rel=1e-9)
    assert out.p_value == pytest.approx(2 * stats.t.sf(abs(out.log_hr / out.se), 9), rel=1e-9)
    assert "t distribution with 9 degrees of freedom" in out.warning
    many = fit_cox(calls(n=900, n_agents=60), ["apologized"]).iloc[0]
    assert many.ci_high == pytest.approx(np.exp(many.log_hr + logit.Z95 * many.se), rel=1e-9)
