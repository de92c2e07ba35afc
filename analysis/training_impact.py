"""Did a training module work? Adoption and churn before and after it, against untrained agents.

A difference in differences on agent-month cells: for each module, the agents who completed
it during the data (trained) are compared, in the months around their completion, with the
agents who never completed it (comparison) over the same calendar months. Pure function:
DataFrames in, a tidy frame out; :mod:`calmline.analysis.runner` stores it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from calmline import vocabulary

WINDOW_MONTHS = 3
MIN_TRAINED = 5
"""Fewer trained agents than this: the estimate without an interval."""
FEW_TRAINED = 10
"""Fewer than this: the interval comes with a warning that it may be too narrow."""
COLUMNS = ["module", "practice", "outcome", "estimate", "ci_low", "ci_high", "p_value",
           "trained_agents", "comparison_agents", "n_calls", "trained_before", "trained_after",
           "comparison_before", "comparison_after", "warning"]


def training_impact(calls: pd.DataFrame, completions: pd.DataFrame, outcomes: dict[str, str], *,
                    window_months: int = WINDOW_MONTHS, modules: dict[str, str] | None = None
                    ) -> pd.DataFrame:
    """Difference in differences of each module's practice adoption (and churn) on trained agents.

    The estimand, per module and outcome, is the average change in the outcome on a trained
    agent's upset calls in the ``window_months`` calendar months after the completion month,
    compared with the same number of months before it, minus the change over the same
    calendar months for agents who never completed the module: the effect of the module on
    the agents trained (ATT), in probability units (0.12 = 12 points more adoption).

    It is estimated by weighted least squares on agent-month cells, the cell's share
    regressed on a trained-and-after indicator with a fixed effect per agent (absorbed by
    weighted demeaning) and per calendar month, weighted by the cell's calls, which gives
    the same estimate as the call-level linear probability model. Standard errors are
    clustered by agent (calls of one agent are not independent) with a t reference on
    agents - 1 degrees of freedom. The completion month itself is left out (partly before,
    partly after). Agents who completed the module before the first month of the data have
    no before and are left out; so are calls outside the trained agents' windows. It
    assumes trained and comparison agents would have moved in parallel without the
    training (agents sent to training may differ in level, which the agent effects absorb,
    not in trend), and an effect that does not grow or fade within the window (with
    staggered completions a two-way fixed-effects estimate is otherwise a weighted average
    that can mislead; Goodman-Bacon 2021). With fewer than ``MIN_TRAINED`` (5) trained
    agents the interval and p-value are left out: a clustered interval with so few treated
    clusters is far too narrow (Conley and Taber 2011); below ``FEW_TRAINED`` (10) a warning
    says it may still be.

    Parameters
    ----------
    calls : pandas.DataFrame
        One row per upset call: ``agent_id``, ``call_month`` (first day of the month), each
        practice column (1 used, 0 not, NaN not assessed) and each outcome column of
        ``outcomes`` (1/0, NaN when not yet known, e.g. a churn window still open).
    completions : pandas.DataFrame
        ``agent_id``, ``module``, ``completed_at`` (date): one row per completion (an
        agent's first completion of a module counts).
    outcomes : dict of str to str
        Extra outcome columns of ``calls`` to compare, keyed by the name stored in the
        ``outcome`` column (e.g. ``{"churn_90d": "churned_90d"}``). The practice's
        adoption is always compared (outcome ``'adoption'``).
    window_months : int, default 3
        Months before and after the completion month that count.
    modules : dict of str to str, optional
        Module -> the practice it coaches; default :func:`calmline.vocabulary.module_practice`.

    Returns
    -------
    pandas.DataFrame
        One row per module (whose practice is in ``calls``) and outcome, columns exactly
        ``module, practice, outcome, estimate, ci_low, ci_high, p_value, trained_agents,
        comparison_agents, n_calls, trained_before, trained_after, comparison_before,
        comparison_after, warning``. ``trained_before``/``trained_after`` are the trained
        agents' raw shares in the months before/after completion; the comparison shares are
        the untrained agents' over the same calendar months, weighted as the trained
        agents' months are. ``n_calls`` counts the calls in the model (assessed, or with a
        known outcome). A figure that cannot be computed is NaN and ``warning`` says why.
    """
    modules = vocabulary.module_practice() if modules is None else modules
    missing = [c for c in ("agent_id", "call_month") if c not in calls]
    missing += [c for c in ("agent_id", "module", "completed_at") if c not in completions]
    missing += [c for c in outcomes.values() if c not in calls]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    months = pd.to_datetime(calls["call_month"]).dt.to_period("M")
    columns = list(dict.fromkeys([p for p in modules.values() if p in calls] + list(outcomes.values())))
    cells = _cells(calls["agent_id"], months, calls[columns])
    done = completions.assign(month=pd.to_datetime(completions["completed_at"]).dt.to_period("M"))
    done = done.groupby(["module", "agent_id"])["month"].min()
    start = months.min()  # the data's first month (a scan of every call: once, not per module)
    rows = []
    for module, practice in modules.items():
        if practice not in calls:
            continue
        first = done.loc[module] if module in done.index.get_level_values(0) else pd.Series(dtype=object)
        for name, column in [("adoption", practice), *outcomes.items()]:
            rows.append({"module": module, "practice": practice, "outcome": name,
                         **_did(cells[column], start, first, window_months)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _cells(agent: pd.Series, month: pd.Series, values: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per column of ``values``: its agent-month cells (agent as text, ``astype(str)``; month; n
    known calls, y their sum), sorted by agent and month, cells without a known call left out (nor
    a call without a month). The calls are many and the cells few: agent and month are factorized
    once (agents as text only among their distinct values), and each column's cells are two
    bincounts over the calls' cell numbers. The values are 0/1 (a practice used, a churn), so y,
    a count of whole numbers, is the same in any order of adding."""
    agents, agent_text = _sorted_codes(agent, lambda u: u.astype(str), missing_key=True)
    months, month_values = _sorted_codes(month, lambda u: u, missing_key=False)
    n_months = len(month_values)
    cell = np.where(months >= 0, agents * n_months + months, -1)
    ok = cell >= 0
    where, size = cell[ok], len(agent_text) * n_months
    has = np.flatnonzero(np.bincount(where, minlength=size))
    agent_of = pd.Series(agent_text, dtype=object).take(has // n_months).reset_index(drop=True) \
        if n_months else pd.Series([], dtype=object)
    month_of = pd.Series(month_values).take(has % n_months).reset_index(drop=True) if n_months \
        else pd.Series(month_values)
    out = {}
    for column in values.columns:
        y = values[column].astype(float).to_numpy()[ok]
        known = ~np.isnan(y)
        n = np.bincount(where, weights=known, minlength=size)[has].astype(int)
        total = np.bincount(where, weights=np.where(known, y, 0.0), minlength=size)[has]
        part = pd.DataFrame({"agent": agent_of, "month": month_of, "n": n, "y": total})
        out[column] = part[part["n"] > 0].reset_index(drop=True)
    return out


def _sorted_codes(column: pd.Series, key, *, missing_key: bool) -> tuple[np.ndarray, np.ndarray]:
    """``column``'s codes in the sorted order of ``key`` of its distinct values (-1 for a missing
    value unless ``missing_key``: then it is a value too) and those sorted distinct keys."""
    codes, uniques = pd.factorize(column, use_na_sentinel=not missing_key)
    keys = key(pd.Series(uniques, copy=False))
    merged, names = pd.factorize(keys, sort=True)
    codes = np.where(codes >= 0, merged[np.maximum(codes, 0)], -1) if len(merged) else codes
    return codes, np.asarray(names) if not isinstance(names, pd.PeriodIndex) else names


def _month_numbers(months) -> np.ndarray:
    """Monthly periods as month numbers (months since 1970-01; NaN for a missing one): their
    order and differences in months, without a Period object per value."""
    index = pd.PeriodIndex(months, freq="M")
    return np.where(index.isna(), np.nan, index.asi8.astype(float))


def _did(cells: pd.DataFrame, start: pd.Period, completed: pd.Series, window: int) -> dict:
    """The difference in differences of one outcome's agent-month ``cells`` (see :func:`_cells`)
    for one module (completion month per agent); ``start`` is the first month of the data."""
    by_agent = pd.Series(_month_numbers(completed.to_numpy()) if len(completed) else np.empty(0),
                         index=completed.index.astype(str), dtype=float)
    trained_month = cells["agent"].map(by_agent).to_numpy(dtype=float)  # NaN: never trained
    month = _month_numbers(cells["month"])
    never = np.isnan(trained_month)
    first = start.ordinal if pd.notna(start) else np.inf  # no month known: nobody counts as trained
    is_trained = ~never & (trained_month > first)  # completed after the data's first month
    offset = np.where(is_trained, month - trained_month, np.nan)  # months after completion
    in_window = is_trained & (offset != 0) & (np.abs(offset) <= window)
    trained = cells[in_window].assign(post=(offset[in_window] > 0).astype(float))
    both = trained.groupby("agent")["post"].agg(["min", "max"])
    keep = both.index[(both["min"] == 0) & (both["max"] == 1)]  # a before and an after
    chosen = in_window & cells["agent"].isin(keep).to_numpy()
    trained = trained[trained["agent"].isin(keep)]
    comparison = cells[never & np.isin(month, month[chosen])].assign(post=0.0)
    out = {"trained_agents": int(trained["agent"].nunique()),
           "comparison_agents": int(comparison["agent"].nunique()),
           "n_calls": int(trained["n"].sum() + comparison["n"].sum()),
           **_raw_shares(trained, comparison),
           "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "warning": None}
    if out["trained_agents"] == 0 or out["comparison_agents"] == 0:
        out["warning"] = ("no agent completed the module during the data with calls before and after"
                          if out["trained_agents"] == 0 else "no untrained agents to compare with")
        return out
    panel = pd.concat([trained, comparison], ignore_index=True)
    estimate, low, high, p = _twfe(panel)
    out.update(estimate=estimate, ci_low=low, ci_high=high, p_value=p)
    trained_n = out["trained_agents"]
    if trained_n < MIN_TRAINED:
        # clustered intervals with a handful of treated clusters are far too narrow (Conley and Taber
        # 2011; MacKinnon and Webb 2017): the estimate stands, the interval is withheld
        out.update(ci_low=np.nan, ci_high=np.nan, p_value=np.nan,
                   warning=f"only {trained_n} trained agent{'s' if trained_n != 1 else ''} with calls before "
                           f"and after: too few for an interval (fewer than {MIN_TRAINED})")
    elif trained_n < FEW_TRAINED:
        out["warning"] = (f"only {trained_n} trained agents with calls before and after: with so few, the "
                          "interval may be too narrow")
    return out


def _raw_shares(trained: pd.DataFrame, comparison: pd.DataFrame) -> dict:
    """Trained agents' shares before/after; the comparison's over the same months, weighted alike.

    Per month sums by bincount over the cells' sorted month numbers (the months a groupby
    gives, in its order): whole counts and sums of 0/1, so the same numbers."""
    out = {}
    c_month, c_at = np.unique(_month_numbers(comparison["month"]), return_inverse=True)
    c_y = np.bincount(c_at, weights=comparison["y"].to_numpy(float), minlength=len(c_month))
    c_n = np.bincount(c_at, weights=comparison["n"].to_numpy(float), minlength=len(c_month))
    post, y, n = (trained[c].to_numpy() for c in ("post", "y", "n"))
    month = _month_numbers(trained["month"])
    for label, value in (("before", 0.0), ("after", 1.0)):
        part = post == value
        calls = n[part].sum()
        out[f"trained_{label}"] = y[part].sum() / calls if calls else np.nan
        months, at = np.unique(month[part], return_inverse=True)
        weight = np.bincount(at, weights=n[part].astype(float), minlength=len(months))
        where = np.minimum(np.searchsorted(c_month, months), max(len(c_month) - 1, 0))
        found = (c_month[where] == months) if len(c_month) else np.zeros(len(months), bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(found, c_y[where] / c_n[where], np.nan) if len(c_month) else np.full(len(months), np.nan)
        ok = ~np.isnan(rate)
        out[f"comparison_{label}"] = (float((rate[ok] * weight[ok]).sum() / weight[ok].sum())
                                      if ok.any() and weight[ok].sum() else np.nan)
    return out


def _twfe(panel: pd.DataFrame) -> tuple[float, float, float, float]:
    """WLS of the cell share on trained x after with agent and month effects; agent-clustered."""
    w = panel["n"].to_numpy(float)
    share = (panel["y"] / panel["n"]).to_numpy(float)
    # month dummies of the periods themselves (ordered as their text, "2025-01" < "2025-02"; the
    # cells have no missing month), not of a text copy of them
    months = pd.get_dummies(panel["month"], drop_first=True, dtype=float)
    X = np.column_stack([panel["post"].to_numpy(float), months.to_numpy()])
    groups = pd.factorize(panel["agent"])[0]

    def demean(a: np.ndarray) -> np.ndarray:  # weighted within-agent demeaning absorbs the agent effects
        a = a.reshape(len(w), -1)
        weighted = a * w[:, None]  # each column's sums by agent: in row order, as np.add.at adds
        sums = np.column_stack([np.bincount(groups, weights=weighted[:, j], minlength=groups.max() + 1)
                                for j in range(a.shape[1])])
        totals = np.bincount(groups, weights=w)[:, None]
        return a - (sums / totals)[groups]

    Xd = demean(X)
    keep = np.abs(Xd).sum(axis=0) > 1e-12
    keep[0] = True
    fit = sm.WLS(demean(share)[:, 0], Xd[:, keep], weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    # The small-sample factor of the call-level model (Stata's, as statsmodels applies it): calls,
    # not cells, are its observations; the absorbed agent effects are nested in the clusters and
    # not counted (Cameron and Miller 2015, section VI.B).
    n_groups, calls, k = groups.max() + 1, w.sum(), int(keep.sum())
    se = float(fit.bse[0]) * np.sqrt(n_groups / (n_groups - 1) * (calls - 1) / (calls - k))
    estimate = float(fit.params[0])
    if not np.isfinite(se) or se <= 0 or n_groups < 2:
        return estimate, np.nan, np.nan, np.nan
    q = stats.t.ppf(0.975, n_groups - 1)
    p = float(2 * stats.t.sf(abs(estimate / se), n_groups - 1))
    return estimate, estimate - q * se, estimate + q * se, p
