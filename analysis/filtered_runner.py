"""Estimates for a dashboard filter, on demand: each practice's logit AME and AIPW for the upset
calls a filter (team, site, channel, issue type, anger level, period) keeps.

Like :mod:`calmline.analysis.runner` this module touches the database, but only to read: the model
population comes from the table ``model_population`` `calmline fit` stored (or, in a database fitted
before it, through ``queries/analysis/upset_calls.sql``, the query the fit reads), restricted by ``queries/analysis/filtered_upset_calls.sql`` with the dashboard's filter macros
(``in_filters``, ``in_months``). The estimates then follow the steps of one horizon of the fit:
the calls whose outcome window has closed, complete cases
(:func:`calmline.analysis.design.complete_cases`), the design (:func:`~calmline.analysis.design.build`),
:func:`calmline.analysis.effects.practice_effects` with the after-call practices at their landmark,
and the q-values and minimum detectable effects of :func:`calmline.analysis.secondary.add_q_and_mde`.
Nothing is stored: the caller (the dashboard) caches the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from calmline.analysis import logit, runner
from calmline.analysis.design import ENCODED, build
from calmline.analysis.disputes import MIN_CALLS
from calmline.analysis.effects import COLUMNS as EFFECT_COLUMNS
from calmline.analysis.secondary import add_q_and_mde
from calmline.queries import load_sql

STORED = "model_population"
"""The table `calmline fit` stores its model population in (:mod:`calmline.analysis.runner`); the runs
fitted on it are in ``model_population_runs``."""

POPULATION = "upset_population"
"""The name under which :func:`population` registers ``upset_calls.sql`` on the cursor (read by
``filtered_upset_calls.sql``); this module owns it."""

PARAMETERS = ("teams", "sites", "channels", "issues", "anger", "start", "end")
"""The filter's bound parameters (the dashboard's ``data.filter_params``; None = no filter)."""

SHOWN = (("logit", "risk_difference"), ("aipw", "risk_difference"))
"""The (method, scale) rows a filter's estimate is read by: the logit AME and AIPW."""

BLAS_THREADS = 1
"""BLAS threads while a filter is estimated. Its matrices (tens of thousands of rows by about 45
columns, in blocks) gain little from a second thread, and on a busy server OpenBLAS's waiting
threads spin: at 84,000 calls on 2 shared cores two threads took 8.0 CPU s where one took 3.5, and
longer on the clock. The dashboard's other callbacks keep the second core."""

WARM_ROWS = 20_000
"""The seeded sample a filter's logits (the outcome models, every practice's propensity model) start
from, with its X'WX for the chord steps, above twice this many calls
(:func:`calmline.analysis.logit.warm_start_rows`; the fit uses 100,000 for its hundreds of
thousands). The same maxima: at 84,000-167,000 calls the shown numbers moved by at most 1e-12, and
the models' CPU time fell by about a third."""


@dataclass
class FilteredEstimate:
    """The practices' estimates for one filter and horizon, or why there are none.

    ``n_calls``: upset calls in the model (their outcome window closed by the as-of date, every
    practice assessed); ``n_events``: of those, calls whose customer churned within the horizon;
    ``n_agents``: agents who took them; ``n_left_out``: calls of the filter in the window left out
    because a practice was not assessed. ``effects`` has the columns of
    :data:`calmline.analysis.effects.COLUMNS` plus ``outcome``, ``q_value``, ``design_effect`` and
    ``mde`` (as stored by a fit), for the rows the filter is read by (:func:`shown_rows`: logit AME
    and AIPW); empty with ``refusal`` set when the data cannot support an estimate. ``seconds``:
    wall and CPU time of reading and of estimating.
    """

    horizon_days: int
    n_calls: int
    n_events: int
    n_agents: int
    n_left_out: int
    effects: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    refusal: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.refusal is None


def stored_for(con: duckdb.DuckDBPyConnection, run_id: int) -> bool:
    """Whether the database holds the stored model population (:data:`STORED`) run ``run_id`` was
    fitted on (``model_population_runs`` lists it); False for a database fitted before the table."""
    present = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN "
                          "('model_population', 'model_population_runs')").fetchall()[0][0]
    return present == 2 and con.execute("SELECT count(*) FROM model_population_runs WHERE run_id = $run",
                                        {"run": int(run_id)}).fetchall()[0][0] > 0


def model_columns(practices: list[str], horizon_days: int) -> list[str]:
    """The population columns :func:`estimate_population` reads for ``practices`` and a horizon: the
    agent (clusters), the design's covariates (:data:`calmline.analysis.design.ENCODED`), the
    practices, ``resolved``, the survival and observation columns and the horizon's outcome. Reading
    only these (no call, customer, team or site strings, no other horizons) takes about half the
    read's CPU at 2M calls; the estimate is the same."""
    wanted = ["agent_id", *ENCODED, *practices, "resolved", "event", "time_days", "days_observable",
              f"churned_{horizon_days}d"]
    return list(dict.fromkeys(wanted))


def population(con: duckdb.DuckDBPyConnection, params: dict, run_id: int | None = None,
               columns: list[str] | None = None) -> pd.DataFrame:
    """The model population's upset calls that pass the filter.

    Read from the table ``model_population`` `calmline fit` stored when it holds ``run_id``'s
    population (a WHERE on it), else through ``queries/analysis/upset_calls.sql`` (every call's
    contact history recomputed: an older database, or ``run_id`` None).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A cursor on a calmline database (read-only is enough; a dashboard snapshot's cursor).
    params : dict
        :data:`PARAMETERS` as bound values: lists of teams, sites, channels, issue types and anger
        levels, and the period's first and last day (``YYYY-MM-DD``); a missing or None value does
        not filter.
    run_id : int, optional
        The stored run the estimate is shown beside.
    columns : list of str, optional
        Only these columns (:func:`model_columns`), in this order, those the population has; all
        by default.

    Returns
    -------
    DataFrame
        The rows and columns of ``queries/analysis/upset_calls.sql`` (one row per upset call)
        that pass the filter.
    """
    bound = {name: params.get(name) for name in PARAMETERS}
    source = (con.table(STORED) if run_id is not None and stored_for(con, run_id)
              else con.sql(load_sql("analysis/upset_calls")))
    con.register(POPULATION, source)
    try:
        filtered = con.sql(load_sql("analysis/filtered_upset_calls"), params=bound)
        if columns is None:
            return filtered.df()
        present = set(filtered.columns)  # a column the population lacks stays missing, as with all
        return filtered.select(*(duckdb.ColumnExpression(c) for c in columns if c in present)).df()
    finally:
        con.unregister(POPULATION)


def counts_text(n_calls: int, n_events: int, n_agents: int, horizon_days: int) -> str:
    """The n of a filter's estimate in words: "1,234 upset calls (201 churned within 90 days, 12 agents)"."""
    return (f"{n_calls:,} upset call{'' if n_calls == 1 else 's'} ({n_events:,} churned within "
            f"{horizon_days} days, {n_agents:,} agent{'' if n_agents == 1 else 's'})")


def estimate_population(upset: pd.DataFrame, practices: list[str], horizon_days: int, *,
                        threads: int | None = BLAS_THREADS) -> FilteredEstimate:
    """Each practice's effect on churn within ``horizon_days`` among the upset calls ``upset``.

    The estimand is the fit's: per practice, the mean over the calls of P(churn | used) - P(churn
    | not used), everything before the practice as it was (logit AME and AIPW, total effect; an
    after-call practice among the calls still active at its landmark), here for the calls of one
    filter only.

    Parameters
    ----------
    upset : DataFrame
        Upset calls as ``queries/analysis/upset_calls.sql`` returns them (any subset of them).
    practices : list of str
        The practices to estimate (those of the stored run); practices no call of ``upset``
        records are left out, with a warning.
    horizon_days : int
        The churn horizon (the stored run's).
    threads : int or None
        BLAS threads for the models (:data:`BLAS_THREADS`); None leaves BLAS as it is.

    Returns
    -------
    FilteredEstimate
        With ``refusal`` (and no effects) when the calls cannot support an estimate: fewer than
        :data:`calmline.analysis.disputes.MIN_CALLS` calls in the model (the floor of a subgroup's
        own model, as for the heterogeneity cells and the disputed points), no churn event or
        only churn, or no practice estimable; the refusal states the calls, events and agents.
    """
    outcome = f"churned_{horizon_days}d"
    kept = [p for p in practices if p in upset and upset[p].notna().any()]
    warnings = [f"{p}: not recorded on any upset call of this filter, left out" for p in practices
                if p not in kept]
    df, left_out = runner.in_model(upset, kept, horizon_days)
    n = len(df)
    events = int(df[outcome].astype(float).sum()) if n else 0
    agents = int(df["agent_id"].nunique()) if n else 0
    if left_out:
        warnings.append(f"{left_out:,} upset calls with a practice not assessed were left out")
    result = FilteredEstimate(horizon_days, n, events, agents, left_out, pd.DataFrame(), warnings)
    has = counts_text(n, events, agents, horizon_days)
    if n == 0:
        result.refusal = (f"No estimate for this filter: none of its upset calls has a closed {horizon_days}-day "
                          "outcome window with every practice assessed.")
    elif n < MIN_CALLS:
        result.refusal = (f"Too few calls to estimate for this filter: {has}. A model needs at least "
                          f"{MIN_CALLS:,} upset calls (the floor of a subgroup's own model, as for the "
                          "heterogeneity cells and the disputed points); widen the filter.")
    elif events in (0, n):
        result.refusal = (f"No estimate for this filter: {has}; "
                          + ("no customer churned" if events == 0 else "every customer churned")
                          + ", so there is no difference in churn to estimate.")
    if result.refusal:
        return result
    with threadpool_limits(threads, user_api="blas"), logit.warm_start_rows(WARM_ROWS):
        design = build(df, kept)
        # only what the page and its CSV show: no direct-effect logit, no balance SMDs
        effects, _, model_warnings, after, landmark = runner.horizon_effects(
            df, kept, outcome, design, with_direct=False, with_balance=False)
        effects["outcome"] = f"churn_{horizon_days}d"
        # q-values are taken within method, effect and scale, so keeping only the rows shown changes
        # none of theirs, and spares the minimum detectable effects of the rows nobody reads here
        shown = add_q_and_mde(shown_rows(effects), df, kept, outcome, after_call=after, landmark=landmark)
    result.warnings += model_warnings
    if shown["estimate"].isna().all():
        reasons = shown["warning"].dropna().astype(str)
        why = reasons.mode().iloc[0] if len(reasons) else "no practice could be estimated"
        result.refusal = f"No estimate for this filter: {has}; {why}."
        return result
    result.effects = shown
    return result


def estimate(con: duckdb.DuckDBPyConnection, params: dict, horizon_days: int, practices: list[str],
             run_id: int | None = None) -> FilteredEstimate:
    """Read the filter's upset calls (:func:`population`) and estimate (:func:`estimate_population`).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A cursor on the database (read only).
    params : dict
        The filter as bound parameters (see :func:`population`).
    horizon_days : int
        The churn horizon, that of the stored run shown beside the estimate.
    practices : list of str
        The practices to estimate.
    run_id : int, optional
        The stored run: its stored population is read when the database has it (:func:`population`).

    Returns
    -------
    FilteredEstimate
        ``seconds`` holds ``read`` and ``estimate`` (wall time) and ``read_cpu``, ``estimate_cpu``
        (CPU seconds of the process, DuckDB's and BLAS's threads included).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    upset = population(con, params, run_id, model_columns(practices, horizon_days))
    read, read_cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = estimate_population(upset, practices, horizon_days)
    result.seconds = {"read": read, "estimate": time.perf_counter() - wall - read,
                      "read_cpu": read_cpu, "estimate_cpu": time.process_time() - cpu - read_cpu}
    return result


def shown_rows(effects: pd.DataFrame) -> pd.DataFrame:
    """The rows a filter's estimate is read by: logit AME and AIPW risk differences, total effect
    (landmark for an after-call practice; the direct effect is left out)."""
    if effects is None or effects.empty or "method" not in effects:
        return pd.DataFrame(columns=[*EFFECT_COLUMNS, "outcome", "q_value", "design_effect", "mde"])
    keep = np.array([(m, s) in SHOWN for m, s in zip(effects["method"], effects["scale"])], dtype=bool)
    return effects[keep & effects["effect"].isin(["total", "landmark"]).to_numpy()].reset_index(drop=True)
