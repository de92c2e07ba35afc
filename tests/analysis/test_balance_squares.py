"""Balance SMDs from the squares of the non-0/1 columns only (``aipw.squared``): the same numbers
as from the full matrix of squares the AIPW step held before (a 0/1 column is its own square), with
one squared column per continuous covariate instead of a copy of the covariates."""

from __future__ import annotations

import numpy as np

from calmline.analysis import aipw
from calmline.analysis.design import build
from tests.analysis.frames import PRACTICES, population


def test_smds_equal_those_from_the_full_squares():
    df = population(3000, seed=8)
    design = build(df, PRACTICES)
    cov = design.covariates
    a = design.practices[:, 0]
    e = np.clip(1 / (1 + np.exp(-(cov[:, 1] - 0.5))), 0.05, 0.95)
    kept = (e > 0.1) & (e < 0.9)
    others = design.practices[:, 1:]
    old = aipw.balance(cov, design.covariate_names, a, e, kept, cov * cov, practices=others,
                       practice_names=PRACTICES[1:])
    new = aipw.balance(cov, design.covariate_names, a, e, kept, aipw.squared(cov), practices=others,
                       practice_names=PRACTICES[1:])
    assert [r[0] for r in old] == [r[0] for r in new]
    np.testing.assert_allclose(np.array([r[1:] for r in new]), np.array([r[1:] for r in old]),
                               rtol=1e-12, atol=1e-14)
    squares = aipw.squared(cov)
    # only the continuous covariates are squared (wait, tenure, value): not the intercept or dummies
    assert sorted(design.covariate_names[j] for j in squares) == \
        ["log_tenure_years", "log_wait_min", "monthly_value_10"]


def test_skipping_a_practice_column_equals_deleting_it():
    """The practice's own column is left out by index (``skip``) instead of a copy of the others
    without it (``np.delete``, the path before): the same rows and numbers."""
    df = population(3000, seed=9)
    design = build(df, PRACTICES)
    cov = design.covariates
    e = np.clip(1 / (1 + np.exp(-(cov[:, 1] - 0.5))), 0.05, 0.95)
    kept = (e > 0.1) & (e < 0.9)
    for j, practice in enumerate(PRACTICES):
        a = design.practices[:, j]
        old = aipw.balance(cov, design.covariate_names, a, e, kept, cov * cov,
                           practices=np.delete(design.practices, j, axis=1),
                           practice_names=[p for p in PRACTICES if p != practice])
        new = aipw.balance(cov, design.covariate_names, a, e, kept, aipw.squared(cov),
                           practices=design.practices, practice_names=PRACTICES, skip=j)
        assert [r[0] for r in old] == [r[0] for r in new]
        np.testing.assert_allclose(np.array([r[1:] for r in new]), np.array([r[1:] for r in old]),
                                   rtol=1e-12, atol=1e-14)
