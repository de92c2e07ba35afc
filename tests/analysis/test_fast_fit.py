"""The fit's own Newton logit (issue #12) gives statsmodels' numbers.

`calmline fit` fits its logits with :func:`calmline.analysis.logit.newton` (X' W X accumulated
in row blocks, propensity models without copying the design); statsmodels' ``Logit`` and
``GLM(freq_weights=...)`` remain the reference, and the fallback for what Newton declines.
Every comparison is to 1e-8: the method is unchanged, only the arithmetic is faster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calmline.analysis import effects, logit
from calmline.analysis.design import agent_codes, build

from .frames import PRACTICES, population


@pytest.fixture(scope="module")
def frame():
    return population(3000, seed=7)


@pytest.fixture(scope="module")
def model(frame):
    design = build(frame, PRACTICES).varying()
    X, names = design.matrix()
    return X, frame["churned_90d"].astype(float).to_numpy(), agent_codes(frame["agent_id"]), names


def test_newton_finds_statsmodels_maximum(model):
    """Reference: statsmodels ``Logit(y, X).fit(method="newton")`` on the same rows."""
    X, y, _, _ = model
    reference = sm.Logit(y, X).fit(method="newton", disp=0, tol=1e-12).params
    np.testing.assert_allclose(logit.newton(X, y), reference, rtol=0, atol=1e-8)


def test_weighted_newton_equals_glm_with_frequency_weights(model):
    """Reference: statsmodels ``GLM(Binomial, freq_weights=w)``; and the weighted fit equals
    the row-level fit with each row repeated w times."""
    X, y, _, _ = model
    w = np.random.default_rng(3).integers(1, 4, len(y)).astype(float)
    glm = sm.GLM(y, X, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-12).params
    fast = logit.newton(X, y, w)
    np.testing.assert_allclose(fast, glm, rtol=0, atol=1e-8)
    repeated = np.repeat(np.arange(len(y)), w.astype(int))
    np.testing.assert_allclose(logit.newton(X[repeated], y[repeated]), fast, rtol=0, atol=1e-8)


def test_excluding_a_column_equals_deleting_it(model):
    """A propensity model fitted on the outcome design with the practice's column excluded is
    the model on the design without that column (statsmodels on ``np.delete``)."""
    X, _, groups, names = model
    j = names.index("apologized")
    a = X[:, j]
    fit = logit.fit(X, a, groups, names, covariance=False, exclude=j)
    reference = sm.Logit(a, np.delete(X, j, axis=1)).fit(method="newton", disp=0, tol=1e-12).params
    assert fit.params[j] == 0.0
    np.testing.assert_allclose(np.delete(fit.params, j), reference, rtol=0, atol=1e-8)


def test_weighted_gram_is_the_plain_product(model, monkeypatch):
    X, _, _, _ = model
    v = np.random.default_rng(5).random(len(X))
    monkeypatch.setattr(logit, "CHUNK_ROWS", 700)  # several blocks and a ragged last one
    np.testing.assert_allclose(logit.weighted_gram(X, v), (X * v[:, None]).T @ X, rtol=1e-12, atol=1e-9)


def test_warm_started_fit_reaches_the_same_maximum(model, monkeypatch):
    """Above 2 x WARM_START_ROWS rows Newton starts from a sample's fit: same coefficients
    and clustered covariance as from zero."""
    X, y, groups, names = model
    cold = logit.fit(X, y, groups, names)
    monkeypatch.setattr(logit, "WARM_START_ROWS", 1000)
    warm = logit.fit(X, y, groups, names)
    np.testing.assert_allclose(warm.params, cold.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose(warm.cov, cold.cov, rtol=1e-8, atol=1e-12)


def test_practice_effects_match_the_statsmodels_path(frame, monkeypatch):
    """Every number of the effects table (naive, logit odds ratio, AME and direct effect, AIPW)
    and of the balance table is the same with the fast Newton as with statsmodels' fits (Newton
    declining every model sends each to statsmodels, the path before issue #12)."""
    fast, fast_balance, fast_warnings = effects.practice_effects(frame, PRACTICES, "churned_90d")
    monkeypatch.setattr(logit, "newton", lambda *args, **kwargs: None)
    slow, slow_balance, slow_warnings = effects.practice_effects(frame, PRACTICES, "churned_90d")
    assert fast["estimate"].notna().sum() >= 3 * len(PRACTICES)
    numbers = ["estimate", "ci_low", "ci_high", "p_value", "std_error", "n_calls", "n_analysed", "n_trimmed"]
    pd.testing.assert_frame_equal(fast.drop(columns=numbers), slow.drop(columns=numbers))
    np.testing.assert_allclose(fast[numbers].astype(float).to_numpy(), slow[numbers].astype(float).to_numpy(),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fast_balance[["smd_before", "smd_after"]].to_numpy(),
                               slow_balance[["smd_before", "smd_after"]].to_numpy(), rtol=1e-8, atol=1e-10)
    assert fast_warnings == slow_warnings


def test_separation_still_gets_statsmodels_words():
    """Newton declines a separated model; statsmodels' fit then says why, as before."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    X = np.column_stack([np.ones(400), x])
    y = (x > 0).astype(float)
    assert logit.newton(X, y) is None
    fit = logit.fit(X, y, np.arange(400) % 20, ["intercept", "x"])
    assert not fit.ok and "separat" in fit.warning


def test_chord_steps_with_a_sample_hessian_reach_the_maximum(model):
    """Steps with a sample's X' W X and the full gradient (how fits above 2 x WARM_START_ROWS
    run) end at statsmodels' maximum; a Hessian far off (steps that do not contract) falls back
    to exact Newton steps and still does."""
    X, y, _, _ = model
    reference = sm.Logit(y, X).fit(method="newton", disp=0, tol=1e-12).params
    rows = np.sort(np.random.default_rng(1).choice(len(y), 1500, replace=False))
    start = logit.newton(X[rows], y[rows], tol=1e-4)
    p = logit.predict(start, X[rows])
    sample_hessian = logit.weighted_gram(X[rows], p * (1 - p)) * (len(y) / len(rows))
    free = np.ones(X.shape[1], bool)
    chord = logit._chord(X, y, None, start, sample_hessian, free)
    assert chord is not None
    np.testing.assert_allclose(chord, reference, rtol=0, atol=1e-8)
    far_off = np.eye(X.shape[1]) * 1e-3
    assert logit._chord(X, y, None, start, far_off, free) is None
    np.testing.assert_allclose(logit.newton(X, y, start=start, hessian=far_off), reference, rtol=0, atol=1e-8)
