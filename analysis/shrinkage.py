"""Empirical-Bayes (beta-binomial) shrinkage of per-agent adoption rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from functools import lru_cache

from scipy.special import betaln, expit, logit
from scipy.stats import beta

WEAK_PRIOR = (1.0, 1.0)
"""Uniform Beta(1, 1), used when fewer than two agents in a group have any calls."""


def _fit_prior(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) by maximum likelihood of the beta-binomial counts, in (mean, strength)."""
    used = n > 0
    order = np.lexsort((x[used], n[used]))  # the fit depends on the counts, not row order
    x, n = x[used][order], n[used][order]
    # the same counts give the same prior: the priorities fit each practice's agents twice
    # (by agent and team, and by agent), which are the same counts when no agent changed team
    return _fitted_prior(x.tobytes(), n.tobytes())


@lru_cache(maxsize=64)
def _fitted_prior(x_bytes: bytes, n_bytes: bytes) -> tuple[float, float]:
    """:func:`_fit_prior` of the sorted counts of agents with calls (float64 bytes)."""
    x, n = np.frombuffer(x_bytes), np.frombuffer(n_bytes)
    if len(n) < 2:
        return WEAK_PRIOR
    total = float(n.sum())  # cap on a + b: the prior is never worth more than all the calls
    pooled = x.sum() / total
    if pooled in (0.0, 1.0):
        # every call used it (or none did): no spread to estimate, so the prior is the
        # pooled rate pulled half a call towards the middle, at full strength
        mean = (x.sum() + 0.5) / (total + 1.0)
        return mean * total, (1 - mean) * total

    # method-of-moments start: spread of raw rates beyond binomial noise
    between = np.var(x / n, ddof=1) - np.mean(pooled * (1 - pooled) / n)
    strength0 = pooled * (1 - pooled) / between - 1 if between > 0 else 1e3
    start = [logit(pooled), np.log(np.clip(strength0, 1e-1, total))]

    # scipy's betabinom.logpmf, term for term (the same numbers), without its argument checks:
    # log C(n, x) is the same at every step
    k = np.floor(x)
    combiln = -np.log(n + 1) - betaln(n - k + 1, k + 1)

    def neg_loglik(theta):
        mean, strength = expit(theta[0]), np.exp(theta[1])
        a, b = mean * strength, (1 - mean) * strength
        return -(combiln + betaln(k + a, n - k + b) - betaln(a, b)).sum()

    fit = minimize(neg_loglik, start, method="L-BFGS-B",
                   bounds=[(-20, 20), (np.log(1e-2), np.log(total))],
                   options={"ftol": 1e-14, "gtol": 1e-9})
    mean, strength = float(expit(fit.x[0])), float(np.exp(fit.x[1]))
    if strength >= 0.999 * total:
        # no spread beyond binomial noise: the likelihood keeps rising towards a plain
        # binomial, whose MLE is the pooled rate; take it exactly at the capped strength
        mean, strength = float(pooled), total
    return mean * strength, (1 - mean) * strength


def shrink_rates(df: pd.DataFrame, *, successes: str = "n_used", trials: str = "n_calls",
                 group_cols=()) -> pd.DataFrame:
    """Per-agent adoption rates shrunk towards their group's typical rate.

    The estimand is each agent's long-run adoption rate: the probability that the
    agent uses the practice on an upset call. Raw rates x/n from few calls are noisy
    and crowd the top and bottom of any ranking, so agents are treated as draws from
    a Beta(a, b) distribution of rates, fitted across the agents of each group by
    maximum likelihood of the beta-binomial counts (empirical Bayes). Each agent's
    estimate is then the posterior mean ``(x + a) / (n + a + b)``: an agent with few
    calls is pulled most of the way to the prior mean ``a / (a + b)``, one with many
    calls keeps nearly its raw rate. The interval is the equal-tailed 95% interval
    of the Beta(x + a, n - x + b) posterior (it treats a and b as known).

    Fallbacks: a group where fewer than two agents have any calls gets the uniform
    prior Beta(1, 1) (posterior mean (x + 1) / (n + 2)). The prior's strength a + b
    is capped at the group's total calls, so it never outweighs all the data. When
    agents vary no more than binomial noise explains, the fit runs to that cap and
    the prior mean is set to the pooled rate, so every agent gets the pooled rate and
    an interval about as wide as the pooled rate's own; when the pooled rate is 0 or
    1, the prior mean is (x_total + 0.5) / (n_total + 1) at that strength.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per agent (per group): counts of successes and trials.
    successes : str, default "n_used"
        Column with the number of assessed upset calls where the practice was used.
    trials : str, default "n_calls"
        Column with the number of assessed upset calls.
    group_cols : sequence of str, default ()
        Columns defining separate families (e.g. ``("practice",)``): a prior is fitted
        within each. Empty means one family.

    Returns
    -------
    pandas.DataFrame
        The input columns, in the input's row order and index, plus ``raw_rate``
        (x / n; NaN when n is 0), ``shrunk_rate`` (posterior mean; the prior mean when
        n is 0), ``ci_low``, ``ci_high`` (95% posterior interval) and ``prior_a``,
        ``prior_b`` (the group's fitted prior).

    Raises
    ------
    ValueError
        If counts are missing, negative, or successes exceed trials.
    """
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    x_all = pd.to_numeric(df[successes]).to_numpy(dtype=float)
    n_all = pd.to_numeric(df[trials]).to_numpy(dtype=float)
    if np.isnan(x_all).any() or np.isnan(n_all).any():
        raise ValueError(f"{successes} and {trials} must not be missing")
    if (x_all < 0).any() or (x_all > n_all).any():
        raise ValueError(f"need 0 <= {successes} <= {trials}")

    a_all = np.empty(len(df))
    b_all = np.empty(len(df))
    positions = np.arange(len(df))
    groups = (df.groupby(group_cols, sort=False, dropna=False).indices.values()
              if group_cols else [positions])
    for rows in groups:
        a_all[rows], b_all[rows] = _fit_prior(x_all[rows], n_all[rows])

    post_a, post_b = x_all + a_all, n_all - x_all + b_all
    out = df.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["raw_rate"] = np.where(n_all > 0, x_all / n_all, np.nan)
    out["shrunk_rate"] = post_a / (post_a + post_b)
    out["ci_low"] = beta.ppf(0.025, post_a, post_b)
    out["ci_high"] = beta.ppf(0.975, post_a, post_b)
    out["prior_a"] = a_all
    out["prior_b"] = b_all
    return out
