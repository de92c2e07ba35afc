"""Several practices' AMEs of one fit with their gradients from one product (``logit.ames``, used by
the heterogeneity cells): the numbers of ``logit.ame`` column by column (the path before, itself
checked against statsmodels' ``get_margeff`` in test_logit.py)."""

from __future__ import annotations

import numpy as np

from calmline.analysis import logit
from calmline.analysis.design import agent_codes, build
from tests.analysis.frames import PRACTICES, population


def test_ames_equal_ame_column_by_column():
    df = population(3000, seed=12)
    design = build(df, PRACTICES)
    X, names = design.matrix()
    fit = logit.fit(X, df["churned_90d"].astype(float).to_numpy(), agent_codes(df["agent_id"]), names)
    columns = [names.index(p) for p in PRACTICES]
    estimates, ses = logit.ames(fit, X, columns)
    for i, j in enumerate(columns):
        est, se, _, _ = logit.ame(fit, X, j)
        assert abs(estimates[i] - est) <= 1e-12 and abs(ses[i] - se) <= 1e-12 * max(1.0, se)
    assert (ses > 0).all()
