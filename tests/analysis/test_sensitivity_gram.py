"""The linear sensitivity model's centred cross products by row blocks, reading a block's columns
without a copy when every column is kept, equal those of the whole stacked matrix (the reference
path, ``_Gram(column_stack)``), with every column kept or some left out, from an array and from
rows read a block at a time (``design.Rows``); and equal the blocks' copied kept columns exactly."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import sensitivity
from calmline.analysis.design import Rows, build
from tests.analysis import frames


@pytest.fixture
def data():
    df = frames.population(n=2300, agents=30, seed=5)
    X, _ = build(df, frames.PRACTICES).varying().matrix()
    return np.ascontiguousarray(X), df["churned_90d"].astype(float).to_numpy()


@pytest.mark.parametrize("every", [True, False])
def test_blocks_equal_the_whole_matrix(data, every, monkeypatch):
    X, y = data
    monkeypatch.setattr(sensitivity._Gram, "BLOCK_ROWS", 500)
    keep = list(range(X.shape[1])) if every else [j for j in range(X.shape[1]) if j % 4 != 1]
    whole = sensitivity._Gram(np.column_stack([X[:, keep], y])).G
    found = sensitivity._Gram.of_columns(X, keep, y)
    assert found.n == len(y)
    np.testing.assert_allclose(found.G, whole, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(found.G, found.G.T)  # symmetric, as the whole matrix's


def test_rows_read_by_blocks_equal_the_gathered_rows(data, monkeypatch):
    X, y = data
    monkeypatch.setattr(sensitivity._Gram, "BLOCK_ROWS", 450)
    picked = np.flatnonzero(np.arange(len(y)) % 5 != 0)
    columns = [0, 2, 1] + list(range(3, X.shape[1]))
    gathered = X[np.ix_(picked, columns)]
    keep = list(range(len(columns)))
    whole = sensitivity._Gram(np.column_stack([gathered, y[picked]])).G
    found = sensitivity._Gram.of_columns(Rows(X, picked, columns), keep, y[picked])
    np.testing.assert_allclose(found.G, whole, rtol=1e-12, atol=1e-9)



def _copied_columns(X, keep, y, size):
    """``_Gram.of_columns`` before the change: each block's kept columns copied out first."""
    n, k = len(y), len(keep) + 1
    blocks = range(0, n, size)
    mean = np.append(sum(X[a:a + size][:, keep].sum(axis=0) for a in blocks) / n, y.mean())
    buffer = np.empty((min(size, n), k))
    G = np.zeros((k, k))
    for a in blocks:
        rows = X[a:a + size]
        block = buffer[:len(rows)]
        block[:, :-1] = rows[:, keep]
        block[:, -1] = y[a:a + size]
        block -= mean
        G += block.T @ block
    return G


@pytest.mark.parametrize("every", [True, False])
def test_the_same_sums_as_copying_the_kept_columns_bit_for_bit(data, every, monkeypatch):
    """Reading all of a block's columns gives what copying them out (``rows[:, keep]``, the path
    before) gives, to the last bit: the fit's practice_sensitivity does not move."""
    X, y = data
    monkeypatch.setattr(sensitivity._Gram, "BLOCK_ROWS", 500)
    keep = list(range(X.shape[1])) if every else [j for j in range(X.shape[1]) if j % 3]
    np.testing.assert_array_equal(sensitivity._Gram.of_columns(X, keep, y).G, _copied_columns(X, keep, y, 500))
