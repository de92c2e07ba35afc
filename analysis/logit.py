"""Logistic regression of churn on practices and pre-call covariates, with agent-clustered errors.

Reports, per practice, the odds ratio and the average marginal effect (AME):
the mean over calls of the predicted churn probability with the practice used
minus without it, every other column of each call as it was. The AME's
standard error comes from the delta method with the cluster-robust covariance.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import statsmodels.api as sm
from scipy import linalg, sparse
from scipy.linalg import blas
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from calmline.analysis import warnings_guard
from calmline.analysis.gathered import (GATHER_ROWS, PRODUCT_ROWS, Gathered, column, crossprod, product,
                                        row_blocks, whole)

Z95 = stats.norm.ppf(0.975)

FEW_AGENTS = 40
"""Below this many agents (clusters) the CR1 sandwich runs small and a normal reference is too
narrow: the covariance is CR2 (Bell and McCaffrey) instead and intervals and p-values use a t
distribution with G - 1 degrees of freedom, with a note saying so."""


@dataclass
class LogitFit:
    """Coefficients and their cluster-robust covariance, or why there are none."""

    params: np.ndarray | None
    cov: np.ndarray | None
    names: list[str]
    warning: str | None = None
    df: int | None = None
    """Degrees of freedom of the t reference for intervals and p-values (agents - 1 when there are
    fewer than :data:`FEW_AGENTS`), None for the normal reference."""

    @property
    def ok(self) -> bool:
        return self.params is not None


def _columns(X, columns: list[int]) -> np.ndarray:
    """``X[:, columns]``: a (fancy-indexed) copy of an array's, gathered from a :class:`Gathered`."""
    if not isinstance(X, Gathered):
        return X[:, columns]
    out = np.empty((len(X), len(columns)))
    for i, j in enumerate(columns):
        out[:, i] = X.column(j)
    return out


def fit(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, names: list[str],
        weights: np.ndarray | None = None, *, covariance: bool = True,
        exclude: int | None = None, start: np.ndarray | None = None,
        found: np.ndarray | None = None) -> LogitFit:
    """Fit P(y = 1) = logistic(X b) by maximum likelihood; covariance clustered by ``groups``.

    Parameters
    ----------
    X : (n, k) array
        Design matrix including the intercept.
    y : (n,) array of 0/1
    groups : (n,) array
        Cluster labels (agents). With one cluster only, heteroskedasticity-robust
        errors are used instead, with a warning.
    names : list of str
        Column names of ``X``.
    weights : (n,) array, optional
        Frequency weights (aggregated rows); the result equals the row-level fit.
    covariance : bool
        False when only predictions are needed (propensity scores): ``cov`` is then None.
    exclude : int, optional
        With ``covariance=False`` only: a column of ``X`` left out of the model (its
        coefficient is 0 in ``params``), the same fit as on ``np.delete(X, exclude, axis=1)``
        without the copy.
    start : (k,) array, optional
        Coefficients to start Newton from (a related model's, matched by column): the same
        maximum, usually in fewer steps. Above 2 x :data:`WARM_START_ROWS` rows the sample fit
        starts there.
    found : (k,) array, optional
        The maximum already found by this function's own steps (:func:`fit_with_propensities`
        takes them together with other models'): only the checks and the covariance are left.

    Returns
    -------
    LogitFit
        ``params`` None with a warning when the data cannot support the model
        (no events, no non-events, perfect separation, no convergence). With 2 to
        ``FEW_AGENTS - 1`` agents the covariance is CR2 and ``df`` is the number of agents
        less one (see :func:`cluster_covariance`), with a warning saying so.
    """
    y = np.asarray(y, dtype=float)
    total = weights.sum() if weights is not None else len(y)
    events = (y * weights).sum() if weights is not None else y.sum()
    if events == 0 or events == total:
        return LogitFit(None, None, names, "no churn events" if events == 0 else "every call churned")
    if exclude is not None and covariance:
        raise ValueError("exclude is for predictions only (covariance=False)")
    if not covariance and weights is None and found is None and quasi_separated(X, y, exclude):
        return LogitFit(None, None, names, NOT_CONVERGED)  # what statsmodels' 100 steps end with
    fast = found if found is not None else _fast_fit(X, y, weights, exclude, start)
    if fast is None and start is not None:
        fast = _fast_fit(X, y, weights, exclude, None)  # as without a start
    if fast is not None:
        params, converged = fast, True
    elif exclude is None:
        params, converged, why = _statsmodels_fit(whole(X), y, weights)
        if why is not None:
            return LogitFit(None, None, names, why)
    else:
        params, converged, why = _statsmodels_fit(np.delete(whole(X), exclude, axis=1), y, weights)
        if why is not None:
            return LogitFit(None, None, names, why)
        params = np.insert(params, exclude, 0.0)
    if not covariance:
        ok = converged and np.all(np.isfinite(params)) and np.max(np.abs(params)) <= 15
        return LogitFit(params if ok else None, None, names, None if ok else NOT_CONVERGED)
    try:
        cov, note = cluster_covariance(X, y, params, groups, weights)
        df = small_cluster_df(groups)
    except np.linalg.LinAlgError as exc:
        return LogitFit(None, None, names, f"the model cannot be fitted: {_why(exc)}")
    if not converged or not np.all(np.isfinite(params)) or not np.all(np.isfinite(np.diag(cov))):
        return LogitFit(None, None, names, "the model did not converge (perfect separation or "
                                           "too few events for the number of terms)")
    if np.max(np.abs(params)) > 15:
        return LogitFit(None, None, names, "perfect or quasi-perfect separation: some coefficient "
                                           "is unbounded")
    return LogitFit(params, cov, names, note, df)


NOT_CONVERGED = "the model did not converge or separates perfectly"
"""Why a prediction-only model (``covariance=False``: a propensity) has no coefficients."""


def constant_cell(X: np.ndarray, y: np.ndarray, exclude: int | None = None, *,
                  sums: np.ndarray | None = None, hits: np.ndarray | None = None) -> tuple[int, float] | None:
    """A 0/1 column ``j`` of ``X`` and a value ``v`` such that ``y`` is the same on every row with
    ``X[:, j] == v`` (at least one such row), while ``y`` varies: quasi-complete separation
    (Albert and Anderson 1984), so the maximum likelihood estimate does not exist.

    The direction ``e_j`` (``v = 1``) or ``intercept - e_j`` (``v = 0``; only when ``X`` has a
    column of ones) separates those rows from the others without error; the likelihood rises
    without bound along it. Costs two products of ``X`` with a vector (its column sums, overall
    and over the events), and a look at a column's values only when those sums allow such a cell
    (no model is fitted). ``exclude``: a
    column not in the model (never reported, and never the intercept). None when no column
    qualifies (the data may still be separated in another direction). ``hits``: ``y @ X``, when the
    caller has it (:func:`_propensity_starts` takes every treatment's in one product).
    """
    n, events = len(y), float(np.sum(y))
    if events in (0.0, float(n)):
        return None
    free = np.ones(X.shape[1], bool)
    if exclude is not None:
        free[exclude] = False
    # per column: its sum (``sums``, when the caller has them for several y), and its sum over the events
    size, hits = (crossprod(np.ones(n), X) if sums is None else sums), (crossprod(y, X) if hits is None else hits)
    # a column's values are checked (a pass over it) only when its sums allow a constant cell
    has_intercept = any(_all(column(X, j), 1.0) for j in np.flatnonzero(free & (size == n)))
    for j in np.flatnonzero(free & (size < n)):
        n1, e1 = size[j], hits[j]
        ones_cell = 0 < n1 and e1 in (0.0, n1)
        zeros_cell = has_intercept and events - e1 in (0.0, n - n1)
        if (ones_cell or zeros_cell) and _binary(column(X, j)):
            return int(j), (1.0 if ones_cell else 0.0)
    return None


def _all(column: np.ndarray, value: float) -> bool:
    return bool(np.all(column == value))


def _binary(column: np.ndarray) -> bool:
    return bool(np.all((column == 0) | (column == 1)))


def quasi_separated(X: np.ndarray, y: np.ndarray, exclude: int | None = None, *,
                    sums: np.ndarray | None = None, hits: np.ndarray | None = None) -> bool:
    """True when the logit of ``y`` on ``X`` is quasi-completely but not completely separated,
    proven cheaply: a :func:`constant_cell` separates some rows, and the other rows alone (its
    column left out) have a maximum-likelihood fit that :func:`newton` finds. Then no finite
    maximum exists, and, as the other rows overlap, no fitted value of statsmodels' Newton
    reaches 0 or 1 on all rows (no ``PerfectSeparationWarning``): its 100 steps end unconverged
    or with a coefficient beyond 15, which :func:`fit` reports as :data:`NOT_CONVERGED`.
    False when it cannot prove it (the caller then fits as before).
    """
    cell = constant_cell(X, y, exclude, sums=sums, hits=hits)
    if cell is None:
        return False
    j, value = cell
    rest = (column(X, j) != value).astype(float)  # frequency weight 0 drops the cell's rows, no copy
    if rest.sum() == 0:
        return False
    gone = [j] if exclude is None else [j, exclude]
    with warnings_guard.filters(("ignore", Warning)):
        params = newton(X, y, rest, exclude=gone)
    return params is not None


def _fast_fit(X, y, weights, exclude, start) -> np.ndarray | None:
    """:func:`newton` from ``start`` (or the sample's fit above 2 x :data:`WARM_START_ROWS` rows,
    itself started there, with its Hessian for the chord steps); None when it cannot say."""
    first, hessian = _warm_start(X, y, exclude, start) if weights is None else (None, None)
    if first is None and hessian is None:
        first = start
    return newton(X, y, weights, first, exclude=exclude, hessian=hessian)


class _Logit(sm.Logit):
    """statsmodels' Logit with its Hessian accumulated by :func:`weighted_gram` (the same matrix,
    without the n x k temporary and general product): the fallback's Newton steps, convergence
    test and separation check are statsmodels' own, at about a third of the cost per step."""

    def hessian(self, params):
        p = predict_linear(self.exog @ params)
        return -weighted_gram(self.exog, p * (1 - p))


def _statsmodels_fit(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None
                     ) -> tuple[np.ndarray | None, bool, str | None]:
    """statsmodels' fit, for the models :func:`newton` declines (separation, singular designs,
    no convergence), so their warnings are statsmodels' own: (params, converged, why not)."""
    model = (sm.GLM(y, X, family=sm.families.Binomial(), freq_weights=weights) if weights is not None
             else _Logit(y, X, check_rank=False))
    with warnings_guard.filters(("error", PerfectSeparationWarning), ("ignore", ConvergenceWarning)):
        try:
            if weights is not None:
                res = model.fit()
                converged = res.converged
            else:
                res = model.fit(method="newton", maxiter=100, disp=0, start_params=_warm_start(X, y)[0])
                converged = res.mle_retvals.get("converged", True)
        except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
            return None, False, f"the model cannot be fitted: {_why(exc)}"
    return np.asarray(res.params), bool(converged), None


CHUNK_ROWS = 4_096
"""Rows per block when X' W X is accumulated: the weighted block (1.5 MB at 48 columns) is
written into one buffer that stays in cache, and no n x k temporary is ever made."""


def weighted_gram(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    """X' diag(v) X for non-negative ``v``, accumulated over row blocks with a symmetric
    rank-k update (BLAS ``syrk``: half the arithmetic of a general product, no n x k copy).

    Each block's weighted rows are written into one reused buffer of :data:`CHUNK_ROWS` rows
    (it stays in cache; a new 32k-row block per step cost as much as the update itself): at
    100,000 x 45, 21 -> 12 ms; the same matrix up to rounding (about 5e-15 relative)."""
    k = X.shape[1]
    gram = np.zeros((k, k), order="F")
    root = np.sqrt(v)
    buffer = np.empty((min(CHUNK_ROWS, len(X)), k))
    for at, rows in row_blocks(X, CHUNK_ROWS):
        block = np.multiply(rows, root[at, None], out=buffer[:len(rows)])
        gram = blas.dsyrk(1.0, block.T, beta=1.0, c=gram, trans=0, lower=0, overwrite_c=1)
    upper = np.triu(gram)
    return upper + np.triu(upper, 1).T


NEWTON_TOL = 1e-7
""":func:`newton` stops once no coefficient moved more than this in the last step. Newton
converges quadratically, so the coefficients are then within about the square of it (1e-14,
times the curvature's scale) of the maximum: tests hold them to statsmodels' to 1e-8."""


def newton(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None,
           start: np.ndarray | None = None, *, maxiter: int = 60, exclude: int | None = None,
           tol: float | None = None, hessian: np.ndarray | None = None,
           last_gram: list | None = None) -> np.ndarray | None:
    """Maximum-likelihood logit coefficients by Newton-Raphson, or None when it cannot say.

    The same maximum as statsmodels' ``Logit(y, X).fit(method="newton")`` (and ``GLM`` with
    ``freq_weights``), computed in numpy with X' W X accumulated in row blocks
    (:func:`weighted_gram`): no statsmodels data handling, rank checks or n x k temporaries.
    Returns None (the caller then asks statsmodels, whose warnings say why) when the Hessian
    is singular, a coefficient passes 15 in absolute value (separation) or the steps do not
    settle within ``maxiter``.

    Parameters
    ----------
    X : (n, k) array
    y : (n,) array of 0/1
    weights : (n,) array, optional
        Frequency weights.
    start : (k,) array, optional
        Starting coefficients (zeros otherwise).
    exclude : int or list of int, optional
        Columns of ``X`` left out of the model: their coefficients stay 0, as if the columns
        were deleted, without copying X (the propensity model of one practice given the others).
    tol : float, optional
        Stop once no coefficient moves more than this (default :data:`NEWTON_TOL`).
    hessian : (k, k) array, optional
        An approximation of X' W X near the maximum (a sample's, scaled to n rows): steps
        then use it with the exact gradient of all rows (:func:`_chord`), and the exact
        Hessian only if they do not settle.
    last_gram : list, optional
        Receives X' W X (all columns) at the coefficients of the last exact step, which are
        within ``tol`` of those returned (:func:`_warm_start` scales it for the chord steps
        instead of computing it again).
    """
    tol = NEWTON_TOL if tol is None else tol
    free = np.ones(X.shape[1], bool)
    if exclude is not None:
        free[exclude] = False
    beta = np.zeros(X.shape[1]) if start is None else np.array(start, dtype=float)
    beta[~free] = 0.0
    if hessian is not None:
        chord = _chord(X, y, weights, beta, hessian[np.ix_(free, free)], free)
        if chord is not None:
            return chord
    for _ in range(maxiter):
        p = predict(beta, X)
        v = p * (1 - p)
        r = y - p
        if weights is not None:
            v, r = v * weights, r * weights
        try:
            gram = weighted_gram(X, v)
            if last_gram is not None:
                last_gram[:] = [gram]
            if exclude is not None:
                gram = gram[np.ix_(free, free)]
            factor = linalg.cho_factor(gram, check_finite=True)
            step = np.zeros(X.shape[1])
            step[free] = linalg.cho_solve(factor, (X.T @ r if isinstance(X, np.ndarray) else
                                                   crossprod(r, X))[free])
        except (linalg.LinAlgError, ValueError):
            return None
        beta = beta + step
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 15:
            return None
        if np.max(np.abs(step)) < tol:
            return beta
    return None


def small_cluster_df(groups: np.ndarray) -> int | None:
    """Degrees of freedom of the t reference: G - 1 for 2 <= G < :data:`FEW_AGENTS` clusters, else
    None (normal reference)."""
    g = int(np.count_nonzero(np.bincount(_codes(groups))))
    return g - 1 if 2 <= g < FEW_AGENTS else None


def few_agents_note(n_groups: int) -> str:
    """The words stored with every estimate from fewer than :data:`FEW_AGENTS` agents."""
    return (f"only {n_groups} agents: agent-clustered standard errors are unreliable with fewer than "
            f"{FEW_AGENTS}, so they are small-cluster corrected (CR2, Bell-McCaffrey) and intervals "
            f"and p-values use a t distribution with {n_groups - 1} degrees of freedom")


def t_quantile(df: int | None) -> float:
    """The two-sided 95% critical value: normal, or t with ``df`` degrees of freedom."""
    return Z95 if df is None else float(stats.t.ppf(0.975, df))


def cluster_covariance(X: np.ndarray, y: np.ndarray, params: np.ndarray, groups: np.ndarray,
                       weights: np.ndarray | None = None, *, kind: str = "auto"
                       ) -> tuple[np.ndarray, str | None]:
    """Cluster-robust (sandwich) covariance of logit coefficients.

    CR1, as Stata's ``vce(cluster)`` and statsmodels' ``cov_type="cluster"``:
    bread = (X' W X)^-1 with W = w p (1 - p); meat = sum over clusters of s_g s_g', where
    s_g = sum over the cluster's rows of w (y - p) x; scaled by G/(G-1) (N-1)/(N-K), N the
    number of calls (sum of weights). Aggregated rows (weights) give exactly the row-level
    result as long as each aggregated row lies within one cluster. With one cluster, the
    heteroskedasticity-robust version (each call its own cluster) is returned with a note.

    CR2 (Bell and McCaffrey 2002; Pustejovsky and Tipton 2018, eq. 6, with the working
    weights as the target): each cluster's score is taken from its working residuals
    adjusted by ``(I - H_gg)^(-1/2)``, H the hat matrix of the weighted (IRLS) regression, and
    no further scaling; unbiased when the working model is right, where CR1 runs small with
    few clusters. :func:`cr2_meat` computes it from k x k matrices per cluster.

    Parameters
    ----------
    kind : {"auto", "CR1", "CR2"}
        ``auto``: CR2 with fewer than :data:`FEW_AGENTS` clusters (the note then says so and
        that intervals use t with G - 1 degrees of freedom), CR1 otherwise.

    Returns
    -------
    cov, note
        The covariance of the coefficients and a warning (or None).
    """
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    codes = _codes(groups)
    n_groups = int(np.count_nonzero(np.bincount(codes)))
    n, k = float(w.sum()), X.shape[1]
    if n_groups >= 2 and kind != "CR2" and not (kind == "auto" and n_groups < FEW_AGENTS):
        gram, sums = _cr1_parts(X, np.asarray(y, dtype=float), params, w, codes)
        scale = n_groups / (n_groups - 1) * (n - 1) / (n - k)
        bread = np.linalg.inv(gram)
        return bread @ (sums.T @ sums) @ bread * scale, None
    X = whole(X)  # (CR2 or one agent: a few agents' calls)
    p = predict(params, X)
    bread = np.linalg.inv(weighted_gram(X, w * p * (1 - p)))
    resid = w * (y - p)
    if n_groups < 2:
        scores = X * resid[:, None]
        meat = scores.T @ (scores / np.where(w > 0, w, 1.0)[:, None])  # each call its own cluster
        return bread @ meat @ bread * n / (n - 1), "one agent only: standard errors are not clustered"
    if kind == "CR2" or (kind == "auto" and n_groups < FEW_AGENTS):
        meat = cr2_meat(X, resid, w * p * (1 - p), codes, bread)
        return bread @ meat @ bread, few_agents_note(n_groups) if kind == "auto" else None
    raise ValueError(f"kind must be 'auto', 'CR1' or 'CR2', not {kind!r}")


def _cr1_parts(X: np.ndarray, y: np.ndarray, params: np.ndarray, w: np.ndarray, codes: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """The CR1 sandwich's X' W X (W = w p (1 - p)) and each cluster's score sum_i w (y - p) x_i, in
    one pass over X's rows: per block of :data:`CHUNK_ROWS` rows, its predictions, its weighted
    rows' rank-k update (as :func:`weighted_gram`, the same blocks) and its rows' cluster sums (a
    sparse product, :func:`by_cluster`), while the block is in cache; before, X was read three
    times (predictions, X' W X, the cluster sums)."""
    k = X.shape[1]
    gram = np.zeros((k, k), order="F")
    sums = np.zeros((int(codes.max()) + 1, k))
    buffer = np.empty((min(CHUNK_ROWS, len(X)), k))
    for at, rows in row_blocks(X, CHUNK_ROWS):
        p = predict_linear(rows @ params)
        block = np.multiply(rows, np.sqrt(w[at] * p * (1 - p))[:, None], out=buffer[:len(rows)])
        gram = blas.dsyrk(1.0, block.T, beta=1.0, c=gram, trans=0, lower=0, overwrite_c=1)
        members = sparse.csc_matrix((w[at] * (y[at] - p), codes[at], np.arange(len(rows) + 1)),
                                    shape=sums.shape[:1] + (len(rows),))
        sums += members @ rows
    upper = np.triu(gram)
    return upper + np.triu(upper, 1).T, sums


def by_cluster(values: np.ndarray, codes: np.ndarray) -> sparse.csc_matrix:
    """The (clusters, n) sparse matrix with ``values[i]`` at (codes[i], i): its product with an
    (n, k) array is each cluster's sum of ``values[i] * row i``, rows added in order. Built
    column by column (one entry per row, in row order), so the product reads X's rows in order
    and adds into a clusters x k result that stays in cache: at 753,443 x 50 with 120 agents,
    31 ms against 123 ms for the row-compressed (CSR) form, the same sums bit for bit."""
    n = len(codes)
    return sparse.csc_matrix((values, codes, np.arange(n + 1)), shape=(int(codes.max()) + 1 if n else 0, n))


def cr2_meat(X: np.ndarray, resid: np.ndarray, working: np.ndarray, codes: np.ndarray,
             bread: np.ndarray) -> np.ndarray:
    """The CR2 (Bell-McCaffrey) meat: sum over clusters of u_g u_g', u_g = Z_g' A_g r_g.

    In the whitened regression Z = W^(1/2) X, r = W^(-1/2) (y - p) (W the working weights), the
    cluster's block of the hat matrix is H_gg = Z_g B Z_g' with B = ``bread`` = (Z'Z)^-1, and
    A_g = (I - H_gg)^(-1/2) (the Moore-Penrose root where an eigenvalue is 1). Writing
    B = L L' and M_g = Z_g' Z_g, the nonzero eigenvalues of H_gg are those of L' M_g L, so
    u_g = s_g + M_g L f(L' M_g L) L' s_g with s_g = Z_g' r_g (the cluster's score) and
    f(lam) = ((1 - lam)^(-1/2) - 1) / lam: k x k work per cluster, never an n_g x n_g matrix.

    Parameters
    ----------
    X : (n, k) array
    resid : (n,) array
        Each row's score weight: frequency weight times (y - p) for a logit, y - fitted for
        least squares.
    working : (n,) array
        Each row's working weight: frequency weight times p (1 - p) for a logit, the frequency
        weight (1) for least squares.
    codes : (n,) array of small non-negative ints
        Cluster of each row.
    bread : (k, k) array
        (X' diag(working) X)^-1.
    """
    L = np.linalg.cholesky((bread + bread.T) / 2)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    meat = np.zeros((X.shape[1], X.shape[1]))
    for rows in np.split(order, bounds):
        Xg = X[rows]
        M = (Xg * working[rows, None]).T @ Xg
        s = Xg.T @ resid[rows]
        lam, V = np.linalg.eigh(L.T @ M @ L)
        lam = np.clip(lam, 0.0, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(lam < 1e-12, 0.5,
                         np.where(lam > 1 - 1e-10, -1 / np.maximum(lam, 1e-12), (1 / np.sqrt(1 - lam) - 1) / lam))
        u = s + M @ (L @ (V @ (f * (V.T @ (L.T @ s)))))
        meat += np.outer(u, u)
    return meat


CHORD_TOL = 1e-9
""":func:`_chord` stops once no coefficient moved more than this in the last step."""

CHORD_MAXITER = 40


def _chord(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None, beta: np.ndarray,
           hessian: np.ndarray, free: np.ndarray) -> np.ndarray | None:
    """Newton steps with a fixed approximate Hessian (the chord method): each step is
    ``H^-1 X'(y - p)`` with the exact gradient over all rows and ``hessian`` (of the ``free``
    columns) factorised once, so a step costs two passes over X instead of X' W X.

    Its fixed point is where the exact gradient vanishes, the maximum itself; it converges
    linearly at the rate ||I - H^-1 H_exact|| (about 0.02 with a 100,000-row sample's Hessian),
    so a last step under :data:`CHORD_TOL` leaves the coefficients about rate x 1e-9 from it.
    None (the caller then takes exact Newton steps) when the steps do not shrink steadily or
    do not settle within :data:`CHORD_MAXITER`.
    """
    try:
        factor = linalg.cho_factor(hessian, check_finite=True)
    except (linalg.LinAlgError, ValueError):
        return None
    return _joint_chord(X, y[:, None], {0: beta}, {0: factor}, {0: free}, weights).get(0)


def propensities(X: np.ndarray, A: np.ndarray, columns: list[int], names: list[str]) -> list[LogitFit]:
    """Prediction-only fits (``covariance=False``) of several 0/1 treatments on one design, each
    without its own column: ``[fit(X, A[:, t], None, names, covariance=False, exclude=columns[t])
    for t ...]``, the same coefficients, with the full-data chord steps of every model taken
    together (AIPW's propensity models of the practices).

    Above 2 x :data:`WARM_START_ROWS` rows each model starts from its own sample fit, as in
    :func:`fit`; then each chord step of all of them is one product ``X @ B`` (B holding every
    model's coefficients) and one ``X' R`` (R their residuals), instead of two passes over X per
    model and step: the same arithmetic per model (:func:`_chord`'s steps, tolerance and
    contraction test), so the same coefficients up to rounding. A model whose steps do not
    contract, or that :func:`quasi_separated` or a small sample sends elsewhere, is fitted by
    :func:`fit` alone.

    Parameters
    ----------
    X : (n, k) array
        The shared design (the outcome model's).
    A : (n, m) array of 0/1
        The treatments, one column per model.
    columns : list of int
        For each treatment, its column of ``X`` (left out of its model).
    names : list of str
        Column names of ``X``.

    Returns
    -------
    list of LogitFit
        One per treatment, ``params`` with 0 at its excluded column, or None with a warning.
    """
    m = A.shape[1]
    out: list[LogitFit | None] = [None] * m
    starts, factors, frees = {}, {}, {}
    sample = _sample(X)  # the same rows for every model: gathered once
    separated: set[int] = set()
    for t, prepared in _propensity_starts(X, A, columns, sample, separated).items():
        starts[t], factors[t], frees[t] = prepared
    for t, beta in _joint_chord(X, A, starts, factors, frees).items():
        out[t] = LogitFit(beta, None, names)
    return [found if found is not None else
            _alone(X, A[:, t], names, columns[t], t in separated)
            for t, found in enumerate(out)]


def _alone(X: np.ndarray, a: np.ndarray, names: list[str], exclude: int, separated: bool) -> LogitFit:
    """``fit(X, a, None, names, covariance=False, exclude=exclude)``; ``separated``: the caller has
    already proven :func:`quasi_separated` (a full-data Newton fit of the other rows), so its answer
    (:data:`NOT_CONVERGED`, what ``fit`` returns then) is given without proving it again."""
    if separated:
        return LogitFit(None, None, names, NOT_CONVERGED)
    return fit(X, a, None, names, covariance=False, exclude=exclude)


def _propensity_starts(X: np.ndarray, A: np.ndarray, columns: list[int], sample,
                       separated: set | None = None) -> dict:
    """{treatment: (start, factorised sample Hessian, free columns)} of :func:`propensities`'
    models that take the chord steps: not constant, not quasi-separated, with a sample fit.
    ``separated``: receives the treatments proven :func:`quasi_separated` (:func:`_alone` then
    refuses them without a second proof: at 1M upset calls one disputed point's propensity, whose
    proof is a Newton fit of ~450,000 rows, 0.4 CPU s)."""
    sums = crossprod(np.ones(len(X)), X)  # X's column sums, for every model's separation check
    # and every treatment's column sums over its treated rows, from one product (one read of X, not
    # one per treatment: 12 x ~22 ms at 753,443 x 46); 0/1 treatments, so the sums of 0/1 columns, the
    # only ones a constant cell can be found in, are exact integers in any order: the same cells
    hits = (A.hits() if isinstance(A, _Treatments) else crossprod(A, X)) if A.shape[1] > 1 else None
    out = {}
    for t in range(A.shape[1]):
        a = A.column(t) if isinstance(A, _Treatments) else A[:, t]
        if a.min() == a.max():
            continue  # fit() refuses at once
        if quasi_separated(X, a, columns[t], sums=sums, hits=None if hits is None else hits[t]):
            if separated is not None:
                separated.add(t)
            continue
        prepared = _chord_start(X, a, columns[t], sample)
        if prepared is not None:
            out[t] = prepared
    return out


def _chord_start(X: np.ndarray, y: np.ndarray, exclude: int | None, sample) -> tuple | None:
    """The start, factorised Hessian and free columns of :func:`newton`'s chord steps for ``y`` on
    ``X`` (``exclude`` left out), from the sample's fit (:func:`_warm_start`); None without one."""
    first, hessian = _warm_start(X, y, exclude, sample=sample)
    if hessian is None:
        return None
    free = np.ones(X.shape[1], bool)
    if exclude is not None:
        free[exclude] = False
    try:
        factor = linalg.cho_factor(hessian[np.ix_(free, free)], check_finite=True)
    except (linalg.LinAlgError, ValueError):
        return None
    beta = np.zeros(X.shape[1]) if first is None else np.array(first, dtype=float)
    beta[~free] = 0.0
    return beta, factor, free


def fit_with_propensities(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, names: list[str],
                          columns: list[int]) -> tuple[LogitFit, list[LogitFit]]:
    """``fit(X, y, groups, names)`` (the outcome model) and ``propensities(X, X[:, columns], columns,
    names)``, with the outcome's full-data chord steps taken together with the propensities' (one
    pass over X per step for all of them, and one sample gathered for every warm start).

    Above 2 x :data:`WARM_START_ROWS` rows each model starts from its own sample fit, as alone;
    the steps are each model's own (:func:`_chord`'s tolerance and contraction test), so the same
    coefficients up to rounding (the gradients' sums are taken in another order). A model whose
    steps do not settle, or at or below that many rows every model, is fitted alone as before.

    Parameters
    ----------
    X : (n, k) array
        The outcome model's design, which every propensity model shares without its own column.
    y : (n,) array of 0/1
        The outcome.
    groups : (n,) array
        Cluster labels (agents) of the outcome model's covariance.
    names : list of str
        Column names of ``X``.
    columns : list of int
        The treatments' columns of ``X`` (each left out of its propensity model).

    Returns
    -------
    outcome : LogitFit
        As :func:`fit`.
    propensities : list of LogitFit
        As :func:`propensities`, one per column.
    """
    y = np.asarray(y, dtype=float)
    sample = _sample(X)
    if sample[0] is None:
        return fit(X, y, groups, names), propensities(X, _columns(X, columns), columns, names)
    A = _Treatments(y, X, columns)  # [y, X[:, columns]], read with X's blocks (no n x models copy)
    starts, factors, frees = {}, {}, {}
    if 0 < y.sum() < len(y):
        prepared = _chord_start(X, y, None, sample)
        if prepared is not None:
            starts[0], factors[0], frees[0] = prepared
    separated: set[int] = set()
    for t, prepared in _propensity_starts(X, _Treatments(None, X, columns), columns, sample, separated).items():
        starts[t + 1], factors[t + 1], frees[t + 1] = prepared
    done = _joint_chord(X, A, starts, factors, frees)
    outcome = fit(X, y, groups, names, found=done.get(0))  # alone when its steps did not settle
    return outcome, [LogitFit(done[t + 1], None, names) if t + 1 in done else
                     _alone(X, A.column(t + 1), names, c, t in separated)
                     for t, c in enumerate(columns)]


class _Treatments:
    """The models' 0/1 outcomes of :func:`fit_with_propensities`, ``np.column_stack([y, X[:, columns]])``
    (without ``y`` when None), never stacked: each block's rows taken from the block of X that the
    chord steps read anyway (:meth:`rows`), each column a view of X's (or ``y``). The same values as
    the stacked array's, so the same steps, bit for bit, without its n x (1 + practices) copy (0.32
    GB at 2.9M calls and 13 practices)."""

    def __init__(self, y: np.ndarray | None, X, columns: list[int]) -> None:
        self.y, self.X, self.columns = y, X, list(columns)
        self.shape = (len(X), len(self.columns) + (y is not None))

    def column(self, t: int) -> np.ndarray:
        if self.y is not None:
            if t == 0:
                return self.y
            t -= 1
        return column(self.X, self.columns[t])

    def rows(self, rows: slice, block: np.ndarray) -> np.ndarray:
        """Rows ``rows`` of the stacked array, given ``block``, those rows of X."""
        parts = [block[:, self.columns]]
        if self.y is not None:
            parts.insert(0, self.y[rows, None])
        return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    def hits(self) -> np.ndarray:
        """``stacked.T @ X``, summed over blocks of rows (the treatments' 0/1 columns' sums over the
        0/1 columns of X, the only ones :func:`constant_cell` reads a cell from, are exact integers
        in any order: the same cells)."""
        out = np.zeros((self.shape[1], self.X.shape[1]))
        for rows, block in row_blocks(self.X, PRODUCT_ROWS):
            out += self.rows(rows, block).T @ block
        return out


def _joint_chord(X: np.ndarray, A: np.ndarray, starts: dict, factors: dict, frees: dict,
                 weights: np.ndarray | None = None) -> dict:
    """The chord steps of :func:`_chord` for several models at once (the columns of ``A``, each
    with its start, factorised Hessian and free columns): {model: coefficients} for those that
    settle; a model whose steps do not shrink steadily (the sample's Hessian is not close
    enough), leave the +-15 box or do not settle within :data:`CHORD_MAXITER` is left out."""
    active = sorted(starts)
    betas = {t: starts[t].copy() for t in active}
    previous = {t: np.inf for t in active}
    done = {}
    for _ in range(CHORD_MAXITER):
        if not active:
            break
        G = _chord_gradient(X, A, active, np.column_stack([betas[t] for t in active]), weights)
        still = []
        for i, t in enumerate(active):
            step = np.zeros(len(betas[t]))
            step[frees[t]] = linalg.cho_solve(factors[t], G[frees[t], i])
            size = float(np.max(np.abs(step)))
            if not np.isfinite(size) or size > 0.5 * previous[t]:
                continue  # not contracting: fit() alone takes it
            betas[t] = betas[t] + step
            if np.max(np.abs(betas[t])) > 15:
                continue
            if size < CHORD_TOL:
                done[t] = betas[t]
                continue
            previous[t] = size
            still.append(t)
        active = still
    return done


GRADIENT_ROWS = 1_024
"""Rows per block of :func:`_chord_gradient`: a block of X (about 0.4 MB at 48 columns, in the core's
own cache) is read from memory once per step and used twice while in cache. With the 13 AIPW
propensities at once, 753,443 x 45: 121 ms a step at 8,192 rows, 92 ms at 1,024 (one model: the
same, 26-27 ms)."""


def _chord_gradient(X: np.ndarray, A: np.ndarray, active: list[int], B: np.ndarray,
                    weights: np.ndarray | None) -> np.ndarray:
    """``X' (A[:, active] - logistic(X B))`` (residuals times ``weights`` when given), over row blocks:
    each block's predictions and its share of the gradient while the block is in cache, one read
    of X from memory per step instead of two (``X @ B``, then ``X' R``); the same sums in another
    order (about 1e-14 apart)."""
    G = np.zeros((X.shape[1], len(active)))
    every = len(active) == A.shape[1] and active == list(range(A.shape[1]))
    # chunks of GATHER_ROWS rows (a Gathered's gathered, their outcomes taken once per chunk), each
    # in blocks of GRADIENT_ROWS: the same blocks, in the same order, as block by block
    for at, chunk in row_blocks(X, max(GATHER_ROWS, GRADIENT_ROWS)):
        outcomes = A.rows(at, chunk) if isinstance(A, _Treatments) else A[at]
        outcomes = outcomes if every else outcomes[:, active]
        for start in range(0, len(chunk), GRADIENT_ROWS):
            block = chunk[start:start + GRADIENT_ROWS]
            R = outcomes[start:start + GRADIENT_ROWS] - predict_linear(block @ B)
            if weights is not None:
                R *= weights[at][start:start + GRADIENT_ROWS, None]
            G += block.T @ R
    return G


WARM_START_ROWS = 100_000
"""Above this many rows, Newton starts from a fit on a seeded sample of this size: the same
maximum, found in two or three full-data steps instead of six or seven."""

_warm_rows: ContextVar[int | None] = ContextVar("calmline_warm_start_rows", default=None)


@contextmanager
def warm_start_rows(rows: int):
    """Within the block (in this thread), the sample warm start and chord steps of :func:`fit` and
    :func:`propensities` use ``rows`` sampled rows and apply above 2 x ``rows`` rows, instead of
    :data:`WARM_START_ROWS`: the same maxima (the steps' tolerances are unchanged), for mid-size
    fits such as the dashboard's estimates for a filter (tens of thousands of calls)."""
    token = _warm_rows.set(int(rows))
    try:
        yield
    finally:
        _warm_rows.reset(token)


def _warm_start(X: np.ndarray, y: np.ndarray, exclude: int | None = None,
                start: np.ndarray | None = None, sample: tuple[np.ndarray, np.ndarray] | None = None
                ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Start coefficients from a seeded sample's fit, and that sample's X' W X scaled to all rows
    (for :func:`_chord`); (None, None) at or below 2 x :data:`WARM_START_ROWS` rows.

    The X' W X is the one of the sample fit's last Newton step, at coefficients within its
    tolerance (1e-4) of the start returned: the chord steps only need it close (their fixed point
    is the exact gradient's zero), so it is not computed again. ``sample``: :func:`_sample` of X
    when the caller fits several models on one X (the same rows for each)."""
    rows, part = _sample(X) if sample is None else sample
    if rows is None or y[rows].min() == y[rows].max():
        return None, None
    gram: list = []
    with warnings_guard.filters(("ignore", Warning)):
        params = newton(part, y[rows], start=start, maxiter=25, exclude=exclude, tol=1e-4, last_gram=gram)
    if params is None or np.max(np.abs(params)) >= 15 or not gram:
        return None, None
    return params, gram[0] * (len(y) / len(rows))


def warm_started(rows: int) -> bool:
    """True when a fit of ``rows`` rows starts from a sample's fit and takes chord steps (above twice
    :func:`warm_start_rows`' rows, :data:`WARM_START_ROWS` by default): its passes over X are then
    the same row blocks on a :class:`Gathered` as on a copy (the same coefficients, bit for bit),
    where exact Newton steps' ``X' r`` is summed a block at a time."""
    return rows > 2 * (_warm_rows.get() or WARM_START_ROWS)


def _sample(X: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The warm start's seeded sample of X's rows (:func:`warm_start_rows` of them, sorted) and
    those rows of X; (None, None) at or below twice that many rows."""
    size = _warm_rows.get() or WARM_START_ROWS
    if len(X) <= 2 * size:
        return None, None
    rows = _sample_rows(len(X), size)
    # take() is the faster gather (17 against 25 ms at 753,443 x 47), but copies a matrix that is
    # not C-contiguous whole first: fancy indexing then
    if isinstance(X, Gathered):
        return rows, X.take(rows)
    return rows, (X.take(rows, axis=0) if X.flags.c_contiguous else X[rows])


@lru_cache(maxsize=16)
def _sample_rows(n: int, size: int) -> np.ndarray:
    """The seeded sample's rows (sorted, read-only) of ``n`` rows: drawn once per ``n`` and ``size``
    (the draw permutes all ``n`` rows: about 9 ms at 750,000, paid before by every model's fit of
    the same calls), the same rows as drawing them again."""
    rows = np.sort(np.random.default_rng(0).choice(n, size, replace=False))
    rows.setflags(write=False)
    return rows


def _codes(groups: np.ndarray) -> np.ndarray:
    """Cluster labels as small non-negative integers (taken as they are when they already are)."""
    groups = np.asarray(groups)
    if groups.dtype.kind in "iu" and len(groups) and groups.min() >= 0 and groups.max() < 4 * len(groups):
        return groups
    return np.unique(groups, return_inverse=True)[1]


def _why(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, PerfectSeparationWarning) or "separation" in text.lower():
        return "perfect separation (a practice or covariate predicts churn exactly)"
    if isinstance(exc, np.linalg.LinAlgError):
        return "collinear terms (singular matrix)"
    return text


def predict(params: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The logistic function of ``X @ params``, computed where the product lies: the same operations
    as :func:`predict_linear`'s, so the same values, without its two whole-length temporaries
    (``-lin`` and ``1 + exp(-lin)``: 2 x 23 MB at 2.9M calls)."""
    out = product(X, params)
    np.negative(out, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def predict_linear(lin: np.ndarray) -> np.ndarray:
    """The logistic function of a linear predictor."""
    return 1.0 / (1.0 + np.exp(-lin))


def ame(result: LogitFit, X: np.ndarray, j: int, weights: np.ndarray | None = None, *,
        linear: np.ndarray | None = None) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Average marginal effect of setting 0/1 column ``j`` to 1 vs 0 for every row.

    ``linear``, when given, is ``X @ result.params`` (computed once for every column of one fit).

    Returns
    -------
    estimate, se, p1, p0
        The risk difference (probability units), its delta-method standard error,
        and each row's predicted probability with and without.
    """
    X = whole(X)
    w = np.ones(len(X)) if weights is None else weights
    lin = (X @ result.params if linear is None else linear) - X[:, j] * result.params[j]
    p0 = 1.0 / (1.0 + np.exp(-lin))
    p1 = 1.0 / (1.0 + np.exp(-(lin + result.params[j])))
    total = w.sum()
    estimate = float(np.sum(w * (p1 - p0)) / total)
    d1, d0 = w * p1 * (1 - p1), w * p0 * (1 - p0)
    grad = (X.T @ (d1 - d0)) / total
    grad[j] = np.sum(d1) / total  # in X1 column j is 1, in X0 it is 0
    se = float(np.sqrt(max(grad @ result.cov @ grad, 0.0)))
    return estimate, se, p1, p0


AMES_ROWS = 8_192
"""Rows per block of :func:`ames`: a block of X and the columns' predictions stay in cache."""


def ames(result: LogitFit, X: np.ndarray, columns: list[int], *, linear: np.ndarray | None = None
         ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ame` of several 0/1 columns of one fit (no weights): the estimates and their
    delta-method standard errors, the same numbers up to rounding (about 1e-16 relative).

    Computed over blocks of :data:`AMES_ROWS` rows, every column at once while the block is in
    cache: each row's predictions with and without each column (a block x columns array), their
    sums, and every column's gradient ``X' (d1 - d0) / n`` from one product with the block; one
    read of X from memory in all, and no n x columns array.

    Returns
    -------
    estimates, ses : arrays, one per column
    """
    lin_all = product(X, result.params) if linear is None else linear
    n, m = len(X), len(columns)
    b = result.params[columns]
    sums, ends = np.zeros(m), np.zeros(m)
    grads = np.zeros((m, X.shape[1]))
    for rows, block in row_blocks(X, AMES_ROWS):
        lin = lin_all[rows, None] - block[:, columns] * b  # each column's linear predictor without it
        p0 = 1.0 / (1.0 + np.exp(-lin))
        p1 = 1.0 / (1.0 + np.exp(-(lin + b)))
        sums += (p1 - p0).sum(axis=0)
        d1 = p1 * (1 - p1)
        ends += d1.sum(axis=0)
        grads += (d1 - p0 * (1 - p0)).T @ block
    estimates, grads, ends = sums / n, grads.T / n, ends / n
    ses = np.empty(m)
    for i, j in enumerate(columns):
        grad = grads[:, i]
        grad[j] = ends[i]  # in X1 column j is 1, in X0 it is 0
        ses[i] = float(np.sqrt(max(grad @ result.cov @ grad, 0.0)))
    return estimates, ses


NO_SE = ("the standard error is zero or not finite (the data cannot say how uncertain this is): "
         "no estimate, interval or p-value shown")
"""The warning of a row whose standard error cannot give an interval."""


def wald(estimate: float, se: float, df: int | None = None
         ) -> tuple[float | None, float | None, float | None]:
    """95% CI and two-sided p-value of a normal estimate, or against t with ``df`` degrees of
    freedom (fewer than :data:`FEW_AGENTS` agents: ``LogitFit.df``).

    A standard error that is not a positive finite number gives no interval and no p-value:
    ``(None, None, None)`` (a zero-width interval with p = 0 would claim certainty the data do
    not have); callers then show no estimate either, with :data:`NO_SE` as the warning.
    """
    if se is None or not np.isfinite(se) or se <= 0 or not np.isfinite(estimate):
        return None, None, None
    z = estimate / se
    crit = t_quantile(df)
    p = stats.norm.sf(abs(z)) if df is None else stats.t.sf(abs(z), df)
    return estimate - crit * se, estimate + crit * se, float(2 * p)


def fit_linear(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None, names: list[str]) -> LogitFit:
    """Least-squares fit of E[y] = X b: the outcome model for a continuous outcome.

    Parameters
    ----------
    X : (n, k) array
        Design matrix including the intercept.
    y : (n,) array
        The outcome (any numbers; 0/1 gives a linear probability model).
    groups : (n,) array, optional
        Cluster labels; None gives heteroskedasticity-robust (HC1) errors.
    names : list of str
        Column names of ``X``.

    Returns
    -------
    LogitFit
        Coefficients and their robust covariance (statsmodels' ``cluster`` or ``HC1``, the
        same small-sample scaling as :func:`cluster_covariance`), or None with a warning
        when columns are collinear.
    """
    y = np.asarray(y, dtype=float)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return LogitFit(None, None, names, "the model cannot be fitted: collinear terms (singular matrix)")
    model = sm.OLS(y, X)
    res = (model.fit(cov_type="cluster", cov_kwds={"groups": _codes(groups)}) if groups is not None
           else model.fit(cov_type="HC1"))
    return LogitFit(np.asarray(res.params), np.asarray(res.cov_params()), names)


def g_formula(params: np.ndarray, X: np.ndarray, y: np.ndarray, X1: np.ndarray, X0: np.ndarray,
              *, linear: bool = False) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Standardised contrast (g-formula): mean over rows of the predicted outcome under ``X1``
    minus under ``X0``, with each row's influence value.

    Parameters
    ----------
    params : (k,) array
        Outcome-model coefficients, fitted on ``X`` and ``y`` (logit, or least squares when
        ``linear``).
    X, y : arrays
        The design the model was fitted on and the outcome.
    X1, X0 : (n, k) arrays
        The same rows with the treatment (and its interaction terms) set to 1 and to 0.
    linear : bool
        Identity link (continuous outcome: a mean difference) instead of the logistic
        (binary outcome: a risk difference).

    Returns
    -------
    estimate, influence, m1, m0
        The contrast; each row's influence value (its share of the estimate's sampling error:
        the spread of the row's own contrast plus the outcome model's score, through the
        delta method), whose cluster sums give the standard error, so the covariates'
        sampling variability is counted as a bootstrap would; and each row's prediction
        under ``X1`` and ``X0``.
    """
    mean = (lambda lin: lin) if linear else predict_linear
    slope = (lambda m: np.ones_like(m)) if linear else (lambda m: m * (1 - m))
    m, m1, m0 = mean(X @ params), mean(X1 @ params), mean(X0 @ params)
    n = len(y)
    estimate = float(np.mean(m1 - m0))
    grad = (X1.T @ slope(m1) - X0.T @ slope(m0)) / n
    hessian = (X * slope(m)[:, None]).T @ X / n
    scores = X * (np.asarray(y, dtype=float) - m)[:, None]
    influence = (m1 - m0 - estimate) + scores @ np.linalg.solve(hessian, grad)
    return estimate, influence, m1, m0
