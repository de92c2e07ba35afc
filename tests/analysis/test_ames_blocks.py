"""``logit.ames`` over blocks of rows (every column of a block at once, one read of X): the numbers
of ``logit.ame`` column by column, with several blocks and a partial last one, and a column the
fit's linear predictor is handed for."""

from __future__ import annotations

import numpy as np

from calmline.analysis import logit
from calmline.analysis.design import agent_codes, build
from tests.analysis.frames import PRACTICES, population


def test_blocks_give_the_column_by_column_numbers(monkeypatch):
    monkeypatch.setattr(logit, "AMES_ROWS", 700)  # 3000 rows: four full blocks and a partial one
    df = population(3000, seed=21)
    design = build(df, PRACTICES)
    X, names = design.matrix()
    fit = logit.fit(X, df["churned_90d"].astype(float).to_numpy(), agent_codes(df["agent_id"]), names)
    columns = [names.index(p) for p in reversed(PRACTICES)]  # any order of columns
    for linear in (None, X @ fit.params):
        estimates, ses = logit.ames(fit, X, columns, linear=linear)
        for i, j in enumerate(columns):
            est, se, _, _ = logit.ame(fit, X, j)
            assert abs(estimates[i] - est) <= 1e-13 and abs(ses[i] - se) <= 1e-12 * se
    assert (ses > 0).all() and len(set(np.round(estimates, 12))) == len(columns)
