"""Balance of the AIPW weights on the co-practices as well as the covariates (#15.8)."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import aipw


def test_co_practices_get_standardised_mean_differences_after_the_covariates():
    """By hand: a co-practice used on 3 of 4 calls with the practice and 1 of 4 without; means 0.75
    and 0.25, variances 0.1875 each (population form, as for the covariates), SMD before
    0.5 / sqrt(0.1875) = 1.1547. Weights 1/e and 1/(1 - e) with e = 0.5 leave it as it is."""
    a = np.array([1, 1, 1, 1, 0, 0, 0, 0], float)
    co = np.array([1, 1, 1, 0, 1, 0, 0, 0], float)[:, None]
    cov = np.column_stack([np.ones(8), [1, 2, 3, 4, 1, 2, 3, 4]])
    e, kept = np.full(8, 0.5), np.ones(8, bool)
    rows = aipw.balance(cov, ["intercept", "x"], a, e, kept, practices=co, practice_names=["thanked"])
    assert [r[0] for r in rows] == ["x", "thanked"]
    assert rows[0][1:] == (0.0, 0.0)
    assert rows[1][1] == pytest.approx(0.5 / np.sqrt(0.1875))
    assert rows[1][2] == pytest.approx(rows[1][1])
    # without co-practices, the covariates only, as before
    assert aipw.balance(cov, ["intercept", "x"], a, e, kept) == rows[:1]


def test_weighting_balances_a_co_practice_that_drives_the_practice():
    """A co-practice that makes the practice likelier is unbalanced before weighting and balanced
    after weighting by the true propensity."""
    rng = np.random.default_rng(0)
    n = 20000
    co = (rng.random(n) < 0.5).astype(float)
    e = np.where(co == 1, 0.8, 0.3)
    a = (rng.random(n) < e).astype(float)
    rows = aipw.balance(np.ones((n, 1)), ["intercept"], a, e, np.ones(n, bool), practices=co[:, None],
                        practice_names=["empathized"])
    (_, before, after), = rows
    assert before > 0.5 and abs(after) < 0.05
