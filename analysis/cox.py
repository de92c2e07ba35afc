"""Cox proportional hazards of time to churn, standard errors clustered by agent.

The estimand of each term is its hazard ratio: how many times higher the
instantaneous rate of churn is on a call with the practice than on an otherwise
similar call without it (the other terms held fixed), assumed constant over
follow-up; a per-term test of that assumption comes alongside.

statsmodels' PHReg finds the coefficients. The score and Schoenfeld residuals
are computed here, vectorised by distinct time and with the Efron correction for
ties that R's survival package uses: statsmodels' own score residuals ignore
the correction and loop over every risk set, far too slowly for a million calls.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

COLUMNS = ["term", "log_hr", "se", "hazard_ratio", "ci_low", "ci_high", "p_value",
           "ph_p_value", "n", "n_events", "warning"]
NUMBERS = ["log_hr", "se", "hazard_ratio", "ci_low", "ci_high", "p_value", "ph_p_value"]
MAX_ITER = 30          # Newton steps; a Cox fit that has not settled by then will not
MAX_ABS_LOG_HR = 15.0  # a hazard ratio beyond e**15 is separation, not an estimate
FEW_AGENTS = 20        # below this many clusters the sandwich variance runs small


def fit_cox(df: pd.DataFrame, terms, *, time: str = "time_days", event: str = "event",
            cluster: str | None = "agent_id", ties: str = "efron",
            alpha: float = 0.05) -> pd.DataFrame:
    """Hazard ratio of churn for each term of a Cox model, clustered by agent.

    Fits ``h(t | x) = h0(t) exp(x'beta)`` by partial likelihood (statsmodels
    PHReg). Each ``exp(beta_j)`` estimates how many times the rate of churn is
    multiplied by one unit of term j (for a 0/1 practice: using it versus not)
    with the other terms held fixed, assuming that ratio is constant in time.

    Standard errors are the robust sandwich ``V B V`` with ``V`` the inverse
    information and ``B`` the sum over clusters of the outer product of the
    cluster's summed score residuals (Efron-corrected), as R's
    ``coxph(..., cluster = agent_id)``: no small-sample factor. ``ph_p_value``
    is the Grambsch-Therneau test of survival < 3.0's ``cox.zph`` with
    ``transform = "km"``: the correlation of the scaled Schoenfeld residuals with
    one minus the Kaplan-Meier estimate just before each churn, using the
    model-based (not clustered) variance, so take it as a screen.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per call. Rows with a missing value in any column used are left
        out (and counted in the warning).
    terms : sequence of str
        Numeric columns (0/1 practices, numeric covariates) to model jointly.
    time, event : str
        Days to churn or censoring (>= 0), and 1 for churn, 0 for censored.
    cluster : str or None
        Column of cluster labels (the agent); None for model-based errors.
    ties : {"efron", "breslow"}
        Approximation for tied churn times.
    alpha : float
        The confidence intervals cover ``1 - alpha``.

    Returns
    -------
    pandas.DataFrame
        One row per term, in the order given: term, log_hr, se, hazard_ratio,
        ci_low, ci_high (interval for the hazard ratio, exp of the Wald interval
        of log_hr), p_value (Wald), ph_p_value, n (calls used), n_events,
        warning (plain words, or None). Numbers are nullable ``Float64``: a
        number that cannot be estimated is ``<NA>``, never NaN or infinite
        (nor a log hazard ratio beyond +-15, the mark of separated data).
        Terms without variation, collinear with earlier terms, or with no churn
        on one side (a 0/1 term) are left out of the model and reported with
        their reason.

    Raises
    ------
    ValueError
        A column is missing or a term repeated, a time is negative or an event
        is not 0/1: mistakes of the caller rather than of the data.
    """
    terms = list(terms)
    _check_arguments(df, terms, [time, event] + ([cluster] if cluster else []), ties)
    used = list(dict.fromkeys([time, event, *terms] + ([cluster] if cluster else [])))
    data = df[used].dropna()
    t = data[time].to_numpy(dtype=float)
    e = data[event].to_numpy(dtype=float)
    if (t < 0).any() or not np.isin(e, (0.0, 1.0)).all():
        raise ValueError(f"{time} must be >= 0 and {event} 0 or 1")
    left_out = len(df) - len(data)
    notes = [f"{left_out} call{'s' if left_out > 1 else ''} with missing values left out"] if left_out else []
    out = pd.DataFrame({"term": terms, "n": len(data), "n_events": int(e.sum())})
    for col in NUMBERS:
        out[col] = pd.array([None] * len(terms), dtype="Float64")
    reasons: dict[str, list[str]] = {term: [] for term in terms}

    if len(data) == 0 or e.sum() == 0:
        why = "no calls to analyse" if len(data) == 0 else "no churn events: hazard ratios cannot be estimated"
        return _finish(out, reasons, [why, *notes])
    X = data[terms].to_numpy(dtype=float)
    keep = _screen_terms(X, e, terms, reasons)
    if keep:
        codes = pd.factorize(data[cluster])[0] if cluster else None
        notes += _fit_kept(out, t, e, X[:, keep], keep, codes, ties, alpha, reasons)
    return _finish(out, reasons, notes)


def _check_arguments(df, terms, columns, ties):
    missing = [c for c in [*columns, *terms] if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    if len(set(terms)) < len(terms):
        raise ValueError(f"terms repeat: {terms}")
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")


def _screen_terms(X, e, terms, reasons) -> list[int]:
    """Indices of the terms a Cox model can estimate; the rest get a reason."""
    keep = []
    for j, term in enumerate(terms):
        x = X[:, j]
        binary = np.isin(x, (0.0, 1.0)).all()
        if x.min() == x.max():
            reasons[term].append(
                f"{term} is {'used on every call' if x[0] == 1 else 'never used'}: no comparison group"
                if binary else f"{term} has the same value on every call: its effect cannot be estimated")
        elif binary and e @ x == 0:
            reasons[term].append(f"no churn among calls with {term}: its hazard ratio cannot be estimated")
        elif binary and e @ x == e.sum():
            reasons[term].append(f"no churn among calls without {term}: its hazard ratio cannot be estimated")
        else:
            keep.append(j)
    dropped = {keep[j] for j in _collinear(X[:, keep])}
    for j in sorted(dropped):
        reasons[terms[j]].append(f"{terms[j]} is fully determined by the other terms (collinear): left out")
    return [j for j in keep if j not in dropped]


def _collinear(X, tol: float = 1e-10) -> list[int]:
    """Columns that are (numerically) linear combinations of earlier columns."""
    if X.shape[1] == 0:
        return []
    mean = X.mean(axis=0)
    cross = sum((c - mean).T @ (c - mean) for c in np.array_split(X, max(1, len(X) // 100_000)))
    scale = np.sqrt(np.diag(cross))
    corr = cross / np.outer(scale, scale)
    kept, out = [], []
    for j in range(X.shape[1]):
        trial = kept + [j]
        if np.linalg.eigvalsh(corr[np.ix_(trial, trial)])[0] > tol:
            kept = trial
        else:
            out.append(j)
    return out


def _fit_kept(out, t, e, X, keep, codes, ties, alpha, reasons) -> list[str]:
    """Fit the screened terms, fill their rows of ``out``; return model-wide notes."""
    names = out["term"].to_numpy()[keep]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence is judged below, from the score
            result = PHReg(t, X, status=e, ties=ties, missing="none").fit(maxiter=MAX_ITER)
        beta, cov = np.asarray(result.params), np.asarray(result.cov_params())
    except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError) as exc:
        return [f"the model could not be fitted ({exc}): no estimates shown"]
    with np.errstate(all="ignore"):
        parts = _risk_set_parts(t, e, X, beta, ties)
        scores, gradient = _cluster_scores(X, e, parts, codes)
        decrement = gradient @ cov @ gradient
    if not (np.isfinite(beta).all() and np.isfinite(cov).all() and decrement < 1e-6):
        return ["the model did not converge (a term may all but separate churned from retained calls): "
                "no estimates shown"]

    notes = []
    se = np.sqrt(np.diag(cov))
    if codes is not None:
        n_agents = codes.max() + 1
        se = np.sqrt(np.diag(cov @ (scores.T @ scores) @ cov))
        if n_agents == 1:
            se = np.full(len(beta), np.nan)
            notes.append("all calls come from one agent: standard errors that allow for "
                         "agent clustering need calls from several agents")
        elif n_agents < FEW_AGENTS:
            notes.append(f"only {n_agents} agents: agent-clustered standard errors are "
                         f"unreliable with fewer than {FEW_AGENTS}")
    ph = _ph_p_values(X, e, parts, cov)
    if np.isnan(ph).all():
        notes.append("all churn happened on one day: proportional hazards cannot be checked")
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(all="ignore"):
        numbers = {"log_hr": beta, "se": se, "hazard_ratio": np.exp(beta),
                   "ci_low": np.exp(beta - z * se), "ci_high": np.exp(beta + z * se),
                   "p_value": 2 * stats.norm.sf(np.abs(beta / se)), "ph_p_value": ph}
    for i, (row, name) in enumerate(zip(keep, names)):
        if abs(beta[i]) > MAX_ABS_LOG_HR:
            reasons[name].append(f"the estimate for {name} runs off to an extreme (the data "
                                 "almost separate calls with and without it): not shown")
            continue
        for col, values in numbers.items():
            if np.isfinite(values[i]):
                out.loc[row, col] = float(values[i])
    return notes


def _risk_set_parts(t, e, X, beta, ties) -> dict:
    """Risk-set sums at each distinct time, split into Efron's sub-steps at ties.

    A time with d churns is d sub-steps; at sub-step l the churning calls keep
    weight 1 - l/d in the risk set and each counts 1/d of an event (R survival's
    ``coxscore``). Returns, per distinct time: the mean covariate over the
    sub-steps ``mbar``, and the cumulative hazard ``H`` and ``G`` (the
    hazard-weighted mean) that give every call's score residual in one pass.
    """
    times, at = np.unique(t, return_inverse=True)
    k = len(times)
    eta = X @ beta
    w = np.exp(eta - eta.max())
    deaths = np.bincount(at, weights=e, minlength=k)

    def by_time(weights):
        return np.bincount(at, weights=weights, minlength=k)

    s0 = by_time(w)[::-1].cumsum()[::-1]
    d0 = by_time(w * e)
    s1 = np.column_stack([by_time(w * x) for x in X.T])[::-1].cumsum(axis=0)[::-1]
    d1 = np.column_stack([by_time(w * e * x) for x in X.T])
    step_time = np.repeat(np.arange(k), deaths.astype(int))
    first = (np.cumsum(deaths) - deaths)[step_time]
    frac = (np.arange(len(step_time)) - first) / deaths[step_time] if ties == "efron" else 0.0 * step_time
    c = s0[step_time] - frac * d0[step_time]

    def per_time(v):
        return np.bincount(step_time, weights=v, minlength=k)

    a1, a2, f1, f2, ff2 = (per_time(v) for v in (1 / c, c**-2.0, frac / c, frac / c**2, frac**2 / c**2))
    mbar = (s1 * a1[:, None] - d1 * f1[:, None]) / np.where(deaths > 0, deaths, 1)[:, None]
    g = s1 * a2[:, None] - d1 * f2[:, None]
    return {"at": at, "w": w, "deaths": deaths, "mbar": mbar, "H": a1.cumsum(),
            "G": g.cumsum(axis=0), "h_tied": f1, "g_tied": s1 * f2[:, None] - d1 * ff2[:, None]}


def _cluster_scores(X, e, parts, codes):
    """Score residuals summed by cluster (or None), and the total score."""
    at, w = parts["at"], parts["w"]
    n_groups = 0 if codes is None else codes.max() + 1
    sums = np.empty((n_groups, X.shape[1]))
    gradient = np.empty(X.shape[1])
    for j, x in enumerate(X.T):
        resid = (e * (x - parts["mbar"][at, j]) - w * (x * parts["H"][at] - parts["G"][at, j])
                 + w * e * (x * parts["h_tied"][at] - parts["g_tied"][at, j]))
        gradient[j] = resid.sum()
        if codes is not None:
            sums[:, j] = np.bincount(codes, weights=resid, minlength=n_groups)
    return (None if codes is None else sums), gradient


def _ph_p_values(X, e, parts, cov) -> np.ndarray:
    """Per-term p-values of survival 2.x ``cox.zph(fit, transform = "km")``.

    With Schoenfeld residuals ``r`` (one row per churn), ``g`` one minus the
    left-continuous Kaplan-Meier estimate at each churn, centred, and ``D`` the
    number of churns: ``chisq_j = (D g'r V)_j**2 / (V_jj D sum g**2)`` on 1 df.
    """
    at, deaths = parts["at"], parts["deaths"]
    at_risk = np.bincount(at, minlength=len(deaths))[::-1].cumsum()[::-1]
    km_before = np.concatenate([[1.0], np.cumprod(1 - deaths / at_risk)[:-1]])
    g = np.where(e == 1, 1 - km_before[at], 0.0)
    n_dead = e.sum()
    g[e == 1] -= g[e == 1].mean()
    gg = g @ g
    if gg <= 1e-12:
        return np.full(X.shape[1], np.nan)
    g_r = g @ X - np.bincount(at, weights=g, minlength=len(deaths)) @ parts["mbar"]
    test = n_dead * g_r @ cov
    return stats.chi2.sf(test**2 / (np.diag(cov) * n_dead * gg), 1)


def _finish(out, reasons, notes) -> pd.DataFrame:
    out["warning"] = pd.Series([("; ".join(reasons[term] + notes) or None) for term in out["term"]],
                               index=out.index, dtype=object)
    return out[COLUMNS]
