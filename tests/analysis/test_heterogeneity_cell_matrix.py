"""A heterogeneity cell's matrix from one gathered pass that writes every column and squeezes out the
constant ones in place (``dose._cell_matrix``) equals ``dose._factor_matrix`` on the cell's rows
(the reference path: the columns' ranges from their own pass first), bit for bit, names included:
on a whole design, on a ``dropping()`` view and with several row blocks; and the heterogeneity
table is the same as with the reference path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import dose
from calmline.analysis.design import build
from tests.analysis import frames

PRACTICES = frames.PRACTICES + ["followed_up"]


def _population() -> pd.DataFrame:
    df = frames.population(n=6_000, agents=40, seed=31)
    df["followed_up"] = df["days_to_followup"].notna()
    df.loc[(df["anger_level"] == 5).to_numpy(), "thanked"] = True  # a practice constant in one cell
    df.loc[(df["issue_type"] == "outage").to_numpy(), "plan"] = "basic"  # a covariate constant in one
    return df


def _reference(full, at, out):
    mask = np.zeros(len(full.covariates), bool)
    mask[at] = True
    X, names = dose._factor_matrix(full, mask, [], [], [], [])
    return X.copy(), names


@pytest.mark.parametrize("view", [False, True])
def test_every_cell_matrix_equals_the_factor_matrix(view, monkeypatch):
    monkeypatch.setattr(dose, "BLOCK_ROWS", 700)  # several blocks, the last one partial
    df = _population()
    full = build(df, PRACTICES)
    if view:
        full = full.dropping(["followed_up"])
    width = full.practices.shape[1] + full.covariates.shape[1]
    squeezed = 0
    for dimension in dose.CELL_DIMENSIONS:
        codes, _ = pd.factorize(df[dimension])
        for k in range(codes.max() + 1):
            at = np.flatnonzero(codes == k)
            buffer = np.full(len(df) * width, np.nan)
            X, names = dose._cell_matrix(full, at, buffer)
            X0, names0 = _reference(full, at, None)
            assert names == names0
            np.testing.assert_array_equal(X, X0)
            squeezed += X.shape[1] < width
    assert squeezed  # the in-place squeeze was exercised


def test_heterogeneity_table_is_the_reference_paths(monkeypatch):
    df = _population()
    landmark = np.random.default_rng(2).random(len(df)) < 0.85
    now = dose.heterogeneity(df, PRACTICES, "churned_90d", after_call=["followed_up"], landmark=landmark)
    monkeypatch.setattr(dose, "_cell_matrix", _reference)
    before = dose.heterogeneity(df, PRACTICES, "churned_90d", after_call=["followed_up"], landmark=landmark)
    assert now["estimate"].notna().sum() >= 15  # most cells estimated: the matrices are used
    pd.testing.assert_frame_equal(now, before, check_exact=True)
