"""How strong an unrecorded confounder would have to be to overturn each practice's effect.

Two measures, both standard and both stored per practice (``practice_sensitivity``):

E-value (VanderWeele & Ding 2017, "Sensitivity analysis in observational research: introducing
the E-value", Ann Intern Med 167:268-274). The minimum strength of association, on the risk
ratio scale, that an unmeasured confounder would need with both the practice and churn, above
the measured covariates, to explain the observed risk ratio away: ``RR + sqrt(RR (RR - 1))`` for
RR >= 1, and the same of 1/RR for a protective RR < 1. calmline estimates risk *differences*,
so each is converted to a risk ratio through the baseline risk, as VanderWeele & Ding do for
a difference of proportions: ``RR = (p0 + RD) / p0``, where ``p0`` is the churn the calls would
have had without the practice, standardised as ``mean(churn) - share used x RD`` (exact when the
effect on the calls that got the practice equals the average effect). The E-value of the
confidence interval uses the limit nearest zero, with the same ``p0``; it is 1 when the
interval crosses zero (no confounding is needed to make the effect compatible with none).

Robustness value (Cinelli & Hazlett 2020, "Making sense of sensitivity: extending omitted
variable bias", JRSS B 82:39-67, section 4 and eq. 18-19). From the linear probability
model of churn on the practice, the other practices and the covariates (ordinary least
squares, its classical t-statistic, residual degrees of freedom ``dof``):
``f = |t| / sqrt(dof)``, ``RV_q = (sqrt(f_q^4 + 4 f_q^2) - f_q^2) / 2`` with ``f_q = q f``;
the share of the residual variance of both the practice and churn a confounder would have to
explain to bring the estimate to zero (q = 1). ``RV_q,alpha`` does the same with
``f_q - |t*_(alpha/2, dof-1)| / sqrt(dof - 1)`` in place of ``f_q`` (with the paper's
extreme case ``(f_q^2 - f*^2) / (1 + f_q^2)`` when ``f_q > 1 / f*``), i.e. to make it no
longer significant at level alpha. Benchmark (section 6.2, sensemakr's
``ovb_partial_r2_bound``): a confounder as strong as a measured covariate ``X_j`` (partial R2
``r2dxj`` with the practice and ``r2yxj`` with churn; a group's partial R2 for a covariate of
several columns) would bias the estimate by ``se sqrt(dof) sqrt(r2yz r2dz / (1 - r2dz))``
with ``r2dz = r2dxj / (1 - r2dxj)`` and ``r2yz`` from eq. (6.2). The benchmark reported is the
measured covariate that would move the estimate most.

Everything here takes numpy arrays and returns plain values or a tidy DataFrame; it imports
nothing of calmline's. All regressions share one cross-product matrix, so the whole analysis
costs one pass over the data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05
"""Significance level of ``RV_q,alpha`` and of the benchmark's adjusted interval."""


def e_value(risk_ratio: float) -> float:
    """E-value of a risk ratio (VanderWeele & Ding 2017, eq. 1).

    Parameters
    ----------
    risk_ratio : float
        A positive risk ratio; a protective one (< 1) is inverted first.

    Returns
    -------
    float
        ``RR + sqrt(RR (RR - 1))`` (1 for RR = 1); NaN for a ratio that is not a positive number.
    """
    if risk_ratio is None or not np.isfinite(risk_ratio) or risk_ratio <= 0:
        return float("nan")
    rr = risk_ratio if risk_ratio >= 1 else 1 / risk_ratio
    return float(rr + math.sqrt(rr * (rr - 1)))


def risk_difference_e_values(estimate: float, ci_low: float, ci_high: float, baseline: float
                             ) -> tuple[float, float, float]:
    """The risk ratio of a risk difference, its E-value and its confidence interval's E-value.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        Risk difference and its 95% interval, in probability units (-0.05 = 5 points less churn).
    baseline : float
        The risk without the practice (``p0``), in probability units.

    Returns
    -------
    risk_ratio, e_value, e_value_ci : float
        ``(p0 + RD) / p0``; its E-value; the E-value of the interval limit nearest zero, which is 1
        when the interval crosses zero. NaN when ``p0`` or ``p0 + RD`` is not in (0, 1].
    """
    nan = float("nan")
    if not (0 < baseline <= 1) or any(v is None or not np.isfinite(v) for v in (estimate, ci_low, ci_high)):
        return nan, nan, nan

    def ratio(rd: float) -> float:
        return (baseline + rd) / baseline if 0 < baseline + rd <= 1 else nan

    rr = ratio(estimate)
    if ci_low <= 0 <= ci_high:
        e_ci = 1.0
    else:
        e_ci = e_value(ratio(ci_high if estimate < 0 else ci_low))
    return rr, e_value(rr), e_ci


def partial_r2(t: float, dof: float) -> float:
    """Partial R2 of a regressor from its t-statistic: ``t^2 / (t^2 + dof)`` (Cinelli & Hazlett eq. 17)."""
    return float(t * t / (t * t + dof))


def robustness_value(t: float, dof: float, q: float = 1.0, alpha: float | None = None) -> float:
    """Cinelli & Hazlett's (2020) robustness value ``RV_q`` or ``RV_q,alpha``.

    Parameters
    ----------
    t : float
        The coefficient's t-statistic in the linear regression.
    dof : float
        Residual degrees of freedom of that regression.
    q : float
        Share of the estimate the confounder would remove (1: all of it).
    alpha : float, optional
        With it, the confounder need only make the estimate non-significant at this level.

    Returns
    -------
    float
        A share of residual variance, in [0, 1]; 0 when the estimate is not significant to
        begin with (alpha given).
    """
    fq = q * abs(t) / math.sqrt(dof)
    if alpha is None:
        return float(0.5 * (math.sqrt(fq ** 4 + 4 * fq ** 2) - fq ** 2))
    f_crit = abs(stats.t.ppf(alpha / 2, dof - 1)) / math.sqrt(dof - 1)
    fqa = fq - f_crit
    if fqa <= 0:
        return 0.0
    if fq > 1 / f_crit:
        return float((fq ** 2 - f_crit ** 2) / (1 + fq ** 2))
    return float(0.5 * (math.sqrt(fqa ** 4 + 4 * fqa ** 2) - fqa ** 2))


def adjusted(estimate: float, se: float, dof: float, r2dz_x: float, r2yz_dx: float,
             alpha: float = ALPHA) -> tuple[float, float, float, float]:
    """The estimate had a confounder with these partial R2s been adjusted for (C&H 2020 eq. 11-12).

    The bias ``se sqrt(dof) sqrt(r2yz_dx r2dz_x / (1 - r2dz_x))`` is taken towards zero, and
    the standard error becomes ``se sqrt((1 - r2yz_dx) / (1 - r2dz_x)) sqrt(dof / (dof - 1))``;
    both are exact for ordinary least squares (a test checks them against the regression with
    the confounder included).

    Returns
    -------
    estimate, se, ci_low, ci_high : float
        The adjusted estimate, its standard error and its ``1 - alpha`` interval (t, dof - 1).
    """
    bias = se * math.sqrt(dof) * math.sqrt(r2yz_dx * r2dz_x / (1 - r2dz_x))
    new = float(np.sign(estimate) * (abs(estimate) - bias))
    new_se = float(se * math.sqrt((1 - r2yz_dx) / (1 - r2dz_x)) * math.sqrt(dof / (dof - 1)))
    half = stats.t.ppf(1 - alpha / 2, dof - 1) * new_se
    return new, new_se, new - half, new + half


def benchmark_bound(r2dxj_x: float, r2yxj_dx: float, kd: float = 1.0, ky: float | None = None
                    ) -> tuple[float, float]:
    """Partial R2s of a confounder ``kd`` (``ky``) times as strong as a measured covariate.

    Cinelli & Hazlett 2020, section 6.2 (sensemakr's ``ovb_partial_r2_bound``): with the
    covariate's partial R2 ``r2dxj_x`` with the treatment (given the other covariates) and
    ``r2yxj_dx`` with the outcome (given the treatment and the other covariates),
    ``r2dz_x = kd r2dxj_x / (1 - r2dxj_x)`` and
    ``r2yz_dx = ((sqrt(ky) + sqrt(r2zxj)) / sqrt(1 - r2zxj))^2 r2yxj_dx / (1 - r2yxj_dx)``,
    ``r2zxj = kd r2dxj_x^2 / ((1 - kd r2dxj_x)(1 - r2dxj_x))``; r2yz_dx is capped at 1.

    Returns
    -------
    r2dz_x, r2yz_dx : float
        NaN when such a confounder is impossible (r2dz_x >= 1).
    """
    ky = kd if ky is None else ky
    r2dz = kd * r2dxj_x / (1 - r2dxj_x)
    if r2dz >= 1:
        return float("nan"), float("nan")
    r2zxj = kd * r2dxj_x ** 2 / ((1 - kd * r2dxj_x) * (1 - r2dxj_x))
    r2yz = ((math.sqrt(ky) + math.sqrt(r2zxj)) / math.sqrt(1 - r2zxj)) ** 2 * r2yxj_dx / (1 - r2yxj_dx)
    return float(r2dz), float(min(r2yz, 1.0))


class _Gram:
    """Every least-squares fit among the columns of one matrix, from its cross products.

    Columns are centred (the intercept is then implicit), so the residual sum of squares of
    column ``v`` on columns ``S`` plus an intercept is ``G[v,v] - G[v,S] G[S,S]^-1 G[S,v]``.
    """

    BLOCK_ROWS = 65_536

    def __init__(self, Z: np.ndarray) -> None:
        Zc = Z - Z.mean(axis=0)
        self.G = Zc.T @ Zc
        self.n = Z.shape[0]

    @classmethod
    def of_columns(cls, X: np.ndarray, keep: list[int], y: np.ndarray) -> "_Gram":
        """The same as ``_Gram(np.column_stack([X[:, keep], y]))``, centred a block of rows at a
        time (no n x k copy of the design is made).

        Each block's columns are written into one reused buffer and centred there (no column_stack
        and no centred copy). When every column is kept (the fit's case) the cross products' pass
        writes a block's rows into the buffer as they are, not a fancy-indexed copy of the kept
        columns first: the same values in the buffer, so the same sums, bit for bit
        (``tests/analysis/test_sensitivity_gram.py``)."""
        gram = cls.__new__(cls)
        n, k = len(y), len(keep) + 1
        every = list(keep) == list(range(X.shape[1]))
        blocks = range(0, n, cls.BLOCK_ROWS)
        # the kept columns' copy summed, as before: numpy sums a block's rows in another order
        # when its columns are a view of wider rows (a last-bit difference)
        mean = np.append(sum(row_block(X, a, a + cls.BLOCK_ROWS)[:, keep].sum(axis=0) for a in blocks) / n,
                         y.mean())
        buffer = np.empty((min(cls.BLOCK_ROWS, n), k))
        G = np.zeros((k, k))
        for a in blocks:
            rows = row_block(X, a, a + cls.BLOCK_ROWS)
            block = buffer[:len(rows)]
            block[:, :-1] = rows if every else rows[:, keep]
            block[:, -1] = y[a:a + cls.BLOCK_ROWS]
            block -= mean
            G += block.T @ block
        gram.G, gram.n = G, n
        return gram

    def fit(self, v: int, S: list[int]) -> tuple[np.ndarray, float]:
        """(coefficients of column v on columns S, residual sum of squares)."""
        if not S:
            return np.empty(0), float(self.G[v, v])
        A, b = self.G[np.ix_(S, S)], self.G[S, v]
        coef = np.linalg.lstsq(A, b, rcond=None)[0]
        return coef, float(max(self.G[v, v] - b @ coef, 0.0))


RANGE_ROWS = 65_536
"""Rows per block of :func:`column_ranges` when the matrix is read a block at a time."""


def row_block(X, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of ``X``: an array's slice, or the block of rows of a matrix read a
    block at a time (an object with ``block(start, stop)``, such as
    :class:`calmline.analysis.design.Rows`: a landmark's calls without a gathered copy)."""
    return X.block(start, stop) if hasattr(X, "block") else X[start:stop]


def column_ranges(X) -> np.ndarray:
    """Each column's largest minus smallest value (``X.max(axis=0) - X.min(axis=0)``), in one
    pass; by blocks of rows when ``X`` is read a block at a time (:func:`row_block`)."""
    if not hasattr(X, "block"):
        return X.max(axis=0) - X.min(axis=0)
    if getattr(X, "ranges", None) is not None:
        return X.ranges
    low, high = np.full(X.shape[1], np.inf), np.full(X.shape[1], -np.inf)
    for a in range(0, len(X), RANGE_ROWS):
        block = X.block(a, a + RANGE_ROWS)
        np.minimum(low, block.min(axis=0), out=low)
        np.maximum(high, block.max(axis=0), out=high)
    return high - low


def linear_sensitivity(X: np.ndarray, names: list[str], y: np.ndarray, targets: list[str],
                       groups: dict[str, list[int]], alpha: float = ALPHA) -> pd.DataFrame:
    """Robustness values and the strongest-covariate benchmark of each target column.

    Parameters
    ----------
    X : (n, k) array
        The design: the practices, then the covariates (an intercept column, if any, is ignored);
        or its rows read a block at a time (:func:`row_block`).
    names : list of str
        Column names of ``X``.
    y : (n,) array
        The outcome (0/1 churn: a linear probability model).
    targets : list of str
        The practice columns to analyse.
    groups : dict
        Benchmark covariates: a name (e.g. ``anger_level``) -> positions of its columns in ``X``.
    alpha : float
        Level of ``RV_q,alpha`` and of the benchmark's interval.

    Returns
    -------
    DataFrame
        One row per target: practice, lpm_estimate, lpm_se, lpm_t, dof, partial_r2, rv, rv_alpha,
        benchmark (the group whose equally strong confounder moves the estimate most),
        benchmark_r2d, benchmark_r2y (the bound's partial R2s of such a confounder with the
        practice and with churn), benchmark_estimate, benchmark_ci_low, benchmark_ci_high
        (the estimate and interval adjusted for it), benchmark_explains_away (that interval
        includes zero, or the estimate changes sign; None when the linear model's estimate is
        not significant at ``alpha`` to begin with: there is nothing to explain away).
        Probability units.
    """
    n = len(y)
    # the columns that vary, from each column's range in one pass over the rows (not one strided
    # pass per column)
    keep = [int(j) for j in np.flatnonzero(column_ranges(X) > 0)] if len(X) else []
    gram = _Gram.of_columns(X, keep, np.asarray(y, dtype=float))
    pos = {j: i for i, j in enumerate(keep)}
    yv = len(keep)
    k = len(keep) + 1  # with the intercept
    dof = n - k
    rows = []
    for name in targets:
        j = names.index(name)
        row = dict(practice=name)
        if j not in pos or dof < 3:
            rows.append(row)
            continue
        d = pos[j]
        others = [i for i in range(len(keep)) if i != d]
        coef, rss_full = gram.fit(yv, [d] + others)
        _, rss_wo = gram.fit(yv, others)
        r2 = (rss_wo - rss_full) / rss_wo if rss_wo > 0 else float("nan")
        if not np.isfinite(r2) or r2 >= 1 or rss_full <= 0:
            rows.append(row)
            continue
        est = float(coef[0])
        t = math.copysign(math.sqrt(dof * r2 / (1 - r2)), est)
        se = abs(est / t) if t != 0 else float("nan")
        row.update(lpm_estimate=est, lpm_se=se, lpm_t=t, dof=dof, partial_r2=r2,
                   rv=robustness_value(t, dof), rv_alpha=robustness_value(t, dof, alpha=alpha))
        _, rss_d = gram.fit(d, others)
        significant = abs(t) > stats.t.ppf(1 - alpha / 2, dof)
        best = None
        for group, cols in groups.items():
            g = [pos[c] for c in cols if c in pos and c != j]
            if not g:
                continue
            rest = [i for i in others if i not in g]
            _, rss_d_rest = gram.fit(d, rest)
            _, rss_y_rest = gram.fit(yv, [d] + rest)
            r2d = (rss_d_rest - rss_d) / rss_d_rest if rss_d_rest > 0 else 0.0
            r2y = (rss_y_rest - rss_full) / rss_y_rest if rss_y_rest > 0 else 0.0
            r2dz, r2yz = benchmark_bound(max(r2d, 0.0), max(r2y, 0.0))
            if not np.isfinite(r2dz):
                continue
            new, _, lo, hi = adjusted(est, se, dof, r2dz, r2yz, alpha)
            if best is None or abs(est - new) > abs(est - best["benchmark_estimate"]):
                away = None if significant is False else bool(lo <= 0 <= hi or np.sign(new) != np.sign(est))
                best = dict(benchmark=group, benchmark_r2d=r2dz, benchmark_r2y=r2yz,
                            benchmark_estimate=new, benchmark_ci_low=lo, benchmark_ci_high=hi,
                            benchmark_explains_away=away)
        if best:
            row.update(best)
        rows.append(row)
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


SENSITIVITY_COLUMNS = ["practice", "lpm_estimate", "lpm_se", "lpm_t", "dof", "partial_r2", "rv",
                       "rv_alpha", "benchmark", "benchmark_r2d", "benchmark_r2y", "benchmark_estimate",
                       "benchmark_ci_low", "benchmark_ci_high", "benchmark_explains_away"]
"""The columns :func:`linear_sensitivity` returns."""


def baseline_risk(y: np.ndarray, a: np.ndarray, estimate: float) -> float:
    """The churn the calls would have had without the practice: ``mean(y) - mean(a) x RD``.

    Exact when the effect among calls that got the practice equals the average effect;
    the baseline of the E-value's risk-ratio conversion.
    """
    return float(np.mean(y) - np.mean(a) * estimate)
