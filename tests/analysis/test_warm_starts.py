"""Warm starts change how many Newton steps a logit takes, not where it ends: a fit started from a
related model's coefficients equals the fit from zero (statsmodels' maximum) to 1e-8, and the
heterogeneity cells (each level started from the previous level's fit, one linear predictor shared
by every practice's AME) equal those of independent fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from calmline.analysis import dose, logit
from calmline.analysis.design import agent_codes, build
from tests.analysis import frames


def test_a_started_fit_reaches_statsmodels_maximum():
    df = frames.population(n=3000, agents=40, seed=17)
    X, names = build(df, frames.PRACTICES).varying().matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    groups = agent_codes(df["agent_id"])
    reference = np.asarray(sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12).params)
    far = np.linspace(-1.5, 1.5, X.shape[1])  # a poor start still ends at the maximum
    for start in (None, reference + 0.3, far):
        fitted = logit.fit(X, y, groups, names, start=start)
        assert np.allclose(fitted.params, reference, rtol=0, atol=1e-8)
    plain = logit.fit(X, y, groups, names)
    started = logit.fit(X, y, groups, names, start=reference + 0.3)
    assert np.allclose(started.cov, plain.cov, rtol=1e-8, atol=1e-14)


def test_heterogeneity_with_warm_starts_equals_independent_fits(monkeypatch):
    df = frames.population(n=4000, agents=40, seed=9)
    now = dose.heterogeneity(df, frames.PRACTICES, "churned_90d", min_calls=300)
    real = logit.fit
    monkeypatch.setattr(logit, "fit", lambda *a, start=None, **k: real(*a, **k))  # every fit from zero
    monkeypatch.setattr(logit, "ame", lambda fit, X, j, w=None, *, linear=None: _ame(fit, X, j))
    before = dose.heterogeneity(df, frames.PRACTICES, "churned_90d", min_calls=300)
    assert now["estimate"].notna().sum() >= 12
    pd.testing.assert_frame_equal(now, before, check_exact=False, rtol=1e-8, atol=1e-10)


_ame = logit.ame


def test_the_statsmodels_fallback_takes_statsmodels_steps():
    """The fallback's Hessian by blocks equals statsmodels' Logit.hessian, and the fallback ends where
    statsmodels' own Newton ends (converged or not), on a well-posed and on a quasi-separated model."""
    rng = np.random.default_rng(2)
    n = 2000
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5]).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * X[:, 1])))).astype(float)
    params = np.array([0.2, 0.5, -0.3])
    assert np.allclose(logit._Logit(y, X).hessian(params), sm.Logit(y, X).hessian(params), rtol=1e-12)
    for yy in (y, np.where(X[:, 2] == 1, 1.0, y)):  # the second: churn whenever column 2 is 1
        ours, converged, why = logit._statsmodels_fit(X, yy, None)
        res = sm.Logit(yy, X, check_rank=False).fit(method="newton", maxiter=100, disp=0,
                                                    start_params=logit._warm_start(X, yy)[0])
        assert why is None and converged == res.mle_retvals["converged"]
        assert np.allclose(ours, res.params, rtol=1e-8, atol=1e-8)
