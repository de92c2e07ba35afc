"""Arguments for ``aipw.balance`` on a synthetic population, one call per practice, for the tests
that compare its ways of summing (one product over the model's matrix, one shared weights array)."""

from __future__ import annotations

import numpy as np

from calmline.analysis import aipw
from calmline.analysis.design import build
from tests.analysis.frames import PRACTICES, population


def balance_cases(n: int, seed: int, draws: int):
    """The design's matrix, then for each practice ``(args, kwargs)`` of ``aipw.balance``: its
    column as the treatment, random propensities and kept calls (seeded by ``draws``)."""
    df = population(n, seed=seed)
    design = build(df, PRACTICES)
    X, _ = design.matrix()
    rng = np.random.default_rng(draws)
    squares = aipw.squared(design.covariates)
    assert squares  # the continuous covariates' squares are used
    cases = []
    for j in range(len(PRACTICES)):
        a = design.practices[:, j]
        e = np.clip(rng.random(len(a)), 0.05, 0.95)
        kept = rng.random(len(a)) < 0.95
        cases.append(((design.covariates, design.covariate_names, a, e, kept, squares),
                      dict(practices=design.practices, practice_names=design.practice_names, skip=j)))
    return design, X, cases


def balance_rows(design) -> int:
    """Rows ``aipw.balance`` gives for one practice: every covariate but the intercept and every
    other practice."""
    return len(design.covariate_names) - 1 + len(PRACTICES) - 1
