"""AIPW's propensity models of every practice fitted together (issue #12): ``logit.propensities``
takes the full-data chord steps of all of them with one ``X @ B`` and one ``X' R`` per step, and
must give each model's own fit. Reference: statsmodels ``Logit(a, np.delete(X, j, axis=1))
.fit(method="newton")`` and the one-at-a-time path (``logit.fit(..., covariance=False,
exclude=j)``), to 1e-8; the practice effects and balance rows equal the one-at-a-time run's.

The joint steps run above 2 x ``logit.WARM_START_ROWS`` rows (200,000 in the fit); the tests lower
that bound to 1,500 so that 4,000 generated calls take the same path cheaply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calmline.analysis import effects, logit
from calmline.analysis.design import build

from .frames import PRACTICES, population


@pytest.fixture
def sampled(monkeypatch):
    monkeypatch.setattr(logit, "WARM_START_ROWS", 1500)


@pytest.fixture(scope="module")
def frame():
    return population(4000, seed=21)


def _design(frame):
    design = build(frame, PRACTICES).varying()
    X, names = design.matrix()
    return X, names, [names.index(p) for p in PRACTICES]


def _one_at_a_time(X, A, columns, names):
    return [logit.fit(X, A[:, t], None, names, covariance=False, exclude=j) for t, j in enumerate(columns)]


def test_joint_fits_are_each_models_own(frame, sampled, monkeypatch):
    X, names, columns = _design(frame)
    alone = _one_at_a_time(X, X[:, columns], columns, names)
    chords = []
    monkeypatch.setattr(logit, "_chord", lambda *a, **k: chords.append(1))  # the single-model steps
    joint = logit.propensities(X, X[:, columns], columns, names)
    assert chords == [], "every model settled in the joint steps"
    for together, single, j in zip(joint, alone, columns):
        assert together.ok and together.params[j] == 0.0 and together.cov is None
        np.testing.assert_allclose(together.params, single.params, rtol=0, atol=1e-10)
        reference = sm.Logit(X[:, j], np.delete(X, j, axis=1)).fit(method="newton", disp=0, tol=1e-12).params
        np.testing.assert_allclose(np.delete(together.params, j), reference, rtol=0, atol=1e-8)


def test_a_model_the_joint_steps_cannot_take_is_fitted_alone(frame, sampled):
    """A practice used on every call and a quasi-separated one get fit()'s own answers."""
    X, names, columns = _design(frame)
    A = X[:, columns].copy()
    A[:, 1] = 1.0
    A[:, 2] = np.where(X[:, columns[0]] == 0, 0.0, A[:, 2])  # never without the first practice
    joint = logit.propensities(X, A, columns, names)
    alone = _one_at_a_time(X, A, columns, names)
    assert [f.warning for f in joint] == [f.warning for f in alone]
    assert joint[1].warning == "every call churned" and joint[2].warning == logit.NOT_CONVERGED
    np.testing.assert_allclose(joint[0].params, alone[0].params, rtol=0, atol=1e-10)


def test_practice_effects_are_the_one_at_a_time_runs(frame, sampled, monkeypatch):
    found, balance, warnings = effects.practice_effects(frame, PRACTICES, "churned_90d")
    monkeypatch.setattr(logit, "propensities", _one_at_a_time)
    old, old_balance, old_warnings = effects.practice_effects(frame, PRACTICES, "churned_90d")
    assert warnings == old_warnings
    for new, before in ((found, old), (balance, old_balance)):
        numbers = new.select_dtypes("number").columns
        np.testing.assert_allclose(new[numbers].to_numpy(float), before[numbers].to_numpy(float),
                                   rtol=0, atol=1e-8)
        text = [c for c in new.columns if c not in numbers]
        pd.testing.assert_frame_equal(new[text], before[text])
    assert (found["method"] == "aipw").sum() == len(PRACTICES) and found["estimate"].notna().all()
