"""Cluster sums by a column-compressed sparse product (``logit.by_cluster``, used by the clustered
covariance and the within-agent estimate): each cluster's sum of value x row equals a bincount of
each column exactly, for unsorted codes and a cluster with no rows; and the clustered covariance
still equals statsmodels' (``cov_type="cluster"``) to 1e-8."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

from calmline.analysis import logit


def test_sums_equal_a_bincount_of_each_column_bit_for_bit():
    rng = np.random.default_rng(41)
    n, k = 5_000, 7
    X = rng.normal(size=(n, k))
    codes = rng.integers(0, 30, n)
    codes[codes == 11] = 12  # cluster 11 has no rows: its sums are zero
    values = rng.normal(size=n)
    sums = logit.by_cluster(values, codes) @ X
    expected = np.column_stack([np.bincount(codes, weights=values * x, minlength=30) for x in X.T])
    assert sums.shape == (30, k)
    assert np.array_equal(sums, expected)
    assert not sums[11].any()


def test_the_clustered_covariance_is_statsmodels():
    rng = np.random.default_rng(42)
    n = 4_000
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 3)), rng.integers(0, 2, n)])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.array([-0.5, 0.4, -0.2, 0.1, 0.6]))))).astype(float)
    groups = rng.integers(0, 60, n)
    ref = sm.Logit(y, X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})
    cov, note = logit.cluster_covariance(X, y, np.asarray(ref.params), groups)
    assert note is None
    np.testing.assert_allclose(cov, np.asarray(ref.cov_params()), rtol=1e-8, atol=1e-14)


def test_one_pass_parts_equal_the_three_passes(monkeypatch):
    """The CR1 covariance's X'WX and cluster scores from one pass over X's row blocks (several
    blocks, a partial last one, frequency weights) equal predictions, weighted_gram and the
    sparse cluster product computed apart."""
    monkeypatch.setattr(logit, "CHUNK_ROWS", 700)
    rng = np.random.default_rng(43)
    n = 3_000
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 4))])
    y = (rng.random(n) < 0.3).astype(float)
    params = rng.normal(scale=0.3, size=5)
    w = rng.integers(1, 4, n).astype(float)
    codes = rng.integers(0, 50, n)
    gram, sums = logit._cr1_parts(X, y, params, w, codes)
    p = logit.predict(params, X)
    np.testing.assert_allclose(gram, logit.weighted_gram(X, w * p * (1 - p)), rtol=1e-12)
    np.testing.assert_allclose(sums, logit.by_cluster(w * (y - p), codes) @ X, rtol=1e-12, atol=1e-12)
