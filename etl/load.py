"""Load a source folder into a calmline database: the `calmline etl` job.

Flow: find the files -> read each with DuckDB's readers into an all-text view
-> cast and check every per-row rule -> check duplicates, references and dates
across rows -> upsert accepted rows by key, record every rejected row and a
batch record per file -> rebuild the marts -> publish the database atomically.
A file that cannot be used at all raises :class:`calmline.etl.errors.LoadError` and
leaves the published database exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from calmline.etl import cross_checks, practice_views, staging, store, transcripts_step, work_tables
from calmline.etl.contract import entities
from calmline.etl.errors import LoadError
from calmline.etl.load_report import FileResult, LoadReport
from calmline.etl.sql_text import insert_many, q
from calmline.etl.sources import SourceFile, discover
from calmline.queries import load_sql
from calmline.database.connection import connect
from calmline.database.publish import WriterBusy, staged_database, working_path, write_failure

Progress = staging.Progress
"""progress(step description, steps done, steps in all)."""

EXAMPLES = 10
"""How many rejected rows a load's summary shows."""

MEMORY_LIMIT = "2GB"
"""DuckDB's working-memory cap for a load; past it, intermediate tables spill to disk."""

MARTS = (("call_timing", "TABLE"), ("call_context", "VIEW"), ("call_facts", "VIEW"),
         ("call_practice_flags", "VIEW"), ("call_practices", "VIEW"), ("customer_retention", "VIEW"),
         ("horizon_churn", "VIEW"), ("call_practice_sources", "VIEW"), ("transcript_agreement", "TABLE"),
         ("summary_context", "VIEW"), ("summary_calls", "VIEW"),
         ("call_summary", "TABLE"), ("agent_summary", "TABLE"), ("agent_practice_days", "TABLE"),
         ("upset_customer_calls", "TABLE"), ("agent_upset_calls", "TABLE"), ("practice_source_counts", "TABLE"),
         ("upset_repeat_summary", "TABLE"))
"""Built after every load, in this order: (name, materialized as). The SQL is
queries/marts/<name>.sql, except for the views that add the practices to a call
(:data:`calmline.etl.practice_views.WITH_PRACTICES`) and call_practice_sources, derived from the
vocabulary (:func:`calmline.etl.practice_views.mart_sql`)."""
SHARED_INPUT = "summary_calls"
"""The view the summary tables read, held in a temporary table while they are built."""
SHARED_COLUMNS = ("call_id, call_month, team, site, channel, issue_type, anger_level, agent_id, call_date, is_upset, "
                  "window_closed, churned_at, churned_before_call, customer_id, started_at, monthly_value, "
                  "resolved, handle_s, csat, window_30d_closed, practice_source")
"""The columns of it the summary tables use, besides the practices."""

_DATES = {
    "calls": "CAST(started_at AS DATE)",
    "follow_ups": "CAST(followup_at AS DATE)",
    "customers": "greatest(signup_date, churned_at)",
    "agents": "hire_date",
    "training": "completed_at",
}


def load(source: Path, db: Path, *, as_of: date | None = None, reload: bool = False,
         progress: Progress | None = None, redact: bool = False) -> LoadReport:
    """Load every entity file in ``source`` into the database at ``db``.

    Parameters
    ----------
    source : Path
        Folder holding ``calls``, ``customers``, ``agents``, ``follow_ups`` and
        ``training`` as files (``calls.csv``) or folders of files (``calls/*.csv``).
    db : Path
        The DuckDB database; created when missing.
    as_of : date, optional
        The date that defines censoring. Default: the latest date in the
        inputs that is not in the future, and never earlier than the
        previous load's.
    reload : bool
        Read files again even when an identical file was loaded before.
    progress : callable, optional
        Called as each step starts.
    redact : bool
        Mask digits, e-mail addresses and card-like numbers in stored transcript text
        (a ``transcripts/`` folder or ``transcripts.jsonl``/``.csv``/``.parquet`` file is
        optional; see :mod:`calmline.etl.transcripts_step`).

    Returns
    -------
    LoadReport
        Per-file counts; rows read = rows loaded + rows rejected for each.
    """
    started = time.monotonic()
    tick = progress or (lambda *_: None)
    notes: list[str] = []
    sources = discover(source, notes)
    steps = len(sources) + 4
    try:
        report = _publish(source, db, sources, as_of, reload, tick, steps, redact)
    except WriterBusy as exc:
        raise LoadError(db, "another `calmline etl` or `calmline fit` is writing this database; "
                            "wait for it to finish") from exc
    except (OSError, duckdb.IOException) as exc:
        # A full disk or a failing device while copying, loading or publishing: whatever was
        # written is thrown away (the copy is made before the publisher's own clean-up applies).
        _discard_working_copy(db)
        why = write_failure(exc)
        raise LoadError(db.resolve(), f"could not write the database ({why}); "
                                      "it was left as it was") from exc
    report.notes[:0] = notes
    report.seconds = time.monotonic() - started
    tick("done", steps, steps)
    return report


def _discard_working_copy(db: Path) -> None:
    """Remove this process's working copy of ``db`` with its write-ahead log and spill folder."""
    import shutil

    work = working_path(db.resolve())
    for path in (work, work.with_name(work.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(work.with_name(work.name + ".tmp"), ignore_errors=True)


def _publish(source: Path, db: Path, sources: list[SourceFile], as_of: date | None, reload: bool,
             tick: Progress, steps: int, redact: bool = False) -> LoadReport:
    with staged_database(db) as work:
        con = connect(work, read_only=False)
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{work}.tmp'")
        try:
            report = _load_into(con, source, db, sources, as_of, reload, tick, steps, redact)
            tick("publishing", steps - 1, steps)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return report


def _load_into(con, source: Path, db: Path, sources: list[SourceFile], as_of: date | None,
               reload: bool, tick: Progress, steps: int, redact: bool = False) -> LoadReport:
    store.ensure_schema(con)
    _check_parents(con, source, sources)
    con.execute(load_sql("etl/macros"))
    batch_id = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM load_batches").fetchone()[0]
    load_started = _now()
    to_read, results = staging.skip_unchanged(con, sources, source, reload, tick, steps)
    staged = staging.stage(con, to_read, source, tick, steps, batch_id)
    by_entity: dict[str, dict[int, str]] = {}
    for i, f in staged.items():
        by_entity.setdefault(f.src.entity.name, {})[i] = f.shown

    # From here on row order no longer matters (line numbers are fixed), so let DuckDB
    # write in parallel.
    con.execute("SET preserve_insertion_order = false")
    tick("checking references and duplicates", len(sources), steps)
    as_of, as_of_source = _as_of(con, as_of, by_entity)
    explicit = as_of_source == "--as-of"
    checked: set[str] = set()
    for entity in entities():
        if entity.name in by_entity:
            cross_checks.check_entity(con, entity, by_entity[entity.name], checked,
                                      as_of if explicit else _now().date(), explicit,
                                      {i: f.shown for i, f in staged.items()})
            checked.add(entity.name)

    tick("storing rows", len(sources) + 1, steps)
    for entity in entities():
        if entity.name in by_entity:
            written = store.upsert(con, entity, batch_id, by_entity[entity.name])
            for i in by_entity[entity.name]:
                results[i] = _file_result(con, batch_id, staged[i], written[i])
            store.adopt(con, entity, {i: staged[i].first_rowid for i in by_entity[entity.name]})

    notes = _drop_after_as_of(con, as_of) if explicit else []
    transcripts = transcripts_step.find(source)
    if transcripts is not None:
        skipped = None if reload or redact else transcripts_step.unchanged(con, transcripts, source, batch_id)
        if skipped is None:
            tick("reading transcripts and detecting practices", len(sources) + 1, steps)
        for result in skipped or transcripts_step.load_transcripts(con, transcripts, source, batch_id,
                                                                   redact=redact):
            results[max(results, default=-1) + 1] = result
    transcripts_step.ensure_tables(con)
    con.execute("DELETE FROM etl_state")
    con.execute("INSERT INTO etl_state VALUES ($as_of, $src, $batch, $now)",
                {"as_of": as_of, "src": as_of_source, "batch": batch_id, "now": _now()})
    record_batches(con, batch_id, results, load_started)
    tick("building marts", len(sources) + 2, steps)
    work_tables.drop_all(con)  # the staging tables are done with; freed, the marts need not spill
    build_marts(con)
    examples = con.execute("SELECT source_file, line, column_name, problems FROM rejected_rows "
                           "WHERE batch_id = $b ORDER BY source_file, line LIMIT $n",
                           {"b": batch_id, "n": EXAMPLES}).fetchall()
    return LoadReport(db, batch_id, as_of, as_of_source, [results[i] for i in sorted(results)],
                      examples=examples, notes=notes)


def _check_parents(con, source: Path, sources: list[SourceFile]) -> None:
    """Fail when an entity's rows would all be rejected because an entity they refer to has no
    file in this load and no row stored before (a first load without customers or agents)."""
    present = {s.entity.name for s in sources}
    for entity in entities():
        if entity.name not in present:
            continue
        missing = [p for p in entity.parents if p not in present
                   and not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {p} LIMIT 1)").fetchone()[0]]
        if missing:
            both = " and ".join(missing)
            raise LoadError(source, f"{entity.name} refer to {both}, but there are none: no "
                                    f"{' or '.join(missing)} file here and none loaded before; "
                                    f"add {', '.join(m + '.csv' for m in missing)} to the folder")


def _drop_after_as_of(con, as_of: date) -> list[str]:
    """An explicit as-of date describes the data as known on that date: calls stored by earlier
    loads that started after it are removed, with their follow-ups, as this load rejects such
    calls in its files. Returns the notes saying what was removed."""
    limit = as_of + timedelta(days=1)
    calls = con.execute("SELECT count(*) FROM calls WHERE started_at >= $limit", {"limit": limit}).fetchone()[0]
    if not calls:
        return []
    follow_ups = con.execute("SELECT count(*) FROM follow_ups WHERE call_id IN "
                             "(SELECT call_id FROM calls WHERE started_at >= $limit)",
                             {"limit": limit}).fetchone()[0]
    con.execute("DELETE FROM follow_ups WHERE call_id IN (SELECT call_id FROM calls WHERE started_at >= $limit)",
                {"limit": limit})
    con.execute("DELETE FROM calls WHERE started_at >= $limit", {"limit": limit})
    return [f"removed {calls:,} stored call(s) that started after the as-of date {as_of} "
            f"(and {follow_ups:,} follow-up(s) of them), loaded by earlier loads"]


def _file_result(con, batch_id: int, f: staging.StagedFile, written: store.Written) -> FileResult:
    """Record the file's rejected rows and account for every row it had."""
    res = f.result()
    res.rows_rejected = store.write_rejects(con, f.src.entity, batch_id, f.index, f.shown,
                                            lambda: f.row_texts(con))
    res.rows_inserted, res.rows_updated, res.rows_unchanged = (
        written.inserted, written.updated, written.unchanged)
    res.rows_read = res.rows_loaded + res.rows_rejected
    res.status = "loaded with rejections" if res.rows_rejected else "loaded"
    parsed = con.execute(f"SELECT count(*) FROM {work_tables.staged(f.src.entity.name)} WHERE _file_idx = $i",
                         {"i": f.index}).fetchone()[0]
    unparsed = f.parse_rejects(con)
    if parsed + unparsed != res.rows_read:
        raise RuntimeError(f"{res.file}: accounting mismatch: {parsed} rows parsed + "
                           f"{unparsed} unparseable != {res.rows_loaded} loaded + "
                           f"{res.rows_rejected} rejected; nothing was published")
    return res


def build_marts(con, elsewhere: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Build every mart of :data:`MARTS` in the database, in order.

    Reads the entity tables (and ``transcript_calls``, ``etl_state``); writes the vocabulary's
    macros and ``practices`` table, every mart and the dashboard's filter macros
    (queries/marts/filter_macros.sql).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The load's connection.
    elsewhere : mapping, optional
        Marts whose rows another engine computed from the same SQL (the Spark load's, as
        Parquet): mart name -> (a DuckDB relation holding its rows, such as
        ``read_parquet('...')``; ``TABLE`` or ``VIEW``). Each is created from that relation,
        with the column names and DuckDB types its own SQL gives here (bound, not run), instead
        of running its SQL.
    """
    elsewhere = elsewhere or {}
    practice_views.create_macros(con)
    practice_views.write_practices(con)
    for mart, _ in reversed(MARTS):  # dependents first
        existing = con.execute("SELECT table_type FROM information_schema.tables "
                               "WHERE table_schema = 'main' AND table_name = $n", {"n": mart}).fetchone()
        if existing:
            con.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {mart}")
    for mart, kind in MARTS:
        sql = mart_sql(mart, con)
        if mart in elsewhere:
            relation, kind = elsewhere[mart]
            shape = con.execute(f"DESCRIBE {sql}").fetchall()
            sql = "SELECT " + ", ".join(f"CAST({q(name)} AS {sql_type}) AS {q(name)}"
                                        for name, sql_type, *_ in shape) + f" FROM {relation}"
        con.execute(f"CREATE {kind} {mart} AS {sql}")
        if mart == SHARED_INPUT and not elsewhere:
            # The summary tables after it all read this view, whose joins over every call would
            # otherwise run once per table: a temporary table of the same name, which this
            # connection finds first, holds its rows while they are built (6 s instead of 9 s
            # at 2M calls). Not when another engine built them: nothing here would read it.
            con.execute(f"CREATE TEMP TABLE {mart} AS SELECT {SHARED_COLUMNS}, "
                        f"COLUMNS(practice_pattern()) FROM main.{mart}")
    con.execute(f"DROP TABLE IF EXISTS temp.{SHARED_INPUT}")
    con.execute(load_sql("marts/filter_macros"))


def mart_sql(mart: str, con) -> str:
    """The DuckDB SELECT of a mart of :data:`MARTS`: written from the vocabulary
    (:func:`calmline.etl.practice_views.mart_sql`) or queries/marts/<mart>.sql.

    Parameters
    ----------
    mart : str
        The mart's name.
    con : duckdb.DuckDBPyConnection
        The load's connection, once ``transcript_calls`` exists.

    Returns
    -------
    str
    """
    return practice_views.mart_sql(mart, con) or load_sql("marts/" + mart)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _as_of(con, explicit: date | None, by_entity: dict[str, dict[int, str]]) -> tuple[date, str]:
    if explicit is not None:
        return explicit, "--as-of"
    today = _now().date()
    candidates = []
    for name, expr in _DATES.items():
        candidates.append(f"SELECT max({expr}) AS d FROM {name} WHERE {expr} <= $today")
        if name in by_entity:
            candidates.append(f"SELECT max({expr}) AS d FROM {work_tables.stage(name)} "
                              f"WHERE _ok AND {expr} <= $today")
    found = con.execute(f"SELECT max(d) FROM ({' UNION ALL '.join(candidates)})",
                        {"today": today}).fetchone()[0]
    previous = con.execute("SELECT max(as_of) FROM etl_state").fetchone()[0]
    best = max([d for d in (found, previous) if d is not None], default=today)
    return best, "latest date in the inputs"


def record_batches(con, batch_id: int, results: dict[int, FileResult], started: datetime) -> None:
    """Write one ``load_batches`` row per file of the load (``results``: file index -> its counts),
    the load having started at ``started`` and finished now."""
    finished = _now()
    insert_many(con, 
        "INSERT INTO load_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(batch_id, r.entity, r.file, r.format, r.sha256, r.size_bytes, r.rows_read, r.rows_loaded,
          r.rows_rejected, r.rows_inserted, r.rows_updated, r.rows_unchanged, r.extra_columns,
          started, finished, r.status, r.note) for r in results.values()],
    )
