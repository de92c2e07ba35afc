"""`calmline fit`: read the model population, run every model, write the result tables.

The only module of analysis/ that touches the database. It reads the marts
the ETL built, hands DataFrames to the pure modules, and writes their tidy
results as a new run into the same DuckDB file, published atomically like a
load (see :mod:`calmline.database.publish`), so readers never see half a run.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from threadpoolctl import threadpool_limits

from calmline import vocabulary
from calmline.analysis import disputes, fit_files, population_read, schedule, secondary
from calmline.analysis.design import Design, active_at, agent_codes, build
from calmline.analysis.dose import dose_response, heterogeneity
from calmline.analysis.effects import practice_effects
from calmline.analysis.robustness import sensitivity_checks
from calmline.analysis.specification import specification
from calmline.queries import load_sql
from calmline.database import model_inputs
from calmline.database.publish import Copying, staged_database

Progress = Callable[[str], None]


@dataclass
class FitSummary:
    """What a `calmline fit` run wrote."""

    db: Path
    runs: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    """Wall seconds per step (steps on different lanes overlap: these add up to more than
    ``seconds``)."""
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per step, beside ``timings``: of the forked process or the thread that ran it when
    the models run on several lanes, of the whole process when on one (BLAS on one thread either way)."""
    cpu_seconds: float = 0.0
    """CPU seconds of the whole fit: its process and the steps' forked processes."""
    lanes: int = 1
    """Model families that ran at once (:func:`calmline.analysis.schedule.lanes`)."""


def fit(db: Path, practices: list[str], *, horizons: tuple[int, ...] = (90,),
        progress: Progress | None = None, lanes: int | None = None) -> FitSummary:
    """Fit every model for each horizon and store the results as new runs in ``db``.

    Parameters
    ----------
    db : Path
        A database built by `calmline etl`.
    practices : list of str
        Practice columns of the model population (0/1).
    horizons : tuple of int
        Days after the call within which churn counts (30, 90, 180 supported).
    progress : callable, optional
        Called with a description of the steps running whenever they change (several steps,
        joined by ``"; "``, when they run at once).
    lanes : int, optional
        Model families run at once (:func:`calmline.analysis.schedule.lanes`: the
        ``CALMLINE_FIT_LANES`` setting, else two for a mid-sized population on a machine with
        a second core, else one), each in a forked process where the system
        forks (:func:`calmline.analysis.schedule.process_lanes`), else on threads.
        The stored results are the same whatever the number.
    """
    started, started_cpu = time.monotonic(), _cpu()
    say = progress or (lambda _: None)
    summary = FitSummary(db)
    with staged_database(db, beside=True) as copying, _blas_threads():
        # the models read the published file while the working copy is made beside them; the copy
        # is written once they are done (fit_files.open_copy)
        scratch = fit_files.scratch(copying.work)
        say("reading upset calls")
        start, start_cpu = time.monotonic(), time.process_time()
        con = fit_files.reading(db, scratch)
        try:
            # a database whose rows live in a lake holds what the fit reads of them (a Spark load)
            population_sql, training_sql = model_inputs.queries(con, fit_files.PUBLISHED)
            population = _store_population(con, population_sql)
            training = con.execute(training_sql).df()
            disputed = _dispute_calls(con)
            as_of, batches = con.execute(
                "SELECT (SELECT as_of FROM etl_state), "
                "(SELECT list(DISTINCT batch_id ORDER BY batch_id) FROM load_batches "
                " WHERE status LIKE 'loaded%')").fetchone()
        finally:
            # closed: DuckDB keeps the new table's blocks (0.17 GB at 1M upset calls) until its
            # database closes, evicting the buffers does not let them go
            con.close()
        summary.timings["reading upset calls"] = time.monotonic() - start
        summary.cpu["reading upset calls"] = time.process_time() - start_cpu
        practices, unrecorded = _recorded(population, practices)
        lanes = summary.lanes = schedule.lanes(upset_calls=len(population)) if lanes is None else max(1, lanes)
        cox_input = [population]  # handed to the Cox step once, then not held by the runner
        survival = None
        if lanes == 1 and horizons:
            # on one lane Cox first, before any horizon's calls frame is made: its temporaries
            # (the largest of the fit at 4M upset calls) then sit beside the population alone
            cox = _survival_step(cox_input, practices)
            done, timings = schedule.run([cox], 1, keep=["cox"], progress=say)
            survival = done["cox"]
            _record(summary, [cox], timings, horizons[0])
            _hand_back()
        con = None
        try:
            for i, h in enumerate(horizons):
                if i == len(horizons) - 1 and survival is not None:
                    # the models read df from here on, and Cox is done: only what the rest reads is kept,
                    # taken out of the population a column at a time
                    df, left_out, population = taken(population, practices, h, horizons)
                    _hand_back()
                else:
                    df, left_out = in_model(population, practices, h)
                    if i == len(horizons) - 1:  # (Cox still to run, beside the models: it reads cox_input)
                        population = _after_models(population, practices, horizons)
                        _hand_back()
                steps = [] if survival is not None else [_survival_step(cox_input, practices)]
                tables, warnings, counts, survival = _fit_horizon(
                    df, left_out, population, practices, h, steps, survival, training, disputed, lanes, say, summary)
                del df
                warnings = unrecorded + warnings
                start, start_cpu = time.monotonic(), time.process_time()
                con = con or _open_copy(copying, scratch, say)
                run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM model_runs").fetchone()[0]
                _write(con, run_id, tables)
                con.execute("INSERT INTO model_runs VALUES ($run, $now, $as_of, $h, $n, $events, $left, "
                            "$batches, $spec, $warnings)",
                            {"run": run_id, "now": datetime.now(timezone.utc).replace(tzinfo=None),
                             "as_of": as_of, "h": h, **counts, "batches": batches or [],
                             "spec": specification(h), "warnings": warnings})
                summary.timings[f"writing ({h}d)"] = time.monotonic() - start
                summary.cpu[f"writing ({h}d)"] = time.process_time() - start_cpu
                summary.runs.append(run_id)
                summary.warnings += [f"{h}-day run {run_id}: {w}" for w in warnings]
                for name, frame in tables.items():
                    summary.rows[name] = summary.rows.get(name, 0) + len(frame)
            con = con or _open_copy(copying, scratch, say)
            con.execute("INSERT INTO model_population_runs SELECT unnest($runs::INTEGER[])",
                        {"runs": summary.runs})
            con.execute("CHECKPOINT")
        finally:
            if con is not None:
                con.close()
    summary.seconds = time.monotonic() - started
    summary.cpu_seconds = _cpu() - started_cpu
    return summary


def _open_copy(copying: Copying, scratch: Path, say: Progress) -> duckdb.DuckDBPyConnection:
    """The working copy's connection (:func:`calmline.analysis.fit_files.open_copy`), once the copy
    is made; the progress says so when the models were done first."""
    if not copying.done:
        say("finishing the working copy of the database")
    return fit_files.open_copy(copying.ready(), scratch)


def _hand_back() -> None:
    """Return the free memory of the C heap (glibc's ``malloc_trim``; nothing elsewhere) and of
    Arrow's pool to the system. After a family lets go of vectors of every call (30 MB each at 3.9M
    upset calls, under glibc's 32 MB ceiling for mapping an allocation of its own), the heap keeps
    their pages, and the next step's new matrices (mapped apart) come on top of them; Arrow's pool
    keeps the pages of the population frame's text columns once they are let go (39 MB at 1M upset
    calls once the horizon's calls are taken)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    pa.default_memory_pool().release_unused()


def _cpu() -> float:
    """CPU seconds of this process and of the steps' forked processes that have ended."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


BLAS_THREADS = 1
"""BLAS threads while the models run (None leaves BLAS as it is). One: the fit's lanes already use
the cores (a BLAS thread of its own per lane would wait for the other lane's), its matrices (about 45
columns) gain little from a second one, and OpenBLAS's spinning threads doubled the fit's CPU on a
busy machine (benchmarks/README.md, Fitting). Also the numbers do not depend on the lanes: a
product summed by two BLAS threads can differ from one thread's in the last digit."""


def _survival_step(cox_input: list[pd.DataFrame], practices: list[str]) -> schedule.Step:
    """The Cox and Kaplan-Meier step (the same for every horizon): it takes the population out of
    ``cox_input`` when it runs, so the runner does not hold it for the step."""
    return schedule.Step("cox", "Cox and Kaplan-Meier", lambda: secondary.survival(
        cox_input.pop(), practices, after_call=_after_call(practices),
        landmark_days=vocabulary.FOLLOWUP_WINDOW_DAYS), forked=cox_input.clear)


def _blas_threads():
    """BLAS limited to :data:`BLAS_THREADS` threads (threadpoolctl), or left as it is."""
    return nullcontext() if BLAS_THREADS is None else threadpool_limits(BLAS_THREADS, user_api="blas")


def _store_population(con: duckdb.DuckDBPyConnection, query: str | None = None) -> pd.DataFrame:
    """Write the model population (``query``, by default ``queries/analysis/upset_calls.sql``: one row
    per upset call; or the population a Spark load stored, :func:`calmline.database.model_inputs.queries`) as
    the table ``model_population`` of ``con``'s own database, replacing any there, and return it as
    a frame without the columns no model reads (customer_id, site): the rows every model of this fit
    uses, and those the dashboard's estimates for a filter read with a WHERE.

    DuckDB writes the table from the query (:func:`_capped`, its joins as written), and the frame
    is read back from the table sorted by call_id, as a stream of batches written into the frame's
    columns (:func:`_population_read`): the process holds the frame and a batch, not the whole
    result beside it. The query's parallel plan returns its rows in an order of its own each time;
    in call_id order the same database gives the same numbers to the last digit, on any number of
    threads. The stored table's rows are in no set order (its readers filter it)."""
    own = con.execute("SELECT current_database()").fetchone()[0]  # (not a database attached to read)
    con.execute(f'DROP TABLE IF EXISTS "{own}".main.model_population')
    query = query or load_sql("analysis/upset_calls")
    with _joins_as_written(con), _any_row_order(con):
        _capped(con, lambda: con.sql(query).create("model_population"))
    _release_buffers(con)  # the query's hash tables and window sort
    frame = _population_read(con)
    _release_buffers(con)  # the sort's
    return frame


LEVELS = ("issue_type", "channel", "plan", "region")
"""Text columns of the population that every model reads only as levels (the design's dummy columns,
the heterogeneity cells): held as pandas categoricals, a byte or two per call instead of a string."""

BATCH_ROWS = 131_072
"""Rows of the population read at a time (:func:`_population_read`): about 12 MB of Arrow."""


def _population_read(con: duckdb.DuckDBPyConnection, batch_rows: int | None = None) -> pd.DataFrame:
    """The frame of the stored ``model_population``: ``queries/analysis/population_sorted.sql`` (in
    call_id order, DuckDB's sort spilling past :data:`QUERY_MEMORY`) read ``batch_rows`` rows at a
    time (:data:`BATCH_ROWS` when None) into columns allocated once with their final dtypes
    (:func:`calmline.analysis.population_read.stream_frame`, what each column holds from
    ``population_columns.sql``), Arrow's freed memory handed back at the end. Held compactly: the
    :data:`LEVELS` columns as categoricals, 64-bit integers as int32 when their values fit; every
    other column as :func:`calmline.analysis.population_read.arrow_frame` gives it."""
    facts = con.execute(load_sql("analysis/population_columns"))
    held = dict(zip([d[0] for d in facts.description], facts.fetchall()[0]))
    rows = held["population_rows"]

    def read() -> pd.DataFrame:
        batches = con.sql(load_sql("analysis/population_sorted")).to_arrow_reader(batch_rows or BATCH_ROWS)
        columns = {f.name: population_read.Held(rows - held[f"values_{f.name}"], held[f"least_{f.name}"],
                                                held[f"greatest_{f.name}"]) for f in batches.schema}
        return population_read.stream_frame(batches, batches.schema, rows, columns, LEVELS)

    frame = _capped(con, read, READ_MEMORY)
    pa.default_memory_pool().release_unused()
    return frame


QUERY_MEMORY = "1GB"
"""DuckDB's working memory while the population query runs and writes its table (unless a limit
was set on purpose): past it, the query's hash tables and window sorts spill to the working copy's
spill folder, which goes with it. At 1M upset calls the query stays within it; at 3.9M its peak
went 3.2 -> 2.1 GB, for about a third more of the query's CPU. At 11.6M, writing the table peaked at
1,347 MB in 244 CPU s, and at 2,318 MB in 202 CPU s under a 2 GB cap (one run each). Kept at 1 GB:
the step's peak there is the sorted read's either way (2,444 and 2,464 MB), and a smaller centre's
frame is smaller while the query could still fill 2 GB. A query that cannot run within it runs again
without it."""

READ_MEMORY = "256MB"
"""DuckDB's working memory while the stored population is read back sorted by call_id (unless a
limit was set on purpose): past it, the sort spills to the working copy's spill folder. The frame
is filled meanwhile, outside it, so the sort's memory comes on top of the frame's. At 11.6M upset
calls (frame 1.86 GB) the reading step's peak went 3,195 -> 2,444 MB with 1 GB -> 256 MB (one run
each; the sorted read's own CPU 33 s at 256 MB, the whole step's 283 -> 278 s); at 1M the sort needs
about 0.3 GB, and the read's CPU was 1.1-1.4 s with either cap. A read that cannot run within it runs
again without it."""


def _capped(con: duckdb.DuckDBPyConnection, run: Callable[[], object], memory: str | None = None):
    """``run()`` with DuckDB's memory capped at ``memory`` (:data:`QUERY_MEMORY` when None; the
    default limit back afterwards), run again without the cap if DuckDB runs out of memory; a limit
    set on purpose is left as it is."""
    if not _default_memory_limit(con):
        return run()
    con.execute(f"SET memory_limit = '{memory or QUERY_MEMORY}'")
    try:
        return run()
    except duckdb.OutOfMemoryException:
        pass  # run again below, once what this try held (its traceback's frames) is let go
    finally:
        con.execute("RESET memory_limit")
    return run()


def read_frame(relation: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """``relation.df()``, with text columns held as Arrow strings (``string[pyarrow]``) instead
    of one Python object per value (:func:`calmline.analysis.population_read.arrow_frame`)."""
    return population_read.arrow_frame(relation.to_arrow_table())


@contextmanager
def _joins_as_written(con: duckdb.DuckDBPyConnection):
    """DuckDB's join order optimizer off while the population query runs (``upset_calls.sql``),
    then the setting as it was. Its row estimates through the call views are far too low (1 row
    for 1M), so it built its hash tables on the wide rows of the upset calls (every column the
    models read); as written, the hash tables hold the narrow sides (contact history, retention,
    and the views' own small tables) and the wide rows stream past them. The same rows (checked
    at 1M upset calls: no row of either table missing from the other); at 1M the query's peak
    1.8 -> 0.9 GB, its CPU the same (8.8 and 8.5 s)."""
    before = con.execute("SELECT current_setting('disabled_optimizers')").fetchall()[0][0]
    off = ",".join(dict.fromkeys([*filter(None, (n.strip() for n in before.split(","))), "join_order"]))
    con.execute("SET disabled_optimizers = $off", {"off": off})
    try:
        yield
    finally:
        con.execute("SET disabled_optimizers = $before", {"before": before})


@contextmanager
def _any_row_order(con: duckdb.DuckDBPyConnection):
    """DuckDB's ``preserve_insertion_order`` off while the population's table is written
    (:func:`_store_population`: DuckDB's CREATE TABLE from the query), then the setting as it was. Kept on, DuckDB held the written rows in memory and wrote them out at the
    next checkpoint (the connection's close: 1.6-1.9 CPU s at 1M upset calls); off, its row groups go
    straight to the database file, as those of a table made by a query do (checkpoint 0.01 s). The stored
    table's rows are then in no particular order, as they were when the query wrote it (its readers
    filter it; the fit's frame is sorted by call_id)."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("SET preserve_insertion_order = $before", {"before": before})


def _release_buffers(con: duckdb.DuckDBPyConnection) -> None:
    """Have DuckDB hand back the memory its buffer pool kept from the population query and its
    read (about 2 GB at 1M upset calls, held while every model runs otherwise): a low memory
    limit evicts the buffers, then the default limit is back. A limit set on purpose is left
    alone (DuckDB shows it rounded, so it could not be put back exactly)."""
    if not _default_memory_limit(con):
        return
    con.execute("SET memory_limit = '256MB'")
    con.execute("RESET memory_limit")


def _default_memory_limit(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether DuckDB's memory limit on ``con`` is its default (no limit was set on purpose)."""
    query = "SELECT current_setting('memory_limit')"
    with duckdb.connect() as fresh:
        default = fresh.execute(query).fetchall()[0][0]
    return con.execute(query).fetchall()[0][0] == default


def _recorded(population: pd.DataFrame, practices: list[str]) -> tuple[list[str], list[str]]:
    """The practices recorded on at least one upset call, and a warning for each left out."""
    kept = [p for p in practices if p in population and population[p].notna().any()]
    return kept, [f"{p}: not recorded on any upset call, left out of this run"
                  for p in practices if p not in kept]


UNREAD = ("team", "transfers")
"""Columns of the population no model reads from a horizon's calls: the training priorities and the
trainer's tables read the team from the population (:func:`_after_models`), and the transfers are in
no model. :func:`in_model` leaves them out, and the other horizons' outcomes."""


def in_model(population: pd.DataFrame, practices: list[str], h: int) -> tuple[pd.DataFrame, int]:
    """The upset calls a horizon's models use: outcome window closed (``days_observable >= h``) and
    every practice assessed and the outcome known (the rule of
    :func:`calmline.analysis.design.complete_cases`); and how many calls in the window were left out
    for a practice not assessed. Without the columns no model reads from them (:data:`UNREAD`, the
    other horizons' ``churned_*d``): one copy of the rows, made once (at 1M upset calls the
    window's copy and the complete cases' copy and its re-indexed copy were made in turn)."""
    rows, left_out, columns = _in_model_rows(population, practices, h)
    df = population.loc[rows, columns]
    df.index = pd.RangeIndex(len(df))  # as reset_index(drop=True), without a second copy
    return df, left_out


def _in_model_rows(population: pd.DataFrame, practices: list[str], h: int) -> tuple[np.ndarray, int, list[str]]:
    """:func:`in_model`'s rows (a mask), the calls it leaves out, and its columns."""
    outcome = f"churned_{h}d"
    window = pd.to_numeric(population["days_observable"], errors="coerce") >= h
    in_window = np.asarray(window.fillna(False), dtype=bool)
    complete = np.ones(len(population), dtype=bool)
    for name in practices + [outcome]:  # a column at a time (no frame of every call's 14 flags)
        complete &= population[name].notna().to_numpy()
    horizons = {c for c in population.columns if c.startswith("churned_") and c.endswith("d")}
    columns = [c for c in population.columns if c not in UNREAD and (c not in horizons or c == outcome)]
    return in_window & complete, int((in_window & ~complete).sum()), columns


def taken(population: pd.DataFrame, practices: list[str], h: int, horizons
          ) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """``in_model(population, practices, h)`` and ``_after_models(population, practices, horizons)``
    (the same frames), made a column at a time out of ``population``, which is emptied: each of its
    columns is let go once taken, so the population is not held beside both (at 10M upset calls the
    population 1.6 GB, the horizon's calls 1.0 GB and the trainer's columns 0.6 GB). For the fit's last
    horizon, when nothing else reads the population."""
    rows, left_out, columns = _in_model_rows(population, practices, h)
    after = _after_columns(population, practices, horizons)
    index = pd.RangeIndex(int(rows.sum()))
    calls, kept = {}, {}
    for name in list(population.columns):
        column = population.pop(name)  # (the frame no longer holds it: let go below unless kept)
        if name in columns:
            calls[name] = column[rows].set_axis(index, copy=False)
        if name in after:
            kept[name] = column
        del column
    df = pd.DataFrame({c: calls.pop(c) for c in columns}, copy=False)
    return df, left_out, pd.DataFrame({c: kept.pop(c) for c in after}, copy=False)


def horizon_effects(df: pd.DataFrame, practices: list[str], outcome: str, design: Design, **shown
                    ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str], object]:
    """:func:`calmline.analysis.effects.practice_effects` as every horizon runs it: the after-call
    practices (the vocabulary's) left out of the others' models and estimated among the calls still
    active when their window closes (the landmark, ``vocabulary.FOLLOWUP_WINDOW_DAYS``).
    ``shown``: practice_effects' ``with_direct`` / ``with_balance`` (the estimate for a filter skips both).

    Returns
    -------
    effects, balance, warnings, after, landmark
        practice_effects' three results, the after-call practices and the landmark mask.
    """
    after = _after_call(practices)
    days = vocabulary.FOLLOWUP_WINDOW_DAYS
    landmark = active_at(df, days)
    effects, balance, warnings = practice_effects(df, practices, outcome, design, after_call=after,
                                                  landmark=landmark, landmark_days=days, **shown)
    return effects, balance, warnings, after, landmark


def _after_call(practices: list[str]) -> list[str]:
    """The practices the vocabulary marks as happening after the call (never adjusted for)."""
    marked = {p.name for p in vocabulary.PRACTICES if p.after_call}
    return [p for p in practices if p in marked]


def _after_models(population: pd.DataFrame, practices: list[str], horizons) -> pd.DataFrame:
    """The columns of every upset call that the training priorities and the trainer's tables read
    (:func:`calmline.analysis.secondary.priorities`, :func:`~calmline.analysis.secondary.trainer_tables`),
    copied, so the rest of the population frame (the covariates, the outcome windows, the text
    columns) is not held while the models run."""
    return population[_after_columns(population, practices, horizons)].copy()


def _after_columns(population: pd.DataFrame, practices: list[str], horizons) -> list[str]:
    """:func:`_after_models`' columns, in its order."""
    wanted = ["agent_id", "team", "call_month", "days_observable", *(f"churned_{h}d" for h in horizons),
              *practices, *vocabulary.module_practice().values()]
    return [c for c in dict.fromkeys(wanted) if c in population.columns]


def _fit_horizon(df: pd.DataFrame, left_out: int, population: pd.DataFrame, practices: list[str], h: int,
                 steps: list[schedule.Step], survival: tuple[pd.DataFrame, pd.DataFrame] | None,
                 training: pd.DataFrame | None, disputed: pd.DataFrame | None, lanes: int, say: Progress,
                 summary: FitSummary) -> tuple[dict[str, pd.DataFrame], list[str], dict, tuple]:
    """Every model of one horizon on its calls ``df`` (:func:`in_model`, ``left_out`` the calls it
    left out), run by :func:`calmline.analysis.schedule.run` on ``lanes`` lanes with ``steps``
    (the Cox step, when ``survival`` is not known yet) first; ``population`` holds at least
    :func:`_after_models`' columns of every upset call. Records each step's wall and CPU seconds in
    ``summary``. Returns the tables, warnings and counts of the run, and the survival tables."""
    outcome = f"churned_{h}d"
    warnings = []
    if left_out:
        warnings.append(f"{left_out:,} upset calls with a practice not assessed were left out")
    counts = {"n": len(df), "events": int(df[outcome].sum()) if len(df) else 0, "left": left_out}
    if len(df) == 0:
        if survival is None:
            done, timings = schedule.run(steps, lanes, keep=["cox"], progress=say)
            survival = done["cox"]
            _record(summary, steps, timings, h)
        return {}, warnings + ["no upset calls with a complete outcome window: nothing to estimate"], counts, survival
    after = _after_call(practices)
    landmark = active_at(df, vocabulary.FOLLOWUP_WINDOW_DAYS)  # as horizon_effects finds it

    def effects_step(design):
        effects, balance, model_warnings, _, _ = horizon_effects(df, practices, outcome, design)
        effects["outcome"] = f"churn_{h}d"
        balance["kind"] = ["practice" if c in practices else "covariate" for c in balance["covariate"]]
        return effects, balance, model_warnings

    def with_cox(main, survival):
        effects, cox_rows = main[0], survival[0]
        if len(cox_rows):
            effects = pd.concat([effects.astype(object), cox_rows.reindex(columns=effects.columns).astype(object)],
                                ignore_index=True)
        return secondary.add_q_and_mde(effects, df, practices, outcome, after_call=after, landmark=landmark)

    def step(key, label, run, *needs):
        return schedule.Step(key, f"{h} days: {label}", run, needs)

    # in order of priority. On one lane Cox comes first, before the horizon's design is built
    # (memory): fit() runs it before the first horizon's calls frame, so here it only hands over its
    # result (a later horizon's too); the steps that read the design come before the q-values, so
    # the design is let go before the trainer's tables. On two lanes (CPU s at 1M upset calls,
    # session 14): Cox (5.9) starts beside the design (1.3, built in this process when the lanes
    # are processes, so the others share it); the disputed points (9.2) run beside Cox, then the
    # logits (7.6) once Cox is done (the two are heavy: the largest temporaries, +0.6 and +0.3 GB,
    # never together); the chain after them, q-values, priorities (2.4) and coaching (3.3), comes
    # before the steps nothing waits for.
    known = [schedule.Step("cox", "", lambda: survival, local=True)]
    cox = [replace(c, heavy=True) for c in (steps if survival is None else known)]
    design = replace(step("design", "design matrix", lambda: build(df, practices)), local=True)
    effects = replace(step("effects", "logit and AIPW", effects_step, "design"), heavy=True)
    points = step("points", "disputed points", lambda design: disputes.dispute_effects(
        df, disputed, practices, outcome, after_call=after, design=design), "design")
    by_design = [step("sensitivity", "sensitivity checks", lambda main, design: _sensitivity(
                     main[0], design, df, practices, outcome, after, landmark), "effects", "design"),
                 step("heterogeneity", "heterogeneity", lambda design: heterogeneity(
                     df, practices, outcome, design, after_call=after, landmark=landmark), "design"),
                 step("dose", "dose-response", lambda design: dose_response(
                     df, practices, outcome, design, after_call=after, landmark=landmark), "design")]
    chain = [step("q", "q-values and MDE", with_cox, "effects", "cox"),
             step("priorities", "training priorities", lambda effects: secondary.priorities(
                 population, effects, practices), "q"),
             step("coaching", "coaching and training impact", lambda effects, ranked: secondary.trainer_tables(
                 population, effects, ranked[0], ranked[1], practices, h, training), "q", "priorities")]
    steps = [*cox, design, effects, points, *((by_design + chain) if lanes == 1 else (chain + by_design[::-1]))]
    done, timings = schedule.run(steps, lanes, progress=say, keep=[
        "cox", "effects", "sensitivity", "dose", "heterogeneity", "q", "priorities", "coaching", "points"])
    _record(summary, steps, timings, h)
    effects, balance, model_warnings = done["effects"]
    points, point_warnings = done["points"]
    tables = {"practice_effects": done["q"], "practice_balance": balance,
              "practice_sensitivity": done["sensitivity"], "dose_response": done["dose"],
              "effect_heterogeneity": done["heterogeneity"], "km_curves": done["cox"][1],
              "training_priorities": done["priorities"][0], "agent_adoption": done["priorities"][1],
              **done["coaching"], "dispute_effects": points.assign(horizon=h)}
    return tables, warnings + model_warnings + point_warnings, counts, done["cox"]


def _record(summary: FitSummary, steps: list[schedule.Step], timings: dict[str, schedule.Timing], h: int) -> None:
    """Each step's wall and CPU seconds in ``summary``: the Cox step under its label, a horizon's
    steps as ``"logit and AIPW (90d)"``; a step that only handed on a result is not listed."""
    for s in steps:
        if not s.label:
            continue
        key = s.label if s.key == "cox" else f"{s.label.split(': ', 1)[1]} ({h}d)"
        summary.timings[key] = summary.timings.get(key, 0.0) + timings[s.key].wall
        summary.cpu[key] = summary.cpu.get(key, 0.0) + timings[s.key].cpu


def _dispute_calls(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``queries/analysis/dispute_calls.sql`` with the vocabulary's disputed points in it: one row
    per call with a transcript (none when the database has no ``transcript_calls``). Read by
    :func:`read_frame`: the call ids as Arrow strings, not a Python object each (at 1M upset calls
    held through the whole fit: 71 -> 22 bytes a call)."""
    present = con.execute("SELECT count(*) FROM information_schema.tables "
                          "WHERE table_name = 'transcript_calls'").fetchall()[0][0]  # read to the end: con is free
    if not present:
        return pd.DataFrame()
    return read_frame(con.sql(load_sql("analysis/dispute_calls").replace(disputes.MARKER, disputes.select_list())))


def _sensitivity(effects: pd.DataFrame, design: Design, df: pd.DataFrame, practices: list[str],
                 outcome: str, after: list[str], landmark) -> pd.DataFrame:
    """E-values, robustness values and within-agent estimates of every practice, in the adjustment
    sets of the main estimates: on-call practices' totals together, each after-call practice at
    its landmark."""
    y = df[outcome].astype(float).to_numpy()
    agents = agent_codes(df["agent_id"])
    on_call = [p for p in practices if p not in after]
    frames = [sensitivity_checks(effects, design.dropping(after), y, agents, on_call, "total")]
    if landmark is not None and landmark.any():
        frames += [sensitivity_checks(effects, design.dropping([q for q in after if q != p]), y, agents, [p],
                                      "landmark", rows=landmark) for p in after]
    return pd.concat(frames, ignore_index=True)


def _write(con: duckdb.DuckDBPyConnection, run_id: int, tables: dict[str, pd.DataFrame]) -> None:
    """Append each result table's rows under ``run_id``; NaN becomes NULL, never a number."""
    for name, frame in tables.items():
        if frame is None or frame.empty:
            continue
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $t "
            "ORDER BY ordinal_position", {"t": name}).fetchall()]
        data = frame.reindex(columns=columns[1:]).astype(object)
        data = data.where(pd.notna(data), None)
        data.insert(0, "run_id", run_id)
        con.register("cl_result", data)
        quoted = ", ".join(f'"{c}"' for c in columns)
        con.execute(f'INSERT INTO {name} ({quoted}) SELECT {quoted} FROM cl_result')
        con.unregister("cl_result")
