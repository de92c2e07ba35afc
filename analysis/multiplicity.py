"""Benjamini-Hochberg q-values for the practices' p-values, one family at a time (statsmodels'
``multipletests``; missing p-values are left out of the family)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

FDR_LEVEL = 0.05
"""The false discovery rate at which a q-value counts as a discovery."""


def bh_qvalues(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order.

    The q-value of a test is the smallest false discovery rate at which the
    Benjamini-Hochberg (1995) step-up procedure would still call it a discovery:
    among all tests with q <= Q, the expected share of false discoveries is at
    most Q (under independence or positive dependence). With the m p-values
    sorted, p_(1) <= ... <= p_(m), ``q_(i) = min(1, min_{j >= i} m * p_(j) / j)``,
    so q-values are monotone in p and never exceed 1. This is R's
    ``p.adjust(p, "BH")``; computed by statsmodels' ``multipletests(p, method="fdr_bh")``,
    which this wraps for the missing values.

    Missing p-values (None, NaN, pd.NA) are left out of the family: m counts
    only the p-values present, and the missing ones come back as NaN in their
    places (the caller reports them as None with a warning).

    Parameters
    ----------
    p_values : array-like of float or None
        Unadjusted p-values in [0, 1], one per test, in any order.

    Returns
    -------
    numpy.ndarray
        float array of the same length: the q-values, NaN where the input was
        missing. Empty input gives an empty array.

    Raises
    ------
    ValueError
        If a p-value present is outside [0, 1], or the input is not 1-d.

    Examples
    --------
    Reference, R 4.2.2 (``NA`` is left out of m there too)::

        > p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.20, 0.041), "BH")
        [1] 0.0300     NA 0.0492 0.0492 0.0300 0.2000 0.0492

    >>> bh_qvalues([0.01, None, 0.04, 0.03, 0.005, 0.20, 0.041]).round(4).tolist()
    [0.03, nan, 0.0492, 0.0492, 0.03, 0.2, 0.0492]
    """
    raw = np.asarray(p_values, dtype=object)
    if raw.ndim != 1:
        raise ValueError("p_values must be one-dimensional")
    p = pd.to_numeric(pd.Series(raw, dtype=object), errors="raise")
    p = p.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(p)
    if np.any((p[present] < 0) | (p[present] > 1)):
        raise ValueError("p-values must lie in [0, 1]")

    q = np.full(p.shape, np.nan)
    m = int(present.sum())
    if m == 0:
        return q
    q[present] = multipletests(p[present], alpha=FDR_LEVEL, method="fdr_bh")[1]
    return q
