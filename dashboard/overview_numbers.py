"""The overview's numbers, computed once: the page, the HTML report and their tests all call
:func:`overview_numbers`, so a figure reads the same everywhere.

Units: churn rates after upset calls are per **call** (the share of upset calls whose customer
churned within 90 days, counted once the 90 days have passed by the as-of date); "customers still
with us" and revenue at risk are per **customer** (a customer with an upset call in the period,
retained when not churned within 90 days of their last upset call in it). Differences between
rates are in percentage **points**.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          test_proportions_2indep)

from calmline import vocabulary
from calmline.dashboard import customer_counts, data, summary_cells

HORIZON = vocabulary.HEADLINE_HORIZON
"""Days after a call in which churn counts (the headline horizon)."""
EARLY_HORIZON = 30
"""The early signal's horizon, for months whose 90-day windows are still open."""
MIN_N = 100
"""Calls with a closed window below which a monthly or team rate is marked as resting on few calls."""
ALPHA = 0.05
"""Significance level of the comparisons (two-sided) and 1 - the intervals' coverage."""
SQUARES = ("handle_s_sq_sum", "csat_sq_sum")
"""The monthly query's sums of squares, behind the averages' intervals (:func:`mean_interval`): absent
from a database loaded before call_summary stored them."""


def wilson(churned, closed) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% intervals of churned / closed, elementwise; NaN where closed is 0.

    Parameters
    ----------
    churned, closed : array-like
        Counts of calls (or customers) that churned, and whose window had closed.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, as shares in [0, 1].
    """
    k = np.asarray(churned, dtype=float)
    n = np.asarray(closed, dtype=float)
    ok = n > 0
    low = np.full(k.shape, np.nan)
    high = np.full(k.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(k[ok], n[ok], alpha=ALPHA, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high


def with_churn_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (teams or agents, with their churned_90d of closed_90d upset calls) with churn_ci_low
    and churn_ci_high: the churn rate's Wilson 95% interval, as the page's tables and the report show it."""
    low, high = wilson(pd.to_numeric(frame["churned_90d"], errors="coerce").fillna(0),
                       pd.to_numeric(frame["closed_90d"], errors="coerce").fillna(0))
    return frame.assign(churn_ci_low=low, churn_ci_high=high)


def mean_interval(total: float, n: float, squares: float | None) -> tuple[float | None, float | None]:
    """The t-based 95% interval of a mean from its sums: ``total`` / ``n`` with the spread of the
    values whose squares sum to ``squares`` (calls treated as independent, as the KPIs' Wilson
    intervals treat them); (None, None) below two values or without the squares.

    Parameters
    ----------
    total, n : float
        Sum of the values, their number.
    squares : float or None
        Sum of their squares; None when not known (a database loaded before call_summary had them).

    Returns
    -------
    (float or None, float or None)
        Lower and upper bounds, in the values' unit.
    """
    if squares is None or n < 2:
        return None, None
    mean = total / n
    variance = max(squares - n * mean * mean, 0.0) / (n - 1)  # a rounding error below 0 reads as 0
    half = stats.t.ppf(1 - ALPHA / 2, n - 1) * np.sqrt(variance / n)
    return mean - half, mean + half


@dataclass(frozen=True)
class Comparison:
    """Churn within 90 days after upset calls in one period vs another, per call.

    ``difference`` = rate - other_rate in probability units (negative = less churn = better);
    ``ci_low``/``ci_high`` its 95% Newcomb (hybrid Wilson score) interval, ``p_value`` the two-sided
    score test of equal rates without small-sample correction, which is Pearson's chi-square test
    (R's ``prop.test(correct = FALSE)``); calls are treated as independent.
    """

    label: str
    period: str
    other_period: str
    churned: int
    closed: int
    other_churned: int
    other_closed: int
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    missing: str | None = None
    calls: int | None = None
    """Upset calls in the period, closed windows or not (more than ``closed`` while it is provisional)."""

    @property
    def rate(self) -> float | None:
        return self.churned / self.closed if self.closed else None

    @property
    def other_rate(self) -> float | None:
        return self.other_churned / self.other_closed if self.other_closed else None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def direction(self) -> str:
        """'better' (less churn), 'worse' (more) or 'no change'; '' when there is nothing to compare."""
        if self.difference is None:
            return ""
        return "better" if self.difference < 0 else "worse" if self.difference > 0 else "no change"


def compare(label: str, period: str, other_period: str, churned: int, closed: int,
            other_churned: int, other_closed: int) -> Comparison:
    """Compare the churn rate churned / closed with other_churned / other_closed.

    Parameters
    ----------
    label : str
        What the comparison is, e.g. "vs the month before".
    period, other_period : str
        The two periods in words, e.g. "Sep 2025", "Aug 2025".
    churned, closed, other_churned, other_closed : int
        Upset calls whose customer churned within 90 days, and upset calls whose 90-day window
        had closed, in each period.

    Returns
    -------
    Comparison
        With the difference in rates, its 95% interval and p-value; ``missing`` says why not
        when either period has no closed window.
    """
    counts = dict(churned=int(churned), closed=int(closed), other_churned=int(other_churned),
                  other_closed=int(other_closed))
    if not closed or not other_closed:
        why = (f"no upset call of {period if not closed else other_period} has a closed "
               f"{HORIZON}-day window")
        return Comparison(label, period, other_period, **counts, missing=why)
    low, high = confint_proportions_2indep(churned, closed, other_churned, other_closed,
                                           compare="diff", method="newcomb", alpha=ALPHA)
    test = test_proportions_2indep(churned, closed, other_churned, other_closed, compare="diff",
                                   method="score", correction=False)  # = Pearson's chi-square
    return Comparison(label, period, other_period, **counts,
                      difference=churned / closed - other_churned / other_closed,
                      ci_low=float(low), ci_high=float(high), p_value=float(test.pvalue))


def monthly_rates(monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly query's rows with each rate, its n and interval, and flags.

    Parameters
    ----------
    monthly : pandas.DataFrame
        The ``monthly`` dashboard query: one row per month of call counts.

    Returns
    -------
    pandas.DataFrame
        Adds churn_upset (per upset call with a closed 90-day window), churn_ci_low/high (Wilson),
        provisional (some of the month's 90-day windows are still open), small (fewer than
        :data:`MIN_N` closed calls), churn_30d (per upset call with a closed 30-day window) and
        its interval, and the KPIs: fcr (resolved on first contact / calls with a recorded
        resolution), handle_min (average handle time, minutes), csat (average, 1-5),
        repeat_rate (upset calls followed by another from the same customer within 30 days).
    """
    if monthly.empty:
        return monthly.copy()
    values = monthly.drop(columns="month")
    if all(pd.api.types.is_numeric_dtype(t) for t in values.dtypes):
        num = values.fillna(0)  # what to_numeric gives for numeric columns, without a pass per column
    else:
        num = values.apply(pd.to_numeric, errors="coerce").fillna(0)

    def ratio(a, b):
        below = num[b].to_numpy()
        return num[a].to_numpy() / np.where(below > 0, below, np.nan).astype(float)

    churn_low, churn_high = wilson(num["upset_churned_90d"], num["upset_closed_90d"])
    early_low, early_high = wilson(num["upset_churned_30d"], num["upset_closed_30d"])
    # the new columns in one frame, not one insertion each (a frame's column insert is slow)
    columns = {"month": pd.to_datetime(monthly["month"]), **{c: num[c] for c in num.columns}}
    for column in SQUARES:  # a sum of squares not stored stays missing: 0 would read as no spread at all
        if column in values:
            columns[column] = pd.to_numeric(values[column], errors="coerce")
    columns["churn_upset"] = ratio("upset_churned_90d", "upset_closed_90d")
    columns.update(
        churn_ci_low=churn_low, churn_ci_high=churn_high,
        provisional=(num["upset_closed_90d"] < num["upset_calls"]).to_numpy(),
        small=(num["upset_closed_90d"] < MIN_N).to_numpy(),
        churn_30d=ratio("upset_churned_30d", "upset_closed_30d"),
        churn_30d_ci_low=early_low, churn_30d_ci_high=early_high,
        fcr=ratio("resolved", "resolved_known"),
        handle_min=ratio("handle_s_sum", "handled") / 60,
        csat=ratio("csat_sum", "csat_scored"),
        repeat_rate=ratio("repeat_30d", "repeat_closed_30d"))
    df = pd.DataFrame(columns, index=monthly.index)
    df.attrs = dict(monthly.attrs)
    return df


def latest_closed_month(rates: pd.DataFrame):
    """The latest month with upset calls all of whose 90-day windows have closed (a Timestamp), or None."""
    if rates.empty:
        return None
    done = rates[(rates["upset_calls"] > 0) & ~rates["provisional"]]
    return done["month"].max() if len(done) else None


def month_words(month) -> str:
    return pd.Timestamp(month).strftime("%b %Y")


def period_words(first, last) -> str:
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    return month_words(first) if first == last else f"{month_words(first)} - {month_words(last)}"


def _sums(rates: pd.DataFrame, first, last) -> tuple[int, int, int, int]:
    """churned, closed, upset calls and months with upset calls, over the months first..last."""
    rows = rates[(rates["month"] >= first) & (rates["month"] <= last)]
    return (int(rows["upset_churned_90d"].sum()), int(rows["upset_closed_90d"].sum()),
            int(rows["upset_calls"].sum()), int((rows["upset_calls"] > 0).sum()))


def comparisons(rates: pd.DataFrame, first=None, last=None) -> list[Comparison]:
    """This period vs the one before (as many months) and vs the same months a year earlier.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`monthly_rates` over every month of the data (the period filter not applied).
    first, last : month, optional
        The chosen period; by default the latest month whose 90-day windows have all closed.

    Returns
    -------
    list of Comparison
        Empty when there is no month to compare.
    """
    if rates.empty:
        return []
    if first is None or last is None:
        first = last = latest_closed_month(rates)
        if first is None:
            return []
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    churned, closed, calls, _ = _sums(rates, first, last)
    out = []
    span = "month" if months == 1 else f"{months} months"
    for label, shift in ((f"vs the {span} before", months), ("vs a year earlier", 12)):
        o_first, o_last = first - pd.DateOffset(months=shift), last - pd.DateOffset(months=shift)
        o_churned, o_closed, o_calls, o_months = _sums(rates, o_first, o_last)
        comparison = compare(label, period_words(first, last), period_words(o_first, o_last),
                             churned, closed, o_churned, o_closed)
        if not o_calls:
            comparison = Comparison(label, comparison.period, comparison.other_period, churned, closed, 0, 0,
                                    missing=f"the data has no calls in {comparison.other_period}")
        elif o_months < months and rates["month"].min() > o_first:
            # part of the other period comes before the data starts: not a like-for-like comparison
            comparison = Comparison(label, comparison.period, comparison.other_period, churned, closed, 0, 0,
                                    missing=f"the data starts in {month_words(rates['month'].min())}, so it "
                                            f"covers only {o_months} of the {months} months of "
                                            f"{comparison.other_period}")
        out.append(replace(comparison, calls=calls))
    return out


def still_open(rates: pd.DataFrame, first=None, last=None) -> pd.DataFrame:
    """The rows of :func:`monthly_rates` for months with upset calls whose 90-day windows are not all
    closed, within first..last (months; None = open)."""
    open_months = rates[rates["provisional"] & (rates["upset_calls"] > 0)]
    if first is not None:
        open_months = open_months[open_months["month"] >= pd.Timestamp(first)]
    if last is not None:
        open_months = open_months[open_months["month"] <= pd.Timestamp(last)]
    return open_months


def early_signal(rates: pd.DataFrame, adoption, first=None, last=None) -> pd.DataFrame:
    """For the months whose 90-day windows are still open: 30-day churn and practice adoption.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`monthly_rates` over every month.
    adoption : pandas.DataFrame or callable
        The ``monthly_adoption`` query over every month (month, practice, assessed, used), or a
        function giving it, called only when some month of the period is still open.
    first, last : month, optional
        Limit to the chosen period.

    Returns
    -------
    pandas.DataFrame
        One row per open month and one for the latest closed month (``reference`` True) to compare
        with: month, upset_calls, upset_closed_30d, upset_churned_30d, churn_30d and its Wilson interval, assessed, used,
        adoption (practices used / assessed over every practice on the month's upset calls).
    """
    cols = ["month", "reference", "upset_calls", "upset_closed_30d", "upset_churned_30d", "churn_30d", "churn_30d_ci_low",
            "churn_30d_ci_high", "assessed", "used", "adoption"]
    if rates.empty:
        return pd.DataFrame(columns=cols)
    reference = latest_closed_month(rates)
    open_months = still_open(rates, first, last)
    if open_months.empty:
        return pd.DataFrame(columns=cols)
    if callable(adoption):
        adoption = adoption()
    rows = pd.concat([rates[rates["month"] == reference], open_months]).drop_duplicates("month")
    rows = rows.assign(reference=rows["month"] == reference)
    if adoption.empty:
        used = pd.DataFrame({"month": rows["month"], "assessed": 0.0, "used": 0.0})
    else:
        used = (adoption.assign(month=pd.to_datetime(adoption["month"]))
                .groupby("month")[["assessed", "used"]].sum().reset_index())
    rows = rows.merge(used, on="month", how="left")
    rows["adoption"] = rows["used"] / rows["assessed"].where(rows["assessed"] > 0)
    return rows[cols].sort_values("month").reset_index(drop=True)


def kpis(rates: pd.DataFrame) -> pd.DataFrame:
    """The contact-centre KPIs over the period: one row per KPI with its value, unit, n and trend.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`monthly_rates` over the chosen period.

    Returns
    -------
    pandas.DataFrame
        kpi, label, value, unit ('share' or 'minutes' or 'score'), n (calls it rests on), n_unit,
        ci_low, ci_high (Wilson for shares, :func:`mean_interval` for the averages), better ('higher' or
        'lower').
    """
    rows = []
    if rates.empty:
        return pd.DataFrame(columns=["kpi", "label", "value", "unit", "n", "n_unit", "ci_low", "ci_high",
                                     "better"])
    total = rates.drop(columns="month").select_dtypes("number").sum()

    def share(kpi, label, k, n, n_unit, better):
        lo, hi = wilson([total[k]], [total[n]])
        rows.append(dict(kpi=kpi, label=label, value=total[k] / total[n] if total[n] else None,
                         unit="share", n=int(total[n]), n_unit=n_unit, ci_low=lo[0], ci_high=hi[0],
                         better=better))

    share("fcr", "First-contact resolution", "resolved", "resolved_known", "calls with a recorded resolution",
          "higher")
    share("repeat_rate", "Repeat upset contact within 30 days", "repeat_30d", "repeat_closed_30d",
          "upset calls 30+ days old", "lower")

    def squares(column):  # None unless every month has its sum of squares (pandas' sum skips NaN)
        values = rates[column] if column in rates else None
        return None if values is None or values.isna().any() else float(values.sum())

    low, high = mean_interval(total["handle_s_sum"], total["handled"], squares("handle_s_sq_sum"))
    rows.append(dict(kpi="handle_min", label="Average handle time",
                     value=total["handle_s_sum"] / total["handled"] / 60 if total["handled"] else None,
                     unit="minutes", n=int(total["handled"]), n_unit="calls",
                     ci_low=None if low is None else low / 60, ci_high=None if high is None else high / 60,
                     better="lower"))
    low, high = mean_interval(total["csat_sum"], total["csat_scored"], squares("csat_sq_sum"))
    rows.append(dict(kpi="csat", label="Average CSAT (1-5)",
                     value=total["csat_sum"] / total["csat_scored"] if total["csat_scored"] else None,
                     unit="score", n=int(total["csat_scored"]), n_unit="scored calls", ci_low=low,
                     ci_high=high, better="higher"))
    return pd.DataFrame(rows)


class Overview:
    """Everything the overview shows, for one set of filters (see :func:`overview_numbers`).

    Each part is computed when first asked for, then kept: the page's two callbacks each show
    some of them (the headline and teams, or the comparisons and KPIs) and each asks only for
    what it shows; the HTML report asks for all. Thread-safe: a part asked for by two threads
    at once is computed once. Parts: head, customers, rates, all_rates, adoption, teams,
    comparisons, early, kpis, gap, freshness, period (see :func:`compute_overview`).
    """

    def __init__(self, params: dict) -> None:
        self.params = params
        self._parts: dict = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        first, last = _month(params.get("start")), _month(params.get("end"))
        self._first, self._last = first, last

    def _part(self, name: str, make):
        """The part ``name``, made by ``make()`` the first time. One lock a part: two callbacks
        asking for different parts compute them side by side (a part asks only for parts before
        it in the order head/rates <- all_rates <- the monthly rows, so they cannot wait on each
        other in a circle)."""
        if name in self._parts:
            return self._parts[name]
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._parts:
                self._parts[name] = make()
            return self._parts[name]

    def kept(self, name: str, make):
        """Something else made from these numbers (a chart: :mod:`calmline.dashboard.overview_figures`),
        made by ``make()`` the first time it is asked for, then kept with them, as a part is."""
        return self._part(name, make)

    def kept_already(self, name: str):
        """What :meth:`kept` keeps as ``name`` when something made it already, else None (makes nothing)."""
        return self._parts.get(name)

    @property
    def _monthly(self) -> pd.DataFrame:
        """The monthly query over every month (the period not applied), as it comes."""
        # the monthly, adoption and teams queries' rows from the worker's cells (exact, ~5x less CPU)
        return self._part("_monthly", lambda: summary_cells.monthly({**self.params, "start": None, "end": None}))

    @property
    def head(self) -> pd.DataFrame:
        return self._part("head", lambda: headline_from_months(self._monthly, self._first, self._last))

    @property
    def customers(self) -> pd.DataFrame:
        # the customer_headline query's row, from the worker's index of the upset calls (exact, ~6x less CPU)
        return self._part("customers", lambda: customer_counts.customer_headline(self.params))

    @property
    def all_rates(self) -> pd.DataFrame:
        return self._part("all_rates", lambda: monthly_rates(self._monthly))

    @property
    def rates(self) -> pd.DataFrame:
        def make():
            rates = self.all_rates
            if len(rates):
                lo = self._first if self._first is not None else rates["month"].min()
                hi = self._last if self._last is not None else rates["month"].max()
                rates = rates[(rates["month"] >= lo) & (rates["month"] <= hi)].reset_index(drop=True)
            return rates
        return self._part("rates", make)

    @property
    def adoption(self) -> pd.DataFrame:
        return self._part("adoption", lambda: summary_cells.monthly_adoption({**self.params, "start": None,
                                                                               "end": None}))

    @property
    def teams(self) -> pd.DataFrame:
        return self._part("teams", lambda: summary_cells.teams(self.params))

    @property
    def comparisons(self) -> list[Comparison]:
        def make():
            rates = self.rates
            if (self._first is not None or self._last is not None) and len(rates):
                return comparisons(self.all_rates, rates["month"].min(), rates["month"].max())
            return comparisons(self.all_rates)
        return self._part("comparisons", make)

    @property
    def early(self) -> pd.DataFrame:
        # the adoption query runs only when some month of the period is still open
        return self._part("early", lambda: early_signal(self.all_rates, lambda: self.adoption,
                                                        self._first, self._last))

    @property
    def kpis(self) -> pd.DataFrame:
        return self._part("kpis", lambda: kpis(self.rates))

    @property
    def gap(self) -> dict | None:
        return self._part("gap", lambda: top_gap(self.customers))

    @property
    def freshness(self) -> pd.DataFrame:
        return self._part("freshness", lambda: data.frame("freshness"))

    @property
    def period(self) -> str:
        rates = self.rates
        return period_words(rates["month"].min(), rates["month"].max()) if len(rates) else ""

    def everything(self) -> "Overview":
        """Compute every part now (for tests and the report); returns itself."""
        for name in ("head", "customers", "rates", "all_rates", "adoption", "teams", "comparisons", "early",
                     "kpis", "gap", "freshness"):
            getattr(self, name)
        return self


def _month(value):
    return None if value in (None, "") else pd.Timestamp(value).to_period("M").to_timestamp()


def top_gap(customers: pd.DataFrame) -> dict | None:
    """What the top practice gap costs: the first training priority (all teams) of the newest run of
    the headline horizon (else of the horizon the model pages show by default), its customers kept
    per month with its interval, valued at the mean monthly value of the customers with an upset call
    in the period. None before a fit.

    Parameters
    ----------
    customers : pandas.DataFrame
        The ``customer_headline`` query's row (value_all, valued).

    Returns
    -------
    dict or None
        run_id, created_at, horizon, practice, current and target adoption, kept (customers a month)
        with kept_low/kept_high, mean_value and value (kept x mean_value, a month) with value_low/value_high
        (the customers' interval at that value).
    """
    from calmline.dashboard import horizons  # the model run the model pages show

    run = horizons.chosen_run(horizons.fitted_runs(), HORIZON)
    if run is None:
        return None
    priorities = data.frame("run_training_priorities", run_id=int(run["run_id"]))
    if priorities.empty or "team" not in priorities:
        return None
    centre = priorities[(priorities["team"] == "all") & priorities["retained_per_month"].notna()]
    if centre.empty:
        return None
    top = centre.sort_values("retained_per_month", ascending=False).iloc[0]
    row = customers.iloc[0] if len(customers) else None
    mean_value = (float(row.value_all) / float(row.valued)) if row is not None and row.valued else None

    def valued(customers):  # customers a month at the mean monthly value; None when either is unknown
        return None if mean_value is None or pd.isna(customers) else float(customers) * mean_value

    return dict(run_id=int(run["run_id"]), created_at=run.get("created_at"), horizon=int(run["horizon_days"]),
                practice=str(top["practice"]),
                current=top["current_adoption"], target=top["target_adoption"],
                kept=float(top["retained_per_month"]), kept_low=top["ci_low"], kept_high=top["ci_high"],
                mean_value=mean_value,
                value=valued(top["retained_per_month"]), value_low=valued(top["ci_low"]),
                value_high=valued(top["ci_high"]))


def overview_numbers(params: dict) -> Overview:
    """Every number the overview and its HTML report show, for the filters ``params`` (see
    :func:`compute_overview`); memoized per database file version and filters, since the page's
    two callbacks and the report ask for the same numbers. Callers must not change the result."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _overview_for(key)


@data.per_version
def _overview_for(key: tuple) -> Overview:
    return compute_overview({k: list(v) if isinstance(v, tuple) else v for k, v in key})


def compute_overview(params: dict) -> Overview:
    """Every number the overview and its HTML report show, for the filters ``params``.

    Parameters
    ----------
    params : dict
        The global filters as bound parameters (:func:`calmline.dashboard.filters.params`).

    Returns
    -------
    Overview
        The headline (calls), the customer figures, monthly rates for the period and for every
        month, the comparisons (the chosen period, or by default the latest month whose 90-day
        windows have closed, vs the one before and a year earlier), the early signal for open
        months, the KPIs, the top practice gap's cost and the data's freshness; each computed
        when first asked for.
    """
    return Overview(params)


HEADLINE_COLUMNS = ("upset_calls", "calm_calls", "churn_upset", "churn_calm", "upset_closed", "upset_retained",
                    "calm_closed", "calm_retained", "has_previous", "prev_upset_calls", "prev_churn_upset",
                    "prev_upset_closed", "prev_upset_retained")
"""The ``headline`` query's columns, in its order."""


def headline_from_months(monthly: pd.DataFrame, first=None, last=None) -> pd.DataFrame:
    """The ``headline`` query's row, summed from the ``monthly`` query's rows over every month (the
    same filters, the period not applied): the same numbers without a query of its own.

    Parameters
    ----------
    monthly : pandas.DataFrame
        The ``monthly`` query over every month, as it comes (before :func:`monthly_rates`).
    first, last : Timestamp, optional
        The period's first and last months (a month's first day); None = open.

    Returns
    -------
    pandas.DataFrame
        One row, the headline query's columns (float64 counts, NaN where it gives NULL); the previous
        period (as many months, just before ``first``) only when both ends are chosen. Empty, with
        the monthly frame's ``attrs["missing"]``, when that query could not run.
    """
    if "missing" in monthly.attrs:
        return monthly.copy()
    months = pd.to_datetime(monthly["month"]) if len(monthly) else pd.Series([], dtype="datetime64[us]")

    def sums(keep, *columns):
        rows = monthly[keep] if len(monthly) else monthly
        return [float(pd.to_numeric(rows[c]).sum()) if len(rows) else 0.0 for c in columns]

    def ratio(k, n):
        return k / n if n else np.nan

    keep = pd.Series(True, index=monthly.index)
    if first is not None:
        keep &= months >= first
    if last is not None:
        keep &= months <= last
    upset, calm, closed, churned, calm_closed, calm_churned = sums(
        keep, "upset_calls", "calm_calls", "upset_closed_90d", "upset_churned_90d", "calm_closed_90d",
        "calm_churned_90d")
    row = dict(upset_calls=upset, calm_calls=calm, churn_upset=ratio(churned, closed),
               churn_calm=ratio(calm_churned, calm_closed), upset_closed=closed, upset_retained=closed - churned,
               calm_closed=calm_closed, calm_retained=calm_closed - calm_churned,
               has_previous=first is not None and last is not None,
               prev_upset_calls=np.nan, prev_churn_upset=np.nan, prev_upset_closed=np.nan,
               prev_upset_retained=np.nan)
    if row["has_previous"]:
        span = (last.year - first.year) * 12 + last.month - first.month + 1
        before = (months >= first - pd.DateOffset(months=span)) & (months <= first - pd.DateOffset(months=1))
        p_upset, p_closed, p_churned = sums(before, "upset_calls", "upset_closed_90d", "upset_churned_90d")
        if p_upset:  # the query's sums over no upset cell are NULL
            row.update(prev_upset_calls=p_upset, prev_churn_upset=ratio(p_churned, p_closed),
                       prev_upset_closed=p_closed, prev_upset_retained=p_closed - p_churned)
    head = pd.DataFrame({c: [row[c]] for c in HEADLINE_COLUMNS})
    return head.astype({c: "float64" for c in HEADLINE_COLUMNS if c != "has_previous"})


def period_adoption(o: Overview) -> pd.DataFrame:
    """The ``monthly_adoption`` rows of the chosen period (every month when none is chosen): the
    overview's adoption trend. Taken from the all-months rows the numbers already hold, so the page
    runs the query once per set of filters instead of once more for each period; the same rows
    as the query with the period bound (tests/dashboard/test_overview_numbers.py checks it).

    Parameters
    ----------
    o : Overview

    Returns
    -------
    pandas.DataFrame
        month, practice, assessed, used, adoption; one row per month of the period and practice.
    """
    adoption = o.adoption
    first, last = _month(o.params.get("start")), _month(o.params.get("end"))
    if adoption.empty or (first is None and last is None):
        return adoption
    months = pd.to_datetime(adoption["month"])
    keep = (months >= first if first is not None else True) & (months <= last if last is not None else True)
    return adoption[keep].reset_index(drop=True)


# The words around the numbers, shared by the page and the HTML report ------------------------

def headline_cards(o: Overview) -> list[dict]:
    """The four headline cards: title, value and note, each stating its unit.

    Parameters
    ----------
    o : Overview

    Returns
    -------
    list of dict
        title, value, note; empty when no call matches the filters.
    """
    from calmline.dashboard import formats

    if o.head.empty or not o.head["upset_calls"].iloc[0]:
        return []
    row = o.head.iloc[0]
    cust = o.customers.iloc[0] if len(o.customers) else None
    period = o.period or "the data"
    cards = [dict(title="Upset calls", value=f"{formats.count(row.upset_calls)} calls",
                  note=f"{formats.count(row.calm_calls)} calm calls; "
                       f"{formats.count(cust.customers) if cust is not None else formats.MISSING} customers had "
                       f"an upset call in {period}"),
             dict(title=f"Churn within {HORIZON} days after an upset call",
                  value=formats.percent(row.churn_upset) + " of calls",
                  note=f"of {formats.count(row.upset_closed)} upset calls whose {HORIZON} days have passed; "
                       f"after a calm call: {formats.percent(row.churn_calm)}")]
    if cust is not None and cust.customers_closed:
        still = cust.customers - cust.customers_closed
        cards.append(dict(
            title=f"Upset customers still with us {HORIZON} days on",
            value=f"{formats.count(cust.customers_retained)} of {formats.count(cust.customers_closed)} customers",
            note=f"{formats.percent(cust.customers_retained / cust.customers_closed)} retained: each customer "
                 f"with an upset call in {period} counted once, retained when not churned within {HORIZON} "
                 f"days of their last upset call in it"
                 + (f"; {formats.count(still)} more customers' {HORIZON} days not yet passed" if still else "")))
    else:
        cards.append(dict(title=f"Upset customers still with us {HORIZON} days on", value=formats.MISSING,
                          note=f"no customer's {HORIZON} days since their last upset call in {period} have passed"))
    cards.append(extra_churn_card(row))
    return cards


def extra_churn_card(row) -> dict:
    """The headline's upset-vs-calm card: churn within 90 days after an upset call minus after a calm
    call, per call with a closed window, unadjusted, with its 95% Newcombe interval (as the
    comparisons') and both n.

    Parameters
    ----------
    row : pandas.Series
        The headline row (:data:`HEADLINE_COLUMNS`).

    Returns
    -------
    dict
        title, value, note.
    """
    from calmline.dashboard import formats

    title = "Extra churn after upset calls"
    if not row.upset_closed or not row.calm_closed:
        return dict(title=title, value=formats.MISSING,
                    note=f"needs upset and calm calls whose {HORIZON} days have passed")
    gap = compare("upset vs calm calls", "upset calls", "calm calls", row.upset_closed - row.upset_retained,
                  row.upset_closed, row.calm_closed - row.calm_retained, row.calm_closed)
    return dict(title=title, value=formats.points(gap.difference).replace("pp", "points"),
                note=f"{formats.interval_points(gap.ci_low, gap.ci_high)}; per call, unadjusted: "
                     f"{formats.count(gap.closed)} upset and {formats.count(gap.other_closed)} calm calls "
                     f"whose {HORIZON} days have passed")


def comparison_text(c: Comparison) -> dict:
    """One comparison in words: label, verdict ('better', 'worse', 'no clear change', ''), and text."""
    from calmline.dashboard import formats

    head = (f"{c.period}: {formats.rate_of(c.churned, c.closed, 'upset calls')} churned within {HORIZON} "
            f"days")
    if c.calls and c.closed < c.calls:
        head += (f" (provisional: the {HORIZON} days have passed for {formats.count(c.closed)} of its "
                 f"{formats.count(c.calls)} upset calls)")
    if c.missing:
        return dict(label=c.label, verdict="", text=f"{head}; not compared: {c.missing}")
    change = formats.points(c.difference).replace("pp", "points")
    if c.significant:
        verdict = c.direction
        hint = f"{c.direction}, unlikely to be chance ({formats.p_value(c.p_value)})"
    else:
        verdict = "no clear change"
        hint = (f"{c.direction if c.direction != 'no change' else 'no change'}, but within what chance gives "
                f"({formats.p_value(c.p_value)})")
    text = (f"{head}; {c.other_period}: {formats.rate_of(c.other_churned, c.other_closed, 'upset calls')}. "
            f"Change {change} ({formats.interval_points(c.ci_low, c.ci_high)}): {hint}.")
    return dict(label=c.label, verdict=verdict, text=text)


def early_table(o: Overview) -> pd.DataFrame:
    """The early signal as a table people read: month, upset calls, 30-day churn with n, adoption."""
    from calmline.dashboard import formats

    if o.early.empty:
        return pd.DataFrame()
    rows = []
    for r in o.early.itertuples():
        closed = int(r.upset_closed_30d)
        churn = formats.rate_of(r.upset_churned_30d, closed, "calls")
        if closed and closed < MIN_N:
            churn += ", few calls"
        if closed and pd.notna(r.churn_30d_ci_low):
            churn += f"; 95% CI {formats.percent(r.churn_30d_ci_low)} to {formats.percent(r.churn_30d_ci_high)}"
        rows.append({"Month": month_words(r.month) + (" (latest closed month, for reference)" if r.reference
                                                         else f" ({HORIZON}-day windows still open)"),
                     "Upset calls": formats.count(r.upset_calls),
                     f"Churn within {EARLY_HORIZON} days (% of calls whose {EARLY_HORIZON} days have passed)": churn,
                     "Practice adoption (% of assessed practices used on upset calls)":
                         formats.rate_of(r.used, r.assessed, "assessed") if r.assessed else formats.MISSING})
    return pd.DataFrame(rows)


def director_cards(o: Overview) -> list[dict]:
    """Revenue at risk and the contact-centre KPIs as cards: title, value, note (unit and n in each)."""
    from calmline.dashboard import formats

    cards = []
    cust = o.customers.iloc[0] if len(o.customers) else None
    if cust is not None and cust.customers_closed:
        unknown = (f"; {formats.count(cust.value_unknown)} without a recorded value" if cust.value_unknown else "")
        cards.append(dict(
            title="Revenue at risk: monthly value of customers lost after upset calls",
            value=f"{formats.money(cust.value_lost)} a month",
            note=f"{formats.count(cust.customers_lost)} of {formats.count(cust.customers_closed)} customers churned "
                 f"within {HORIZON} days of their last upset call in {o.period or 'the data'}, customers.monthly_value "
                 f"summed (the data's currency){unknown}"))
    if o.gap is not None:
        g = o.gap
        value = f"{formats.money(g['value'])} a month" if g["value"] is not None else formats.MISSING
        value_ci = (f"95% CI {formats.money(g['value_low'])} to {formats.money(g['value_high'])} a month: "
                    if g["value_low"] is not None and g["value_high"] is not None else "")
        cards.append(dict(
            title=f"What the top practice gap costs: {vocabulary.label(g['practice'])}",
            value=value,
            note=f"{value_ci}about {g['kept']:.1f} customers a month "
                 f"(95% CI {g['kept_low']:.1f} to {g['kept_high']:.1f}) "
                 f"would stay if adoption rose from {formats.percent(g['current'])} to the best quarter of agents' "
                 f"{formats.percent(g['target'])}, each worth {formats.money(g['mean_value'])} a month on average; "
                 f"centre-wide, model run #{g['run_id']} (churn within {g['horizon']} days)"))
    for k in o.kpis.itertuples():
        if k.unit == "share":
            value = formats.percent(k.value) + (" of calls" if k.kpi == "fcr" else " of upset calls")
            ci = (f"; 95% CI {formats.percent(k.ci_low)} to {formats.percent(k.ci_high)}"
                  if pd.notna(k.ci_low) else "")
        else:
            value = (f"{k.value:.1f} minutes" if k.unit == "minutes" else f"{k.value:.2f} of 5") \
                if pd.notna(k.value) else formats.MISSING
            ci = ((f"; 95% CI {k.ci_low:.1f} to {k.ci_high:.1f} minutes" if k.unit == "minutes"
                   else f"; 95% CI {k.ci_low:.2f} to {k.ci_high:.2f}") if pd.notna(k.ci_low) else "")
        cards.append(dict(title=k.label, value=value,
                          note=f"n = {formats.count(k.n)} {k.n_unit}{ci}; {k.better} is better"))
    return cards


COMPARISON_NOTE = ("Better = less churn. Rates are per upset call whose 90 days have passed; differences in "
                   "percentage points with a 95% interval; a change counts as clear when a two-proportion "
                   "test gives p < 0.05.")
EARLY_TITLE = f"Early signal for the months still open (their {HORIZON} days have not passed)"
EARLY_NOTE = (f"Churn within {EARLY_HORIZON} days is known sooner than within {HORIZON}: compare it with the "
              "reference month's, not with 90-day churn.")


def comparison_title(o: Overview) -> str:
    """The comparison panel's title, naming the period compared."""
    period = o.comparisons[0].period if o.comparisons else o.period
    return f"What changed: {period}, churn within {HORIZON} days after upset calls (% of calls)"
