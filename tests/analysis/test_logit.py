"""The clustered logit: its covariance against statsmodels, and aggregated rows against row-level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from calmline.analysis import logit


def _data(n=20000, seed=1):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.integers(0, 2, (n, 3)).astype(float),
                         rng.integers(0, 3, n).astype(float)])
    groups = rng.integers(0, 30, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.array([-1, 0.5, -0.4, 0.2, 0.3]))))).astype(float)
    return X, y, groups


def test_cluster_covariance_matches_statsmodels():
    """Reference: statsmodels Logit(...).fit(cov_type='cluster', cov_kwds={'groups': g}), whose
    default small-sample correction is G/(G-1) (N-1)/(N-K), as Stata's vce(cluster)."""
    X, y, groups = _data()
    ours = logit.fit(X, y, groups, list("abcde"))
    ref = sm.Logit(y, X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-8)
    cr1, note = logit.cluster_covariance(X, y, ours.params, groups, kind="CR1")
    np.testing.assert_allclose(cr1, ref.cov_params(), rtol=1e-6)
    assert note is None
    # from 40 agents on, fit() itself gives CR1 with a normal reference
    many = np.random.default_rng(7).integers(0, 60, len(y))
    wide = logit.fit(X, y, many, list("abcde"))
    ref = sm.Logit(y, X).fit(disp=0, cov_type="cluster", cov_kwds={"groups": many})
    np.testing.assert_allclose(wide.cov, ref.cov_params(), rtol=1e-6)
    assert wide.df is None and wide.warning is None


def test_aggregated_fitting_equals_row_level_fitting():
    X, y, groups = _data(seed=2)
    names = list("abcde")
    rows = logit.fit(X, y, groups, names)
    frame = pd.DataFrame(X, columns=names).assign(y=y, g=groups)
    agg = frame.groupby([*names, "y", "g"], as_index=False).size()
    assert len(agg) < len(frame) / 5
    packed = logit.fit(agg[names].to_numpy(), agg["y"].to_numpy(), agg["g"].to_numpy(), names,
                       weights=agg["size"].to_numpy(dtype=float))
    np.testing.assert_allclose(packed.params, rows.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(packed.cov, rows.cov, rtol=1e-9, atol=1e-15)
    est_rows, se_rows, _, _ = logit.ame(rows, X, 1)
    est_agg, se_agg, _, _ = logit.ame(packed, agg[names].to_numpy(), 1, agg["size"].to_numpy(dtype=float))
    assert abs(est_rows - est_agg) < 1e-12 and abs(se_rows - se_agg) < 1e-12


def test_ame_equals_the_difference_of_mean_predictions():
    X, y, groups = _data(seed=3)
    fit = logit.fit(X, y, groups, list("abcde"))
    est, se, p1, p0 = logit.ame(fit, X, 2)
    X1, X0 = X.copy(), X.copy()
    X1[:, 2], X0[:, 2] = 1, 0
    assert abs(est - (logit.predict(fit.params, X1) - logit.predict(fit.params, X0)).mean()) < 1e-12
    assert 0 < se < abs(est)
