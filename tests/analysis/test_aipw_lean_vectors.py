"""AIPW and balance without whole-length vectors per practice (#12: the logit and AIPW step's memory):
each call's predictions with and without the practice made a block of rows at a time
(``aipw.Switched``), and balance's four weight columns made per block of a matrix read by blocks
(``aipw._smd_blocks``). Both must give the stored numbers of the whole-vector way exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import aipw, effects, gathered, logit
from calmline.analysis.design import build
from tests.analysis.frames import PRACTICES, population


def _whole(switched: aipw.Switched) -> tuple[np.ndarray, np.ndarray]:
    """p1 and p0 as the effects step made them before: over all calls at once."""
    lin = switched.linear - switched.column * switched.coefficient
    return logit.predict_linear(lin + switched.coefficient), logit.predict_linear(lin)


def test_switched_predictions_are_the_whole_vectors_bit_for_bit(monkeypatch):
    rng = np.random.default_rng(3)
    n = 5_001
    X = np.column_stack([rng.integers(0, 2, n), np.ones(n), rng.normal(size=n)]).astype(float)
    a, y = X[:, 0].copy(), (rng.random(n) < 0.3).astype(float)
    b = np.array([-0.7, -1.1, 0.4])
    switched = aipw.Switched(X @ b, a, b[0])
    p1, p0 = _whole(switched)
    got = [switched.rows(slice(s, s + 777)) for s in range(0, n, 777)]
    np.testing.assert_array_equal(np.concatenate([g[0] for g in got]), p1)
    np.testing.assert_array_equal(np.concatenate([g[1] for g in got]), p0)
    monkeypatch.setattr(aipw, "PSI_ROWS", 1_000)  # several blocks of the influence values
    groups = rng.integers(0, 30, n)
    prop = logit.fit(X, a, None, ["a", "one", "x"], covariance=False, exclude=0)
    want = aipw.estimate(X, ["a", "one", "x"], a, y, p1, p0, groups, exclude=0, propensity=prop)
    have = aipw.estimate(X, ["a", "one", "x"], a, y, switched, None, groups, exclude=0, propensity=prop)
    assert (have.estimate, have.se, have.n_trimmed, have.df) == (want.estimate, want.se, want.n_trimmed, want.df)
    np.testing.assert_array_equal(have.propensity, want.propensity)


@pytest.fixture()
def small_blocks(monkeypatch):
    """Blocks of a few hundred rows, so a small population spans many of them."""
    monkeypatch.setattr(gathered, "PRODUCT_ROWS", 300)
    monkeypatch.setattr(gathered, "GATHER_ROWS", 300)


def test_balance_by_blocks_equals_the_whole_weight_vectors(small_blocks, monkeypatch):
    monkeypatch.setattr(aipw, "PSI_ROWS", 700)  # the weights' totals over several blocks too
    df = population(3_000, seed=5)
    design = build(df, PRACTICES, compact=True)
    X, names = design.matrix()
    assert isinstance(X, gathered.Gathered)
    rng = np.random.default_rng(8)
    squares = aipw.squared(design.covariates)
    m = len(design.practice_names)
    sq = {m + j: v for j, v in squares.items() if j}
    assert sq  # the squares of the covariates that are not 0/1 are read too
    for j in range(m):
        a = design.practices[:, j]
        e = np.clip(rng.random(len(a)), 0.05, 0.95)
        kept = rng.random(len(a)) < 0.9
        w = np.where(a == 1, 1 / np.clip(e, 1e-9, None), 1 / np.clip(1 - e, 1e-9, None)) * kept
        want = aipw._smd(X, sq, names, (a == 1).astype(float), (a == 0).astype(float), w)
        assert aipw._smd_blocks(X, squares, m, names, a, e, kept) == want
        assert aipw._smd_blocks(X, aipw.squared(design.covariates, held=False), m, names, a, e, kept) == want
        rows = aipw.balance(design.covariates, design.covariate_names, a, e, kept, squares,
                            practices=design.practices, practice_names=design.practice_names, skip=j,
                            together=X)
        assert len(rows) == len(design.covariate_names) - 1 + m - 1


def _reference(monkeypatch):
    """The whole-vector way: p1 and p0 made over all calls, balance's weights as four vectors."""
    influence, smd = aipw._influence, aipw._smd

    def whole_influence(a, y, e, p1, p0, kept, n_kept):
        if isinstance(p1, aipw.Switched):
            p1, p0 = _whole(p1)
        return influence(a, y, e, p1, p0, kept, n_kept)

    def whole_smd(X, squares, m, names, a, e, kept):
        w = np.where(a == 1, 1 / np.clip(e, 1e-9, None), 1 / np.clip(1 - e, 1e-9, None)) * kept
        sq = {m + j: v for j, v in squares.items() if j}
        return smd(X, sq, names, (a == 1).astype(float), (a == 0).astype(float), w)

    monkeypatch.setattr(aipw, "_influence", whole_influence)
    monkeypatch.setattr(aipw, "_smd_blocks", whole_smd)


@pytest.mark.parametrize("compact", [True, False])
def test_practice_effects_store_the_whole_vector_numbers(monkeypatch, small_blocks, compact):
    df = population(2_500, seed=11)

    def run():
        design = build(df, PRACTICES, compact=compact)
        with logit.warm_start_rows(400):  # the chord steps, as at scale
            return effects.practice_effects(df, PRACTICES, "churned_90d", design)

    lean = run()
    with monkeypatch.context() as patch:
        _reference(patch)
        whole = run()
    assert lean[0]["estimate"].notna().sum() >= 3 * len(PRACTICES)
    assert len(lean[1])
    pd.testing.assert_frame_equal(lean[0], whole[0], check_exact=True)
    pd.testing.assert_frame_equal(lean[1], whole[1], check_exact=True)
    assert lean[2] == whole[2]


def test_predictions_made_in_place_are_predict_linear_bit_for_bit():
    rng = np.random.default_rng(9)
    for n in (1, 17, 5_000, 70_001):
        X = np.column_stack([np.ones(n), rng.normal(scale=3, size=n), rng.integers(0, 2, n)])
        params = np.array([-0.4, 1.7, -2.2])
        np.testing.assert_array_equal(logit.predict(params, X), logit.predict_linear(X @ params))
        read = gathered.Gathered(X, np.arange(0, n))
        np.testing.assert_array_equal(logit.predict(params, read),
                                      logit.predict_linear(gathered.product(read, params)))
