"""The Cox information's weighted cross-product is accumulated from column-major blocks
(``cox_engine._information``, dsyrk reading A'A): the same matrix as the row-major blocks it
replaced (kept here as the reference), on a Fortran-ordered matrix as the Cox step hands over and
on a row-major one, with a last block shorter than the others."""

from __future__ import annotations

import numpy as np
from scipy.linalg import blas

from calmline.analysis import cox, cox_engine


def _reference_cross(X, root):
    k = X.shape[1]
    upper = np.zeros((k, k), order="F")
    block = np.empty((min(cox_engine.CHUNK, len(root)), k))
    for a in range(0, len(root), cox_engine.CHUNK):
        rows = X[a:a + cox_engine.CHUNK]
        np.multiply(rows, root[a:a + cox_engine.CHUNK, None], out=block[:len(rows)])
        upper = blas.dsyrk(1.0, block[:len(rows)].T, beta=1.0, c=upper, trans=0, lower=0, overwrite_c=1)
    upper = np.triu(upper)
    return upper + np.triu(upper, 1).T


def _model(n, seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.random(n) < 0.4, rng.random(n) < 0.2, rng.normal(size=n), rng.random(n) < 0.7])
    X = X - X.mean(axis=0)
    t = rng.integers(1, 60, n).astype(float)
    e = (rng.random(n) < 0.3).astype(float)
    order = cox_engine.sort_order(t, e)
    return X[order], t[order], e[order]


def test_information_equals_the_row_major_blocks():
    for order in ("F", "C"):
        X, t, e = _model(3 * cox_engine.CHUNK + 517, seed=3)
        X = np.asarray(X, order=order)
        rs = cox_engine.risk_sets(t, e)
        ev = cox_engine.evaluate(X, e, rs, np.array([0.2, -0.3, 0.1, 0.05]))
        got = cox_engine.information(X, e, rs, ev)
        wt = ev["w"] * (np.repeat(ev["a1"].cumsum(), rs["sizes"]) - e * np.repeat(ev["f1"], rs["sizes"]))
        cross = _reference_cross(X, np.sqrt(np.maximum(wt, 0.0)))
        s1, d1 = ev["s1"], ev["d1"]
        mixed = s1.T @ (d1 * ev["f2"][:, None])
        want = cross - (s1.T @ (s1 * ev["a2"][:, None]) - mixed - mixed.T + d1.T @ (d1 * ev["ff2"][:, None]))
        want = (want + want.T) / 2
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
        assert np.linalg.eigvalsh(got)[0] > 0


def test_newton_reaches_the_same_fit():
    X, t, e = _model(2 * cox_engine.CHUNK + 11, seed=8)
    X = np.asfortranarray(X)
    fit = cox_engine.newton(X, e, cox_engine.risk_sets(t, e))
    assert fit["converged"] and fit["iterations"] < 10
    score = cox_engine.score(e @ X, fit["parts"])
    assert np.abs(score).max() < 1e-8


def _collinear_reference(X, columns, tol=1e-10):
    """cox._collinear's cross-product as session 13 made it (block' block of row-major blocks), screened
    by the same :func:`cox.dependent`."""
    mean = np.array([X[:, j].mean() for j in columns])
    cross = np.zeros((len(columns), len(columns)))
    for a in range(0, len(X), cox_engine.CHUNK):
        block = X[a:a + cox_engine.CHUNK, columns] - mean
        cross += block.T @ block
    return cox.dependent(cross, tol)


def test_collinear_screen_finds_the_same_columns():
    rng = np.random.default_rng(4)
    n = 2 * cox_engine.CHUNK + 300
    a, b, c = ((rng.random(n) < p).astype(float) for p in (0.3, 0.5, 0.6))
    noise = rng.normal(size=n)
    X = np.asfortranarray(np.column_stack([a, 1 - a, b, c, b + c, noise, 2 * noise + 1, a + 1e-3 * noise]).astype(float))
    for columns in (list(range(X.shape[1])), [0, 2, 3, 4, 7], [5, 6, 1]):
        got = cox._collinear(X, columns)
        assert got == _collinear_reference(X, columns)
    assert cox._collinear(X, list(range(X.shape[1]))) == [1, 4, 6, 7]  # 1 - a, b + c, 2 noise + 1, a + noise / 1000


def test_sort_order_equals_lexsort():
    rng = np.random.default_rng(6)
    n = 20_000
    cases = [(rng.integers(0, 400, n).astype(float), (rng.random(n) < 0.3).astype(float)),
             (rng.exponential(30, n), (rng.random(n) < 0.3).astype(float)),  # not whole days
             (rng.integers(0, 40_000, n).astype(float), (rng.random(n) < 0.3).astype(float)),  # past 2**15
             (np.zeros(5), np.array([0.0, 1.0, 0.0, 1.0, 1.0])), (np.empty(0), np.empty(0))]
    for t, e in cases:
        assert np.array_equal(cox_engine.sort_order(t, e), np.lexsort((-e, t)))
    t, e = cases[0]
    order = cox_engine.sort_order(t, e)
    assert (np.diff(t[order]) >= 0).all()
