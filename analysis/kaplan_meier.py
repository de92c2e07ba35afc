"""Kaplan-Meier curves of staying a customer, for calls with and without each practice.

The product-limit estimate and its Greenwood standard error are statsmodels'
``SurvfuncRight``'s (``_calc_survfunc_right``, the same operations on the same counts), computed
from per-time counts: the calls' distinct times are found once (one sort) for every practice and
group, and each group's churns and calls per time are a ``bincount`` over them, instead of one
``SurvfuncRight`` per group sorting its own times (26 sorts of up to 1M times at 1M upset
calls). This module reads the step function at whole days and puts the log(-log) interval on it
(statsmodels gives the standard error, not that interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ["practice", "group", "day", "survival", "ci_low", "ci_high", "at_risk", "events"]


def km_curves(df: pd.DataFrame, groups, *, time: str = "time_days", event: str = "event",
              horizon_days: int = 180, step_days: int = 1) -> pd.DataFrame:
    """Kaplan-Meier probability of not having churned, by day, with and without each practice.

    For each 0/1 column in ``groups`` the calls split into 'with' (1) and
    'without' (0); for each part the estimand is ``S(day)``, the probability a
    customer has not churned ``day`` days after the call, estimated without
    adjustment by the product-limit (Kaplan-Meier) estimator over churn times
    up to and including that day.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per call. For each practice, rows with a missing value in it,
        in ``time`` or in ``event`` are left out of that practice's curves.
    groups : sequence of str
        0/1 practice columns.
    time, event : str
        Days to churn or censoring (>= 0), and 1 for churn, 0 for censored.
    horizon_days, step_days : int
        The curve is read at days 0, step_days, 2 * step_days, ... <= horizon_days.

    Returns
    -------
    pandas.DataFrame
        Tidy rows: practice, group ('with' | 'without'), day, survival (the
        step function's value at that day, churn on the day included), ci_low
        and ci_high (pointwise 95% interval on the log(-log) scale from
        Greenwood's variance, as R's ``conf.type = "log-log"`` and lifelines;
        1 to 1 before any churn, <NA> once survival reaches 0), at_risk (calls
        still followed at the start of the day: time >= day) and events (churns
        up to and including the day). Past the last follow-up the curve stays
        at its last value while at_risk reads 0. A group with no calls has no
        rows.

    Raises
    ------
    ValueError
        A column is missing, a practice is not 0/1, a time is negative or an
        event is not 0/1.
    """
    missing = [c for c in [time, event, *groups] if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    t_all = df[time].to_numpy(dtype=float, na_value=np.nan)
    e_all = df[event].to_numpy(dtype=float, na_value=np.nan)
    present = ~(np.isnan(t_all) | np.isnan(e_all))
    every_present = bool(present.all())
    if not every_present:  # (no copy of the times and churns when every call has them)
        t_all, e_all = t_all[present], e_all[present]

    def values(practice):  # (a new array: _curves writes into it)
        used = df[practice].to_numpy(dtype=float, na_value=np.nan, copy=True)
        return used if every_present else used[present]
    return _curves(t_all, e_all, groups, values, horizon_days, step_days, time, event)


def km_columns(time: np.ndarray, event: np.ndarray, columns, *, horizon_days: int = 180,
               step_days: int = 1) -> pd.DataFrame:
    """:func:`km_curves` of calls given as arrays, every time and churn present: the same table
    from the same counts, without a frame of the calls.

    Parameters
    ----------
    time, event : (n,) arrays
        Days to churn or censoring (>= 0), and 1 for churn, 0 for censored (read as they are when
        they are floats, or integer days: no copy of them).
    columns : mapping of str to (n,) array
        Each practice's 0/1 values over the same calls (bools or bytes will do; a missing value,
        NaN, leaves the call out of that practice's curves), in the order the curves are wanted.
        The calls may come in any order that is the same for every array (the curves are counts
        per time): the survival step hands its time-sorted store's columns over as they lie.
    horizon_days, step_days : int
        As :func:`km_curves`.

    Returns
    -------
    pandas.DataFrame
        As :func:`km_curves`.
    """
    time = np.asarray(time)
    if time.dtype.kind not in "iu":
        time = np.asarray(time, dtype=float)
    return _curves(time, np.asarray(event, dtype=float), list(columns),
                   lambda practice: np.array(columns[practice], dtype=float), horizon_days, step_days,
                   "time_days", "event")


def _curves(t_all, e_all, groups, values, horizon_days, step_days, time, event) -> pd.DataFrame:
    """The curves of :func:`km_curves` from the calls' times and churns (every one present) and
    ``values(practice)``, each practice's values over the same calls as floats (NaN: missing), a
    new array each time (it is written into)."""
    days = np.arange(0, horizon_days + 1, step_days)
    # every call's distinct time, once: each group's counts per time are bincounts over them
    times, rank = _distinct(t_all)
    # the calls and churns per time of every call; a practice's 'with' counts are bincounts
    # weighted by its 0/1 values and its 'without' counts the rest (whole numbers: exact), with
    # no copy of the calls gathered per group
    every_valid = not (t_all < 0).any() and _zero_one(e_all)
    every_calls = np.bincount(rank, minlength=len(times))
    every_deaths = np.bincount(rank, weights=e_all, minlength=len(times))
    frames = []
    for practice in groups:
        used = values(practice)
        kept = ~np.isnan(used)
        if kept.all():
            valid, at, e, calls, deaths = every_valid, rank, e_all, every_calls, every_deaths
        else:
            t, e, used, at = t_all[kept], e_all[kept], used[kept], rank[kept]
            valid = not (t < 0).any() and _zero_one(e)
            calls, deaths = (np.bincount(at, minlength=len(times)),
                             np.bincount(at, weights=e, minlength=len(times)))
        if not valid or not _zero_one(used):
            raise ValueError(f"{time} must be >= 0, and {event} and {practice} 0 or 1")
        with_calls = np.bincount(at, weights=used, minlength=len(times)).astype(np.int64)
        with_deaths = np.bincount(at, weights=np.multiply(used, e, out=used), minlength=len(times))
        del used
        for label, n, d in (("with", with_calls, with_deaths),
                            ("without", calls - with_calls, deaths - with_deaths)):
            if n.any():
                curve = _km_at_days(times, n, d, days)
                frames.append(curve.assign(practice=practice, group=label))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in COLUMNS})
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _zero_one(x: np.ndarray) -> bool:
    """Every value 0 or 1 (``np.isin(x, (0.0, 1.0)).all()`` without its sort)."""
    return bool(((x == 0) | (x == 1)).all())


WHOLE_DAYS_MAX = 10_000_000
"""Whole-day times up to this are ranked by counting (one slot a day), not sorted."""


def _distinct(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(t, return_inverse=True)``: the distinct times, sorted, and each time's position
    among them. Times that are whole days (as the calls' are) from 0 to ``WHOLE_DAYS_MAX`` are
    counted per day instead of sorted: the same values and positions."""
    whole = len(t) and t.min() >= 0 and t.max() <= WHOLE_DAYS_MAX
    if whole and (t.dtype.kind in "iu" or (t == np.floor(t)).all()):  # (integers: no float copy)
        day = t.astype(np.intp)
        occurs = np.bincount(day) > 0
        # the positions as 32-bit integers (fewer than WHOLE_DAYS_MAX distinct days): half a vector
        return np.flatnonzero(occurs).astype(float), (np.cumsum(occurs) - 1).astype(np.int32)[day]
    return np.unique(t, return_inverse=True)


def _dtype(column: str) -> str:
    return {"day": "int64", "survival": "float64", "ci_low": "Float64", "ci_high": "Float64",
            "at_risk": "int64", "events": "int64"}.get(column, "object")


def _km_at_days(times: np.ndarray, calls: np.ndarray, deaths: np.ndarray, days: np.ndarray,
                level: float = 0.95) -> pd.DataFrame:
    """The Kaplan-Meier step function of one group, read at ``days``.

    ``times`` are distinct times in increasing order (those of all groups will do), ``calls``
    the group's calls at each of them (integers) and ``deaths`` its churns there. The estimate
    steps at the churn times only; Greenwood's variance of log S is (se / S)^2 there, with
    ``SurvfuncRight``'s standard error.
    """
    at_risk = np.cumsum(calls[::-1])[::-1]  # calls with time >= each time
    churned = np.flatnonzero(deaths > 0)
    survival, se = _survfunc_right(deaths[churned], at_risk[churned])
    deaths, times_churned = deaths[churned], times[churned]
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.where(survival > 0, (se / survival) ** 2, np.inf)
    if len(times_churned) == 0:  # no churn in the group: the curve stays at 1
        times_churned, survival, deaths, greenwood = (np.zeros(1), np.ones(1), np.zeros(1), np.zeros(1))

    last = np.searchsorted(times_churned, days, side="right") - 1  # last time <= day, -1 if none
    seen = last >= 0
    s = np.where(seen, survival[last], 1.0)
    var = np.where(seen, greenwood[last], 0.0)
    z = stats.norm.ppf(0.5 + level / 2)
    low, high = s.copy(), s.copy()
    inside = (s > 0) & (s < 1)
    log_s = np.log(s[inside])
    spread = z * np.sqrt(var[inside]) / log_s
    low[inside] = np.exp(-np.exp(np.log(-log_s) - spread))
    high[inside] = np.exp(-np.exp(np.log(-log_s) + spread))
    undefined = s == 0
    return pd.DataFrame({
        "day": days.astype("int64"),
        "survival": s,
        "ci_low": pd.arrays.FloatingArray(np.where(undefined, 0.0, low), undefined),
        "ci_high": pd.arrays.FloatingArray(np.where(undefined, 0.0, high), undefined),
        "at_risk": np.append(at_risk, 0)[np.searchsorted(times, days, side="left")],
        "events": np.where(seen, np.cumsum(deaths)[last], 0.0).astype("int64"),
    })


def _survfunc_right(d: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' ``_calc_survfunc_right`` (0.14, no weights or entry times) from its counts:
    the product-limit survival and Greenwood's standard error at each churn time, ``d`` the
    churns there and ``n`` the calls at risk just before. The same operations in the same order,
    so the same numbers."""
    sp = 1 - d / n.astype(np.float64)
    tiny = sp < 1e-16
    sp[tiny] = 1e-16
    sp = np.exp(np.cumsum(np.log(sp)))
    sp[tiny] = 0
    denom = np.clip(n * (n - d), 1e-12, np.inf)
    se = d / denom.astype(np.float64)
    se[(n == d) | (n == 0)] = np.nan
    se = np.sqrt(np.cumsum(se))
    finite = np.isfinite(se) | (sp != 0)
    se[finite] *= sp[finite]
    se[~finite] = np.nan
    return sp, se
