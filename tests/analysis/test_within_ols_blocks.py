"""The within-agent model's demeaned cross products by reused row blocks and one ``syrk`` (X'X and
X'y together) equal statsmodels' clustered OLS on the whole demeaned matrix (the reference path),
for an array, for rows read a block at a time (``design.Rows``) and with a column constant within
every agent (the residuals' pass then reads only the kept columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import within_agent
from calmline.analysis.design import Rows, build
from tests.analysis import frames


def _reference(X, y, codes):
    return within_agent._within_ols_statsmodels(X, y, codes)


def _check(found, expected):
    keep, params, bse, ci, p = found
    keep0, params0, bse0, ci0, p0 = expected
    assert list(keep) == list(keep0)
    np.testing.assert_allclose(params, params0, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(bse, bse0, rtol=1e-10)
    np.testing.assert_allclose(ci, ci0, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(p, p0, rtol=1e-8, atol=1e-14)


@pytest.fixture
def data():
    df = frames.population(n=2600, agents=45, seed=12)
    X, names = build(df, frames.PRACTICES).varying().matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    codes = pd.factorize(df["agent_id"], use_na_sentinel=False)[0]
    return np.ascontiguousarray(X), names, y, codes


def test_blocks_equal_the_whole_demeaned_fit(data, monkeypatch):
    X, _, y, codes = data
    monkeypatch.setattr(within_agent, "GRAM_ROWS", 500)  # several blocks, the last one partial
    _check(within_agent._within_ols(X, y, codes), _reference(X, y, codes))


def test_rows_read_by_blocks_equal_the_gathered_rows(data, monkeypatch):
    X, _, y, codes = data
    monkeypatch.setattr(within_agent, "GRAM_ROWS", 700)
    monkeypatch.setattr(within_agent, "BLOCK_ROWS", 900)
    picked = np.flatnonzero(np.arange(len(y)) % 7 != 3)
    columns = list(range(X.shape[1]))[::-1]
    rows = Rows(X, picked, columns)
    gathered = X[np.ix_(picked, columns)]
    _check(within_agent._within_ols(rows, y[picked], codes[picked]),
           _reference(gathered, y[picked], codes[picked]))


def test_a_column_constant_within_every_agent_is_left_out(data, monkeypatch):
    X, _, y, codes = data
    monkeypatch.setattr(within_agent, "GRAM_ROWS", 600)
    agent_level = (codes % 3 == 0).astype(float)  # the same on every call of an agent
    wider = np.column_stack([X[:, :4], agent_level, X[:, 4:]])
    found = within_agent._within_ols(wider, y, codes)
    assert 4 not in set(found[0])
    _check(found, _reference(wider, y, codes))
