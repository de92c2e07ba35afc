"""Minimum detectable risk difference for a practice's effect on churn.

The power of each candidate effect comes from statsmodels (``normal_power_het``, or
``ttest_power`` with the t reference of few agents); only the root is found here, with
scipy's ``brentq``, because statsmodels' solvers cannot take this problem as posed:
``NormalIndPower.solve_power`` solves for a standardised effect ``d = m / sigma`` with
``sigma`` fixed in advance, while the standard deviation of a difference of two proportions
depends on the effect itself (``p1 = p0 - m``). Its usual fix, Cohen's h
(``proportion_effectsize``, the arcsine scale), makes ``sigma`` constant but then answers for
a different test than the Wald z-test of calmline's intervals: 1-5% off on the cases in
tests/analysis/test_power.py.
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.special import ndtr, ndtri
from statsmodels.stats.power import normal_power_het, ttest_power


def normal_power_two_sided(diff: float, nobs: float, alpha: float, std: float) -> float:
    """statsmodels' ``normal_power_het(diff, nobs, alpha, std_null=std, std_alternative=std)``
    (two-sided), with the same arithmetic on scipy's ``ndtr``/``ndtri`` (what ``stats.norm``'s
    ``sf``, ``isf``, ``cdf`` and ``ppf`` compute), so the same float: without ``scipy.stats``'
    argument handling, about 1.5 ms a call, which the root search of :func:`mde_risk_difference`
    (15-20 calls a row) paid on every row of a fit and of an estimate for a filter."""
    if not (math.isfinite(std) and std > 0):
        return float(normal_power_het(diff, nobs, alpha, std_null=std, std_alternative=std))
    shift = diff * math.sqrt(nobs) / std
    return float(ndtr(-(-ndtri(alpha / 2.0) * 1.0 - shift)) + ndtr(ndtri(alpha / 2.0) * 1.0 - shift))


def _power(m: float, n_with: float, n_without: float, p0: float,
           alpha: float, design_effect: float, df: float | None) -> float:
    """Two-sided power for a reduction m (p1 = p0 - m), unpooled variance at p0 and p1."""
    p1 = p0 - m
    # standard deviation per call of the 'with' arm: se = std / sqrt(n_with)
    std = math.sqrt(design_effect * (p1 * (1 - p1) + p0 * (1 - p0) * n_with / n_without))
    if df is None:
        return normal_power_two_sided(m, n_with, alpha, std)
    achieved = float(ttest_power(m / std, n_with, alpha, df=df))
    if not math.isfinite(achieved) and m / std * math.sqrt(n_with) > 8:
        return 1.0  # scipy's noncentral t gives NaN far out, where power exceeds 0.99999 (nc = 8, df = 9)
    return achieved


def mde_risk_difference(n_with, n_without, base_rate, *, alpha=0.05, power=0.80,
                        design_effect=1.0, df=None) -> float | None:
    """Smallest reduction in churn risk that a comparison of this size would detect.

    The estimand is the minimum detectable effect of a practice: the size ``m`` of
    the risk difference ``p_with - p_without = -m`` (churn probability among calls
    where the practice was used, minus among calls where it was not) that a
    two-sided two-proportion z-test at level ``alpha`` would declare significant
    with probability ``power``. Only the protective direction is solved (the
    practice lowers churn, ``p_with = base_rate - m``), because that is the effect
    a trainer hopes to find; the harmful direction gives a slightly different
    number when base_rate is not 0.5.

    Power uses the normal approximation with the unpooled variance evaluated at
    both proportions, ``Var = deff * (p1 (1 - p1) / n_with + p0 (1 - p0) / n_without)``
    with ``p0 = base_rate`` and ``p1 = p0 - m``, both tails counted (statsmodels'
    ``normal_power_het``; with ``df``, the noncentral t of ``ttest_power`` with
    noncentrality ``m / sqrt(Var)``), and is solved exactly for ``m`` with Brent's method
    (power rises with ``m`` over (0, p0)).

    Parameters
    ----------
    n_with : int or float
        Upset calls where the practice was used.
    n_without : int or float
        Upset calls where it was not.
    base_rate : float
        Churn rate among calls without the practice, in [0, 1].
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.80
        Target probability of detecting the effect; must exceed ``alpha``.
    design_effect : float, default 1.0
        Variance inflation for clustering (calls of one agent or one customer are
        not independent): the variance of both arms is multiplied by it, which is
        the same as dividing each n by it. Kish's ``1 + (k - 1) * ICC`` for an
        average cluster size k, or the ratio of a clustered to a naive variance
        (calmline uses the ratio of the fitted estimate's variance, clustered and
        covariate-adjusted, to this simple variance at the observed rates).
    df : float, optional
        Degrees of freedom of a t reference (few agents: agents - 1); None for normal.

    Returns
    -------
    float or None
        The minimum detectable reduction ``m`` as a positive number in probability
        units (0.012 = 1.2 points less churn). None when n_with or n_without is 0,
        when base_rate is 0 or 1 (no variation to detect), or when even removing
        all churn (``m = base_rate``) would be detected with less than ``power``.

    Raises
    ------
    ValueError
        For negative counts, base_rate outside [0, 1], alpha outside (0, 1),
        power outside (alpha, 1), or a non-positive design_effect.
    """
    if n_with < 0 or n_without < 0:
        raise ValueError("n_with and n_without must be non-negative")
    if not 0 <= base_rate <= 1:
        raise ValueError("base_rate must lie in [0, 1]")
    if not 0 < alpha < 1 or not alpha < power < 1:
        raise ValueError("need 0 < alpha < power < 1")
    if not design_effect > 0:
        raise ValueError("design_effect must be positive")
    if n_with == 0 or n_without == 0 or base_rate in (0, 1):
        return None

    def gap(m: float) -> float:
        return _power(m, n_with, n_without, base_rate, alpha, design_effect, df) - power

    if gap(base_rate) < 0:
        return None
    return float(brentq(gap, 0.0, base_rate, xtol=1e-12, rtol=1e-12))
