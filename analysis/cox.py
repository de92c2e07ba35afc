"""Cox proportional hazards of time to churn, standard errors clustered by agent.

The estimand of each term is its hazard ratio: how many times higher the
instantaneous rate of churn is on a call with the practice than on an otherwise
similar call without it (the other terms held fixed), assumed constant over
follow-up; a per-term test of that assumption comes alongside.

The coefficients come from :mod:`calmline.analysis.cox_engine` (Newton-Raphson on calls
sorted by time). The score and Schoenfeld residuals are computed here from the
same per-time sums, with the Efron correction for ties that R's survival
package uses, summed by agent without a row per call and term held in memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.linalg import blas

from calmline.analysis import cox_engine
from calmline.analysis.logit import FEW_AGENTS

COLUMNS = ["term", "log_hr", "se", "hazard_ratio", "ci_low", "ci_high", "p_value",
           "ph_p_value", "n", "n_events", "warning"]
NUMBERS = ["log_hr", "se", "hazard_ratio", "ci_low", "ci_high", "p_value", "ph_p_value"]
MAX_ITER = 30          # Newton steps; a Cox fit that has not settled by then will not
MAX_ABS_LOG_HR = 15.0  # a hazard ratio beyond e**15 is separation, not an estimate


def fit_cox(df: pd.DataFrame, terms, *, time: str = "time_days", event: str = "event",
            cluster: str | None = "agent_id", ties: str = "efron",
            alpha: float = 0.05) -> pd.DataFrame:
    """Hazard ratio of churn for each term of a Cox model, clustered by agent.

    Fits ``h(t | x) = h0(t) exp(x'beta)`` by partial likelihood (Newton-Raphson
    with step halving, :func:`calmline.analysis.cox_engine.newton`). Each ``exp(beta_j)``
    estimates how many times the rate of churn is multiplied by one unit of term
    j (for a 0/1 practice: using it versus not) with the other terms held fixed,
    assuming that ratio is constant in time.

    Standard errors are the robust sandwich ``V B V`` with ``V`` the inverse
    information and ``B`` the sum over clusters of the outer product of the
    cluster's summed score residuals (Efron-corrected), as R's
    ``coxph(..., cluster = agent_id)``: no small-sample factor. With fewer than
    ``FEW_AGENTS`` (40) agents, as for the logit and AIPW, the sandwich runs small: intervals
    and p-values then use a t distribution with agents - 1 degrees of freedom (the Cox
    covariance itself gets no CR2 correction), and the warning says so. ``ph_p_value``
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
    rows = _complete_rows(df, used)
    t, e = _values(df, time, rows), _values(df, event, rows)
    if (t < 0).any() or not np.isin(e, (0.0, 1.0)).all():
        raise ValueError(f"{time} must be >= 0 and {event} 0 or 1")
    codes = None
    if cluster:
        codes = pd.factorize(df[cluster] if rows is None else df[cluster][rows])[0]
    return _fit_sorted(terms, lambda term: _values(df, term, rows), None, t, e, codes, len(df) - len(t),
                       ties, alpha, {})


def fit_cox_columns(columns: dict[str, np.ndarray], time: np.ndarray, event: np.ndarray,
                    clusters=None, *, rows: np.ndarray | None = None, ties: str = "efron",
                    alpha: float = 0.05, start: dict[str, float] | None = None) -> pd.DataFrame:
    """:func:`fit_cox` on arrays: the same model and the same table, without a DataFrame of the
    terms. Each term's column is read once, straight into the time-sorted matrix the engine
    fits (no frame, no second copy of the design), and ``rows`` picks the calls without a copy
    of the design either (a landmark model's subset).

    Parameters
    ----------
    columns : dict of str to (n,) array
        Each term's values over all n calls (views of a design's columns will do), in the
        order the terms are reported.
    time, event : (n,) arrays
        Days to churn or censoring, and 1 for churn, 0 for censored.
    clusters : (n,) array-like, optional
        Cluster labels (the agent), missing ones left out as :func:`fit_cox` leaves them.
    rows : (n,) bool array, optional
        The calls of the model (all by default); missing values are counted among them.
    ties, alpha
        As :func:`fit_cox`.
    start : dict of str to float, optional
        Log hazard ratios to start Newton from (a related model's, by term; 0 for the others):
        the same maximum, usually in fewer steps.

    Returns
    -------
    pandas.DataFrame
        As :func:`fit_cox`.
    """
    terms = list(columns)
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    t_all, e_all = np.asarray(time, dtype=float), np.asarray(event, dtype=float)
    chosen = np.ones(len(t_all), bool) if rows is None else np.asarray(rows, dtype=bool)
    complete = chosen & ~np.isnan(t_all) & ~np.isnan(e_all)
    for values in columns.values():
        complete &= ~np.isnan(values)
    if clusters is not None:
        complete &= ~np.asarray(pd.isna(clusters), dtype=bool)
    idx = np.flatnonzero(complete)
    if (t_all[idx] < 0).any() or not np.isin(e_all[idx], (0.0, 1.0)).all():
        raise ValueError("time must be >= 0 and event 0 or 1")
    codes = None
    if clusters is not None:
        codes = pd.factorize(pd.Series(clusters, copy=False).take(idx))[0]
    return _fit_sorted(terms, columns.__getitem__, idx, t_all[idx], e_all[idx], codes,
                       int(chosen.sum()) - len(idx), ties, alpha, start or {})


def _fit_sorted(terms, column, idx, t, e, codes, left_out, ties, alpha, start) -> pd.DataFrame:
    """The model of :func:`fit_cox` once its calls are chosen: ``column(term)`` gives a term's
    values (over all calls when ``idx`` says which to take, else over the chosen ones), ``t``,
    ``e`` and ``codes`` are the chosen calls'."""
    notes = [f"{left_out} call{'s' if left_out > 1 else ''} with missing values left out"] if left_out else []
    out = pd.DataFrame({"term": terms, "n": len(t), "n_events": int(e.sum())})
    for col in NUMBERS:
        out[col] = pd.array([None] * len(terms), dtype="Float64")
    reasons: dict[str, list[str]] = {term: [] for term in terms}

    if len(t) == 0 or e.sum() == 0:
        why = "no calls to analyse" if len(t) == 0 else "no churn events: hazard ratios cannot be estimated"
        return _finish(out, reasons, [why, *notes])
    order = cox_engine.sort_order(t, e)
    t, e = t[order], e[order]
    pick = order if idx is None else idx[order]
    X = np.empty((len(t), len(terms)), order="F")  # one column per term, contiguous
    _gather(X, [column(term) for term in terms], pick)
    keep = _screen_terms(cox_engine.Dense(X), e, terms, reasons)
    if keep:
        first = np.array([start.get(terms[j], 0.0) for j in keep]) if start else None
        notes += _fit_kept(out, t, e, cox_engine.Dense(_kept_centred(X, keep)), keep,
                           None if codes is None else codes[order], ties, alpha, reasons, first)
    return _finish(out, reasons, notes)


GATHER_ROWS = 8_192
"""Rows per block when :func:`_gather` reads the rows of a design's array."""


def _column_of(values) -> tuple[np.ndarray, int] | None:
    """(array, column) when ``values`` is a whole column of a C-ordered 2-D float array (a view
    such as ``design.practices[:, j]``), else None."""
    base = values.base if isinstance(values, np.ndarray) else None
    if (base is None or not isinstance(base, np.ndarray) or base.ndim != 2 or values.ndim != 1
            or not base.flags.c_contiguous or base.dtype != np.float64 or values.dtype != np.float64
            or len(values) != base.shape[0] or values.strides[0] != base.strides[0]):
        return None
    column, rest = divmod(values.__array_interface__["data"][0] - base.__array_interface__["data"][0],
                          base.itemsize)
    return (base, column) if rest == 0 and 0 <= column < base.shape[1] else None


def _gather(X: np.ndarray, sources: list, pick: np.ndarray) -> None:
    """``X[:, j] = sources[j][pick]`` for every j. Columns that are views of one 2-D array (the
    design's) are read from it a block of rows at a time, each row of it once for all its
    columns, instead of a strided pass per column; the same values."""
    shared: dict[int, tuple[np.ndarray, list[int], list[int]]] = {}
    for j, values in enumerate(sources):
        found = _column_of(values)
        if found is None:
            np.take(values, pick, out=X[:, j], mode="clip")  # in range: no checks
            continue
        base, column = found
        entry = shared.setdefault(id(base), (base, [], []))
        entry[1].append(j)
        entry[2].append(column)
    for base, targets, columns in shared.values():
        for start in range(0, len(pick), GATHER_ROWS):
            X[start:start + GATHER_ROWS, targets] = base[pick[start:start + GATHER_ROWS]][:, columns]


def _complete_rows(df, columns):
    """Mask of the rows with every column present, or None when all are."""
    complete = np.ones(len(df), dtype=bool)
    for col in columns:
        complete &= df[col].notna().to_numpy()
    return None if complete.all() else complete


def _values(df, column, rows) -> np.ndarray:
    """A column as floats (missing as NaN), only the ``rows`` kept (None: all)."""
    values = df[column].to_numpy(dtype=float, na_value=np.nan)
    return values if rows is None else values[rows]


def _kept_centred(X, keep):
    """The ``keep`` columns of X, each minus its mean, reusing X's memory."""
    for i, j in enumerate(keep):
        if i != j:
            X[:, i] = X[:, j]
    X = X[:, :len(keep)]
    for x in X.T:
        x -= x.mean()
    return X


def _check_arguments(df, terms, columns, ties):
    missing = [c for c in [*columns, *terms] if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    if len(set(terms)) < len(terms):
        raise ValueError(f"terms repeat: {terms}")
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")


def _screen_terms(X, e, terms, reasons) -> list[int]:
    """Indices of the terms a Cox model can estimate; the rest get a reason. ``X``: the terms,
    not centred, as :mod:`calmline.analysis.cox_engine` reads them (a float array will do)."""
    X = cox_engine.terms_of(X)
    keep = []
    for j, term in enumerate(terms):
        x = X.column(j)
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
    dropped = {keep[j] for j in _collinear(X, keep)}
    for j in sorted(dropped):
        reasons[terms[j]].append(f"{terms[j]} is fully determined by the other terms (collinear): left out")
    return [j for j in keep if j not in dropped]


def _collinear(X, columns, tol: float = 1e-10) -> list[int]:
    """Positions in ``columns`` of X's columns that are (numerically) linear
    combinations of earlier ones."""
    if not columns:
        return []
    X = cox_engine.terms_of(X)
    # the columns less their means, a block of rows at a time
    centred = X.select(columns, [X.mean(j) for j in columns])
    # the centred cross-product as a symmetric rank-k update of column-major blocks (half the
    # products of block' block; it only decides which columns are collinear)
    upper = np.zeros((len(columns), len(columns)), order="F")
    for a in range(0, len(X), cox_engine.CHUNK):
        block = centred.rows(a, a + cox_engine.CHUNK)
        upper = blas.dsyrk(1.0, block, beta=1.0, c=upper, trans=1, lower=0, overwrite_c=1)
    upper = np.triu(upper)
    return dependent(upper + np.triu(upper, 1).T, tol)


def dependent(cross: np.ndarray, tol: float = 1e-10) -> list[int]:
    """Positions of the columns whose centred cross-product ``cross`` shows them (numerically)
    linear combinations of earlier ones: each column in turn is kept when the correlation matrix
    of it and the columns kept before it has its smallest eigenvalue above ``tol``."""
    scale = np.sqrt(np.diag(cross))
    corr = cross / np.outer(scale, scale)
    kept, out = [], []
    for j in range(len(cross)):
        trial = kept + [j]
        if np.linalg.eigvalsh(corr[np.ix_(trial, trial)])[0] > tol:
            kept = trial
        else:
            out.append(j)
    return out


def _fit_kept(out, t, e, X, keep, codes, ties, alpha, reasons, start=None) -> list[str]:
    """Fit the screened terms (Newton from ``start``, or 0), fill their rows of ``out``; return
    model-wide notes."""
    names = out["term"].to_numpy()[keep]
    rs = cox_engine.risk_sets(t, e, ties)
    try:
        fit = cox_engine.newton(X, e, rs, max_iter=MAX_ITER, start=start)
        beta, cov = fit["beta"], np.linalg.inv(fit["information"])
    except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError) as exc:
        return [f"the model could not be fitted ({exc}): no estimates shown"]
    with np.errstate(all="ignore"):  # convergence is judged here, from the Efron score
        # (the weights of every call are let go inside _cluster_scores once it has read them)
        parts = _residual_parts(fit.pop("parts"), rs)
        scores, gradient = _cluster_scores(X, e, parts, codes)
        decrement = gradient @ cov @ gradient
    if not (np.isfinite(beta).all() and np.isfinite(cov).all() and decrement < 1e-6):
        return ["the model did not converge (a term may all but separate churned from retained calls): "
                "no estimates shown"]

    notes = []
    df = None
    se = np.sqrt(np.diag(cov))
    if codes is not None:
        n_agents = codes.max() + 1
        se = np.sqrt(np.diag(cov @ (scores.T @ scores) @ cov))
        if n_agents == 1:
            se = np.full(len(beta), np.nan)
            notes.append("all calls come from one agent: standard errors that allow for "
                         "agent clustering need calls from several agents")
        elif n_agents < FEW_AGENTS:
            df = n_agents - 1
            notes.append(f"only {n_agents} agents: agent-clustered standard errors are "
                         f"unreliable with fewer than {FEW_AGENTS}, so intervals and p-values use a t "
                         f"distribution with {df} degrees of freedom (no CR2 correction for Cox)")
    ph = _ph_p_values(X, e, parts, cov)
    if np.isnan(ph).all():
        notes.append("all churn happened on one day: proportional hazards cannot be checked")
    reference = stats.norm if df is None else stats.t(df)
    z = reference.ppf(1 - alpha / 2)
    with np.errstate(all="ignore"):
        numbers = {"log_hr": beta, "se": se, "hazard_ratio": np.exp(beta),
                   "ci_low": np.exp(beta - z * se), "ci_high": np.exp(beta + z * se),
                   "p_value": 2 * reference.sf(np.abs(beta / se)), "ph_p_value": ph}
    shown = []
    for i, (row, name) in enumerate(zip(keep, names)):
        if abs(beta[i]) > MAX_ABS_LOG_HR:
            reasons[name].append(f"the estimate for {name} runs off to an extreme (the data "
                                 "almost separate calls with and without it): not shown")
            continue
        if np.isfinite(se[i]) and se[i] <= 0:
            reasons[name].append("the standard error is zero (the data cannot say how uncertain "
                                 "this is): no estimate, interval or p-value shown")
            continue
        shown.append(i)
    # each column's finite numbers written at once (one assignment a column, not one a cell)
    rows = np.asarray(keep)[shown] if shown else np.empty(0, int)
    for col, values in numbers.items():
        values = np.asarray(values, dtype=float)[shown] if shown else np.empty(0)
        finite = np.isfinite(values)
        if finite.any():
            out.loc[rows[finite], col] = values[finite]
    return notes


def _residual_parts(ev, rs) -> dict:
    """Per-time pieces of every call's score residual, from ``cox_engine.evaluate``'s sums.

    A time with d churns is d sub-steps; at sub-step l the churning calls keep
    weight 1 - l/d in the risk set and each counts 1/d of an event (R survival's
    ``coxscore``). Per distinct time: the mean covariate over the sub-steps
    ``mbar``, the cumulative hazard ``H`` and ``G`` (the hazard-weighted mean),
    and the churned calls' corrections ``h_tied``, ``g_tied``.
    """
    s1, d1, a1, a2, f1, f2, ff2 = (ev[key] for key in ("s1", "d1", "a1", "a2", "f1", "f2", "ff2"))
    deaths = rs["deaths"]
    mbar = (s1 * a1[:, None] - d1 * f1[:, None]) / np.where(deaths > 0, deaths, 1)[:, None]
    return {"starts": rs["starts"], "sizes": rs["sizes"], "deaths": deaths, "w": ev["w"],
            "mbar": mbar, "H": a1.cumsum(), "G": (s1 * a2[:, None] - d1 * f2[:, None]).cumsum(axis=0),
            "h_tied": f1, "g_tied": s1 * f2[:, None] - d1 * ff2[:, None]}


def _cluster_scores(X, e, parts, codes):
    """Score residuals summed by cluster (or None), and the total score.

    Call i's residual for term j is ``x_ij alpha_i`` less per-time terms, so a
    cluster's sum is its ``alpha``-weighted covariate sum less (cluster x time
    sums of ``e``, ``w``, ``w e``) times per-time matrices: no calls x terms array.
    ``parts``' weights ``w`` are taken out of it (popped): with the caller's last reference, the
    vector is let go before the terms' sums.
    """
    sizes, w = parts["sizes"], parts.pop("w")
    groups = np.zeros(len(e), dtype=np.intp) if codes is None else codes.astype(np.intp, copy=False)
    n_groups = int(groups.max()) + 1
    n_times = len(sizes)
    cells = n_groups * n_times
    # alpha = e - w H + w e h_tied (e is 0/1: w e h = w h e), per call; and the cluster x time sums
    # of e, w and w e (each call's cell: its cluster x times + its time), which are multiplied by
    # the per-time terms. Dense sums (small when times are whole days: no sparse matrix of every
    # call) are taken a block of calls at a time: each call's time and cell only for its block,
    # the sums added call by call in row order (np.add.at), as np.bincount adds them
    alpha, wb = np.empty(len(e)), None
    dense = _dense_cells(cells, len(e))
    if dense:
        by_cell = [np.zeros(cells) for _ in range(3)]
    else:
        at_all = np.repeat(np.arange(n_times), sizes)
    for a in range(0, len(e), CELL_ROWS):
        rows = slice(a, min(a + CELL_ROWS, len(e)))
        # each call's time: its index among the distinct times (np.repeat(np.arange(n_times), sizes))
        at = cox_engine.row_times(parts["starts"], rows.start, rows.stop)
        wb, eb, ab = w[rows], e[rows], alpha[rows]
        np.take(parts["H"], at, out=ab)
        ab *= wb  # H (-w) = -(H w) exactly: no vector for -w
        np.negative(ab, out=ab)
        ab += eb
        tied = np.take(parts["h_tied"], at)
        tied *= wb
        tied *= eb
        ab += tied
        if dense:
            at += groups[rows] * n_times  # the calls' cells
            for total, v in zip(by_cell, (eb, wb, np.multiply(wb, eb, out=tied))):
                np.add.at(total, at, v)
    if dense:
        by_e, by_w, by_we = (total.reshape(n_groups, n_times) for total in by_cell)
    else:
        by_e, by_w, by_we = (sparse.csr_matrix((v, (groups, at_all)), shape=(n_groups, n_times))
                             for v in (e, w, w * e))
        del at_all
    del w, wb  # the weights (and the last block's view of them) are not needed past here
    by_e, by_w, by_we = by_e @ parts["mbar"], by_w @ parts["G"], by_we @ parts["g_tied"]
    work = np.empty(len(e))
    # each term's alpha-weighted sum per cluster: the column written into the work vector (a
    # byte term's floats less its mean) and multiplied by alpha there
    sums = []
    for x in cox_engine.terms_of(X).columns(out=work):
        if x is work:
            work *= alpha
        else:
            np.multiply(alpha, x, out=work)
        sums.append(np.bincount(groups, weights=work, minlength=n_groups))
    sums = np.column_stack(sums)
    del alpha, work
    sums -= by_e
    sums += by_w
    sums -= by_we
    return (None if codes is None else sums), sums.sum(axis=0)


CELL_ROWS = 65_536
"""Calls a block when :func:`_cluster_scores` makes alpha and the cluster x time sums."""


def _dense_cells(cells: int, n: int) -> bool:
    """Whether the cluster x time sums are a dense array (no more cells than calls, or 1M)."""
    return cells <= max(n, 1 << 20)


def _ph_p_values(X, e, parts, cov) -> np.ndarray:
    """Per-term p-values of survival 2.x ``cox.zph(fit, transform = "km")``.

    With Schoenfeld residuals ``r`` (one row per churn), ``g`` one minus the
    left-continuous Kaplan-Meier estimate at each churn, centred, and ``D`` the
    number of churns: ``chisq_j = (D g'r V)_j**2 / (V_jj D sum g**2)`` on 1 df.
    """
    sizes, deaths = parts["sizes"], parts["deaths"]
    at_risk = sizes[::-1].cumsum()[::-1]
    km_before = np.concatenate([[1.0], np.cumprod(1 - deaths / at_risk)[:-1]])
    g = np.repeat(km_before, sizes)  # e (1 - KM before), in one vector: the same operations
    np.subtract(1, g, out=g)
    g *= e
    n_dead = e.sum()
    g[e == 1] -= g[e == 1].mean()
    gg = g @ g
    if gg <= 1e-12:
        return np.full(X.shape[1], np.nan)
    g_r = cox_engine.rmatvec(g, X) - np.add.reduceat(g, parts["starts"]) @ parts["mbar"]
    test = n_dead * g_r @ cov
    return stats.chi2.sf(test**2 / (np.diag(cov) * n_dead * gg), 1)


def _finish(out, reasons, notes) -> pd.DataFrame:
    out["warning"] = pd.Series([("; ".join(reasons[term] + notes) or None) for term in out["term"]],
                               index=out.index, dtype=object)
    return out[COLUMNS]
