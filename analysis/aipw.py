"""Doubly robust (augmented inverse-probability-weighted) effect of one practice on churn.

The estimand is the same as the logit AME: the mean over upset calls of
P(churn | practice used) - P(churn | not used), everything else as it was. AIPW
combines an outcome model (the logit with every practice and the pre-call
covariates) with a propensity model (the chance the agent used the practice,
given the pre-call covariates and the other practices); it stays consistent if
either model is right. Calls whose propensity is outside [trim, 1 - trim] are
left out (reported), and standard errors are clustered by agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calmline.analysis import logit

TRIM = 0.01
"""Calls with a propensity below this, or above 1 minus it, are outside the overlap and left out."""


@dataclass
class AipwResult:
    """One practice's doubly robust effect, its overlap and its weights."""

    estimate: float | None
    se: float | None
    n_used: int
    n_trimmed: int
    propensity: np.ndarray | None
    kept: np.ndarray | None
    warning: str | None = None


def estimate(X_other: np.ndarray, names_other: list[str], a: np.ndarray, y: np.ndarray,
             p1: np.ndarray, p0: np.ndarray, groups: np.ndarray, *, trim: float = TRIM) -> AipwResult:
    """AIPW estimate of the effect of binary ``a`` on ``y``.

    Parameters
    ----------
    X_other : (n, k) array
        Propensity design: intercept, pre-call covariates and the other practices.
    a, y : (n,) arrays
        The practice (0/1) and the outcome: 0/1 (churn), or any numbers for a continuous
        outcome, whose estimate is then a mean difference in the outcome's unit.
    p1, p0 : (n,) arrays
        Outcome-model predictions (probabilities, or means for a continuous outcome) for
        each call with the practice used and not used.
    groups : (n,) array
        Agents, for the cluster-robust standard error.
    trim : float
        Overlap bound for the propensity.

    Returns
    -------
    AipwResult
        The estimate (probability units, or the outcome's unit) and its standard error, or
        None with a warning when the propensity model cannot be fitted or too few calls overlap.
    """
    n = len(a)
    if a.min() == a.max():
        return AipwResult(None, None, n, 0, None, None, "no variation: the practice is used on "
                          + ("every" if a.min() == 1 else "no") + " call")
    prop = logit.fit(X_other, a, groups, names_other, covariance=False)
    if not prop.ok:
        return AipwResult(None, None, n, 0, None, None, f"propensity model: {prop.warning}")
    e = logit.predict(prop.params, X_other)
    kept = (e >= trim) & (e <= 1 - trim)
    n_kept = int(kept.sum())
    if n_kept < 50 or a[kept].min() == a[kept].max():
        return AipwResult(None, None, n, n - n_kept, e, kept,
                          "no overlap: the practice is (almost) determined by the call's situation "
                          "and the agent's other practices")
    a_k, y_k, e_k, p1_k, p0_k, g_k = a[kept], y[kept], e[kept], p1[kept], p0[kept], groups[kept]
    psi = p1_k - p0_k + a_k * (y_k - p1_k) / e_k - (1 - a_k) * (y_k - p0_k) / (1 - e_k)
    tau = float(psi.mean())
    se = _cluster_se(psi - tau, g_k)
    warning = None
    if n - n_kept > 0.05 * n:
        warning = f"{n - n_kept:,} calls ({(n - n_kept) / n:.0%}) outside the overlap were left out"
    return AipwResult(tau, se, n, n - n_kept, e, kept, warning)


def _cluster_se(centered: np.ndarray, groups: np.ndarray) -> float:
    """Standard error of a mean of influence values, summed within clusters."""
    n = len(centered)
    sums = np.bincount(logit._codes(groups), weights=centered)
    g = int(np.count_nonzero(np.bincount(logit._codes(groups))))
    if g < 2:
        return float(np.sqrt(np.sum(centered ** 2)) / n)
    return float(np.sqrt(g / (g - 1) * np.sum(sums ** 2)) / n)


def balance(covariates: np.ndarray, names: list[str], a: np.ndarray, e: np.ndarray,
            kept: np.ndarray, squares: np.ndarray | None = None) -> list[tuple[str, float, float]]:
    """Standardized mean differences (used minus not used) before and after weighting.

    Returns (covariate, smd_before, smd_after) for every column but the intercept;
    after weighting by 1/e and 1/(1 - e) among calls inside the overlap, |SMD| < 0.1
    is the usual mark of good balance. ``squares`` (covariates squared) may be passed
    in when balance is checked for many practices on the same covariates.
    """
    if covariates.shape[1] < 2 or a.min() == a.max():
        return []
    w = np.where(a == 1, 1 / np.clip(e, 1e-9, None), 1 / np.clip(1 - e, 1e-9, None)) * kept
    X = covariates[:, 1:]  # column 0 is the intercept; slicing makes no copy
    sq = (squares if squares is not None else covariates * covariates)[:, 1:]
    t, c = (a == 1).astype(float), (a == 0).astype(float)
    m1, m0 = (t @ X) / t.sum(), (c @ X) / c.sum()
    v1, v0 = (t @ sq) / t.sum() - m1 ** 2, (c @ sq) / c.sum() - m0 ** 2
    pooled = np.sqrt(np.clip((v1 + v0) / 2, 0, None))
    varies = pooled > 0
    pooled = np.where(varies, pooled, 1.0)
    before = (m1 - m0) / pooled
    wt, wc = w * t, w * c
    after = (((wt @ X) / wt.sum() - (wc @ X) / wc.sum()) / pooled if wt.sum() > 0 and wc.sum() > 0
             else np.zeros(X.shape[1]))
    cols = [j + 1 for j in range(X.shape[1]) if varies[j]]
    before, after = before[varies], after[varies]
    return [(names[j], float(b0), float(b1)) for j, b0, b1 in zip(cols, before, after)]
