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

This module imports nothing of calmline's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import sparse

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
        is absorbed by the fixed effects and dropped).
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
    Xw = demean(np.asarray(X, dtype=float), codes)
    yw = demean(np.asarray(y, dtype=float)[:, None], codes)[:, 0]
    scale = np.abs(Xw).max(axis=0)
    keep = np.flatnonzero(scale > 1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # hasconst=False: demeaned columns have none, and statsmodels' search for one costs an SVD
        res = sm.OLS(yw, Xw[:, keep], hasconst=False).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                                          use_t=True)
    position = {int(j): i for i, j in enumerate(keep)}
    params, bse = np.asarray(res.params), np.asarray(res.bse)
    ci = np.asarray(res.conf_int(0.05))
    pvalues = np.asarray(res.pvalues)
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


def disagrees(main_estimate, within_low, within_high) -> bool | None:
    """Whether the main estimate lies outside the within-agent 95% interval (None if either is missing)."""
    values = (main_estimate, within_low, within_high)
    if any(v is None or not np.isfinite(float(v)) for v in values):
        return None
    return bool(main_estimate < within_low or main_estimate > within_high)
