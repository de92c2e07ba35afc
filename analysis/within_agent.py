"""Within-agent estimates: each practice's effect among calls taken by the same agent.

The main estimates compare calls in the same situation; they would still mislead if good
agents both use every practice and keep customers for reasons nobody recorded (their tone,
their product knowledge). Comparing each agent's calls with and without a practice removes
everything constant about the agent. The model is a linear probability model of churn on
the practices and the pre-call covariates with a fixed effect per agent, fitted by
demeaning every column within agent (the within transformation; Frisch-Waugh-Lovell gives
exactly the coefficients of the regression with one dummy per agent) and ordinary least
squares in statsmodels, standard errors clustered by agent with a t reference on G - 1
degrees of freedom (G agents). Being linear, it needs no iterations and converges with
hundreds of sparse agents, where a logit with agent dummies would not (incidental
parameters); its coefficient is a risk difference, on the scale of the main estimates.

Disagreement rule (:func:`disagrees`): the main estimate lies outside the within-agent 95%
interval, i.e. comparing an agent's own calls rules out the effect the main model reports.

This module imports nothing of calmline's but its warning filters (:mod:`calmline.analysis.warnings_guard`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import sparse
from scipy.sparse import _sparsetools

from calmline.analysis import warnings_guard

COLUMNS = ["practice", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "n_agents", "warning"]
"""What :func:`within_agent` returns (estimates in probability units)."""


def demean(X: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each column of ``X`` minus its mean within the group ``codes`` (0..G-1) of its row."""
    g = int(codes.max()) + 1 if len(codes) else 0
    members = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(g, len(codes)))
    counts = np.asarray(members.sum(axis=1)).ravel()
    means = np.asarray(members @ X) / np.where(counts > 0, counts, 1)[:, None]
    return X - means[codes]


def within_agent(X: np.ndarray, names: list[str], y: np.ndarray, agents, targets: list[str]
                 ) -> pd.DataFrame:
    """Agent fixed-effects (within) estimate of each target practice's effect on ``y``.

    Parameters
    ----------
    X : (n, k) array
        Practices and covariates (an intercept, and anything constant within every agent,
        is absorbed by the fixed effects and dropped); or an object whose ``block(start, stop)``
        gives its rows a block at a time (:class:`calmline.analysis.design.Rows`).
    names : list of str
        Column names of ``X``.
    y : (n,) array of 0/1
        Churn within the horizon.
    agents : (n,) array-like
        The agent of each call.
    targets : list of str
        Practice columns to report.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, one row per target: the change in the churn probability when
        the same agent uses the practice, everything else in the model as it was; its
        standard error and 95% interval (clustered by agent, t with G - 1 degrees of freedom);
        n calls and n agents with at least two calls. No numbers, and a warning, when the
        practice never varies within an agent or there are fewer than two agents.
    """
    codes = pd.factorize(pd.Series(agents), use_na_sentinel=False)[0]
    n_agents = int(np.sum(np.bincount(codes) >= 2)) if len(codes) else 0
    base = {"n": len(y), "n_agents": n_agents}
    if n_agents < 2:
        why = "fewer than two agents with two or more calls: no within-agent comparison"
        return pd.DataFrame([dict(base, practice=t, warning=why) for t in targets], columns=COLUMNS)
    blocks = hasattr(X, "block")  # rows read a block at a time (a landmark's, not gathered)
    fitted = _within_ols(X if blocks else np.asarray(X, dtype=float), np.asarray(y, dtype=float), codes)
    if fitted is None:  # collinear within agents: statsmodels' pseudo-inverse decides
        fitted = _within_ols_statsmodels(X.gathered() if blocks else np.asarray(X, dtype=float),
                                         np.asarray(y, dtype=float), codes)
    keep, params, bse, ci, pvalues = fitted
    position = {int(j): i for i, j in enumerate(keep)}
    rows = []
    for name in targets:
        i = position.get(names.index(name))
        if i is None:
            rows.append(dict(base, practice=name, warning="the practice never varies within an agent: "
                                                           "no within-agent comparison"))
            continue
        if not (np.isfinite(bse[i]) and bse[i] > 0):
            rows.append(dict(base, practice=name, warning="the standard error is zero or not finite: "
                                                           "no within-agent estimate shown"))
            continue
        rows.append(dict(base, practice=name, estimate=float(params[i]), se=float(bse[i]),
                         ci_low=float(ci[i, 0]), ci_high=float(ci[i, 1]), p_value=float(pvalues[i]),
                         warning=None))
    return pd.DataFrame(rows, columns=COLUMNS)


BLOCK_ROWS = 65_536
"""Rows demeaned at a time: the within transformation is never held for all rows at once."""


def _group_means(X: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per group (0..G-1), the mean of each column of ``X``.

    The sums are one sparse product (groups x rows, its entries ones) with X, which reads X's
    rows in order, instead of a ``bincount`` per column reading it column by column (strided):
    each group's rows added in the same order, so the same sums bit for bit."""
    g = int(codes.max()) + 1
    counts = np.bincount(codes, minlength=g)
    if isinstance(X, np.ndarray) and X.flags.c_contiguous:
        sums = _by_group(np.ones(len(codes)), codes, g) @ X
    else:
        # rows read a block at a time, or a view whose rows are not side by side (the design's
        # total columns), which the product would copy whole first: the same sums, each block's
        # rows added in order into the running ones (the product's own loop, csc_matvecs)
        sums = np.zeros((g, X.shape[1]))
        for a in range(0, len(codes), BLOCK_ROWS):
            block = np.ascontiguousarray(_rows(X, a, a + BLOCK_ROWS), dtype=float)
            c = codes[a:a + BLOCK_ROWS]
            _sparsetools.csc_matvecs(g, len(c), X.shape[1], np.arange(len(c) + 1, dtype=c.dtype), c,
                                     np.ones(len(c)), block.ravel(), sums.ravel())
    return sums / np.where(counts > 0, counts, 1)[:, None]


def _rows(X, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of an array, or of rows read a block at a time (``X.block``)."""
    return X.block(start, stop) if hasattr(X, "block") else X[start:stop]


def _by_group(values: np.ndarray, codes: np.ndarray, g: int) -> sparse.csc_matrix:
    """The (g, n) sparse matrix with ``values[i]`` at (codes[i], i): its product with an (n, k)
    array sums each group's rows, times their values, in row order (as ``bincount`` does).
    Column-compressed, one entry per row in row order: the product reads the array's rows in
    order (see :func:`calmline.analysis.logit.by_cluster`)."""
    return sparse.csc_matrix((values, codes, np.arange(len(codes) + 1)), shape=(g, len(codes)))


def _within_ols(X: np.ndarray, y: np.ndarray, codes: np.ndarray):
    """OLS of ``y`` on ``X``, both demeaned within ``codes``, with statsmodels' cluster covariance.

    The same estimates as ``sm.OLS(yw, Xw).fit(cov_type="cluster", use_t=True)`` on the demeaned
    columns that vary (coefficients from the normal equations by Cholesky instead of a
    pseudo-inverse; CR1 scaled by G/(G-1) (N-1)/(N-K); t with G - 1 degrees of freedom), the
    demeaned rows made a block at a time instead of a second n x k matrix. None when the
    demeaned columns are collinear (the caller then asks statsmodels).

    Each block's demeaned rows and outcome are written side by side into one reused buffer
    (:data:`GRAM_ROWS` rows, in cache), whose symmetric rank-k update (BLAS ``syrk``: half the
    arithmetic of ``xw.T @ xw``) gives X'X and X'y together; the residuals' pass reads the
    kept columns without a copy when every column is kept. The same sums in another order
    (``tests/analysis/test_within_ols_blocks.py``: within 1e-12 of the column-by-column path).

    Returns
    -------
    keep, params, bse, ci, pvalues
        The columns of ``X`` in the model, and per kept column its coefficient, standard error,
        95% interval (k x 2) and p-value.
    """
    from scipy import linalg, stats
    from scipy.linalg import blas

    n = len(y)
    means = _group_means(X, codes)
    y_means = _group_means(y[:, None], codes)[:, 0]
    k = X.shape[1]
    upper = np.zeros((k + 1, k + 1), order="F")
    high, low = np.full(k, -np.inf), np.full(k, np.inf)
    buffer = np.empty((min(GRAM_ROWS, n), k + 1))
    for a in range(0, n, GRAM_ROWS):
        c = codes[a:a + GRAM_ROWS]
        block = buffer[:len(c)]
        xw = block[:, :k]
        np.subtract(_rows(X, a, a + GRAM_ROWS), means.take(c, axis=0), out=xw)
        np.subtract(y[a:a + GRAM_ROWS], y_means.take(c), out=block[:, k])
        upper = blas.dsyrk(1.0, block.T, beta=1.0, c=upper, trans=0, lower=0, overwrite_c=1)
        np.maximum(high, xw.max(axis=0), out=high)
        np.minimum(low, xw.min(axis=0), out=low)
    full = np.triu(upper) + np.triu(upper, 1).T
    gram, xty = full[:k, :k], full[:k, k]
    keep = np.flatnonzero(np.maximum(high, -low) > 1e-9)
    every = len(keep) == k
    try:
        factor = linalg.cho_factor(gram[np.ix_(keep, keep)], check_finite=True)
        bread = linalg.cho_solve(factor, np.eye(len(keep)))
    except (linalg.LinAlgError, ValueError):
        return None
    params = bread @ xty[keep]
    # the demeaned columns are collinear if the Cholesky barely held: then statsmodels decides
    if not np.all(np.isfinite(params)) or np.linalg.cond(gram[np.ix_(keep, keep)]) > 1e12:
        return None
    g = int(codes.max()) + 1
    sums = np.zeros((g, len(keep)))
    kept_means = means if every else means[:, keep]
    buffer = np.empty((min(GRAM_ROWS, n), len(keep)))
    for a in range(0, n, GRAM_ROWS):
        c = codes[a:a + GRAM_ROWS]
        rows = _rows(X, a, a + GRAM_ROWS)
        xw = np.subtract(rows if every else rows[:, keep], kept_means.take(c, axis=0), out=buffer[:len(c)])
        resid = (y[a:a + GRAM_ROWS] - y_means.take(c)) - xw @ params
        sums += _by_group(resid, c, g) @ xw  # each agent's sum of resid * xw, rows in order
    n_groups = int(np.count_nonzero(np.bincount(codes)))
    cov = bread @ (sums.T @ sums) @ bread
    cov *= n_groups / (n_groups - 1) * (n - 1) / (n - len(keep))
    bse = np.sqrt(np.diag(cov))
    dist = stats.t(n_groups - 1)
    half = dist.ppf(0.975) * bse
    with np.errstate(divide="ignore", invalid="ignore"):
        pvalues = 2 * dist.sf(np.abs(params / bse))
    return keep, params, bse, np.column_stack([params - half, params + half]), pvalues


GRAM_ROWS = 8_192
"""Rows per block of :func:`_within_ols`' passes: a block's demeaned rows (3 MB at 45 columns) stay in
cache while they are summed."""


def _within_ols_statsmodels(X: np.ndarray, y: np.ndarray, codes: np.ndarray):
    """:func:`_within_ols` by statsmodels (pseudo-inverse), for designs collinear within agents."""
    Xw = demean(X, codes)
    yw = demean(y[:, None], codes)[:, 0]
    keep = np.flatnonzero(np.abs(Xw).max(axis=0) > 1e-9)
    with warnings_guard.filters(("ignore", Warning)):
        # hasconst=False: demeaned columns have none, and statsmodels' search for one costs an SVD
        res = sm.OLS(yw, Xw[:, keep], hasconst=False).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                                          use_t=True)
    return (keep, np.asarray(res.params), np.asarray(res.bse), np.asarray(res.conf_int(0.05)),
            np.asarray(res.pvalues))


def disagrees(main_estimate, within_low, within_high) -> bool | None:
    """Whether the main estimate lies outside the within-agent 95% interval (None if either is missing)."""
    values = (main_estimate, within_low, within_high)
    if any(v is None or not np.isfinite(float(v)) for v in values):
        return None
    return bool(main_estimate < within_low or main_estimate > within_high)
