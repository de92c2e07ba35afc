"""Load a source folder into a calmline database: the `calmline etl` job.

Flow: find the files -> read each with DuckDB's readers into an all-text view
-> cast and check every per-row rule -> check duplicates, references and dates
across rows -> upsert accepted rows by key, record every rejected row and a
batch record per file -> rebuild the marts -> publish the database atomically.
A file that cannot be used at all raises :class:`etl.errors.LoadError` and
leaves the published database exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from etl import cross_checks, read_raw, store, validate
from etl.contract import ENTITIES
from etl.errors import LoadError
from etl.publish import staged_database
from etl.report import FileResult, LoadReport
from etl.sql_text import insert_many
from etl.sources import SourceFile, check_not_empty, discover, fingerprint
from queries import load_sql
from queries.connection import connect

Progress = Callable[[str, int, int], None]
"""progress(step description, steps done, steps in all)."""

EXAMPLES = 10
"""How many rejected rows a load's summary shows."""

MEMORY_LIMIT = "2GB"
"""DuckDB's working-memory cap for a load; past it, intermediate tables spill to disk."""

MARTS = (("call_timing", "TABLE"), ("call_facts", "VIEW"), ("customer_retention", "VIEW"))
"""Built after every load, in this order: (name in queries/marts/, materialized as)."""

_DATES = {
    "calls": "CAST(started_at AS DATE)",
    "follow_ups": "CAST(followup_at AS DATE)",
    "customers": "greatest(signup_date, churned_at)",
    "agents": "hire_date",
    "training": "completed_at",
}


def load(source: Path, db: Path, *, as_of: date | None = None, reload: bool = False,
         progress: Progress | None = None) -> LoadReport:
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

    Returns
    -------
    LoadReport
        Per-file counts; rows read = rows loaded + rows rejected for each.
    """
    started = time.monotonic()
    tick = progress or (lambda *_: None)
    sources = discover(source)
    steps = len(sources) + 4
    with staged_database(db) as work:
        con = connect(work, read_only=False)
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{work}.tmp'")
        try:
            report = _load_into(con, source, db, sources, as_of, reload, tick, steps)
            tick("publishing", steps - 1, steps)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    report.seconds = time.monotonic() - started
    tick("done", steps, steps)
    return report


def _load_into(con, source: Path, db: Path, sources: list[SourceFile], as_of: date | None,
               reload: bool, tick: Progress, steps: int) -> LoadReport:
    store.ensure_schema(con)
    con.execute(load_sql("etl/macros"))
    batch_id = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM load_batches").fetchone()[0]
    load_started = _now()
    results: dict[int, FileResult] = {}
    rejects: dict[int, list] = {}
    raws: dict[int, tuple] = {}
    by_entity: dict[str, dict[int, str]] = {}
    first_rowids: dict[str, dict[int, int]] = {}
    to_stage: list[tuple[int, SourceFile]] = []
    for i, src in enumerate(sources):
        shown = _shown(src.path, source)
        check_not_empty(src)
        if not reload and _seen_before(con, src, shown):
            tick(f"checking {shown}", i, steps)
            fingerprint(src)
            earlier = _earlier_batch(con, src)
            if earlier is not None:
                results[i] = FileResult(src.entity.name, shown, src.format, src.sha256, src.size,
                                        status="skipped",
                                        note=f"identical to the file loaded in batch {earlier}")
                continue
        to_stage.append((i, src))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
        for group in read_raw.group_files(to_stage):
            i, src = group[0]
            name = src.entity.name
            tick(f"reading {_shown(src.path, source)}" + (f" and {len(group) - 1} more" if len(group) > 1
                                                         else ""), i, steps)
            hashing = [hasher.submit(fingerprint, s) for _, s in group if not s.sha256]
            raw = read_raw.prepare(con, group)
            if name not in by_entity:
                validate.create_stage(con, src.entity)
                by_entity[name], first_rowids[name] = {}, {}
            base = con.execute(f"SELECT count(*) FROM stage_{name}_t").fetchone()[0]
            try:
                validate.stage_files(con, src.entity, raw)
            except duckdb.Error as exc:
                raise read_raw.cannot_read(src, exc) from exc
            for job in hashing:
                job.result()
            group_rejects, firsts = read_raw.finish(con, raw, base)
            first_rowids[name].update(firsts)
            for i, src in group:
                shown = _shown(src.path, source)
                rejects[i] = group_rejects[i]
                raws[i] = (src, raw)
                results[i] = FileResult(name, shown, src.format, src.sha256, src.size,
                                        extra_columns=src.extra_columns)
                by_entity[name][i] = shown
    for name, firsts in first_rowids.items():
        first = "CASE _file_idx " + " ".join(f"WHEN {i} THEN {n}" for i, n in firsts.items()) + " END"
        con.execute(f"CREATE OR REPLACE TEMP VIEW stage_{name} AS SELECT * REPLACE "
                    f"(coalesce(_line, rowid - {first} + 2) AS _line), rowid - {first} AS _row_in_file "
                    f"FROM stage_{name}_t")

    # From here on row order no longer matters (line numbers are fixed), so let DuckDB
    # write in parallel.
    con.execute("SET preserve_insertion_order = false")
    tick("checking references and duplicates", len(sources), steps)
    as_of, as_of_source = _as_of(con, as_of, by_entity)
    limit = as_of if as_of_source == "--as-of" else _now().date()
    staged: set[str] = set()
    for entity in ENTITIES:
        if entity.name in by_entity:
            cross_checks.check_entity(con, entity, by_entity[entity.name], staged,
                                      limit, as_of_source == "--as-of")
            staged.add(entity.name)

    tick("storing rows", len(sources) + 1, steps)
    for entity in ENTITIES:
        files = by_entity.get(entity.name)
        if not files:
            continue
        written = store.upsert(con, entity, batch_id, files)
        for i, path in files.items():
            res = results[i]
            src, raw = raws[i]
            res.rows_rejected = store.write_rejects(
                con, entity, batch_id, i, path, rejects[i],
                lambda lines, src=src, raw=raw, i=i: read_raw.row_texts(con, src, i, raw, lines))
            res.rows_inserted, res.rows_updated = written[i].inserted, written[i].updated
            res.rows_unchanged = written[i].unchanged
            res.rows_read = res.rows_loaded + res.rows_rejected
            res.status = "loaded with rejections" if res.rows_rejected else "loaded"
            _check_accounting(con, entity.name, i, res, len(rejects[i]))

    con.execute("DELETE FROM etl_state")
    con.execute("INSERT INTO etl_state VALUES ($as_of, $src, $batch, $now)",
                {"as_of": as_of, "src": as_of_source, "batch": batch_id, "now": _now()})
    _record_batches(con, batch_id, results, load_started)
    tick("building marts", len(sources) + 2, steps)
    for mart, kind in MARTS:
        existing = con.execute("SELECT table_type FROM information_schema.tables "
                               "WHERE table_schema = 'main' AND table_name = $n", {"n": mart}).fetchone()
        if existing:
            con.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {mart}")
        con.execute(f"CREATE {kind} {mart} AS {load_sql('marts/' + mart)}")
    examples = con.execute("SELECT source_file, line, column_name, problems FROM rejected_rows "
                           "WHERE batch_id = $b ORDER BY source_file, line LIMIT $n",
                           {"b": batch_id, "n": EXAMPLES}).fetchall()
    return LoadReport(db, batch_id, as_of, as_of_source, [results[i] for i in sorted(results)],
                      examples=examples)


def _shown(path: Path, source: Path) -> str:
    try:
        return str(path.relative_to(source))
    except ValueError:
        return str(path)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _seen_before(con, src: SourceFile, shown: str) -> bool:
    """Whether a file of this name and size was loaded before (then it is worth hashing first)."""
    return con.execute("SELECT count(*) FROM load_batches WHERE entity = $e AND file = $f "
                       "AND size_bytes = $n AND status LIKE 'loaded%'",
                       {"e": src.entity.name, "f": shown, "n": src.path.stat().st_size}).fetchone()[0] > 0


def _earlier_batch(con, src: SourceFile) -> int | None:
    row = con.execute("SELECT max(batch_id) FROM load_batches WHERE entity = $e AND sha256 = $s "
                      "AND status LIKE 'loaded%'", {"e": src.entity.name, "s": src.sha256}).fetchone()
    return row[0]


def _as_of(con, explicit: date | None, by_entity: dict[str, dict[int, str]]) -> tuple[date, str]:
    if explicit is not None:
        return explicit, "--as-of"
    today = _now().date()
    candidates = []
    for name, expr in _DATES.items():
        candidates.append(f"SELECT max({expr}) AS d FROM {name} WHERE {expr} <= $today")
        if name in by_entity:
            candidates.append(f"SELECT max({expr}) AS d FROM stage_{name} "
                              f"WHERE _ok AND {expr} <= $today")
    found = con.execute(f"SELECT max(d) FROM ({' UNION ALL '.join(candidates)})",
                        {"today": today}).fetchone()[0]
    previous = con.execute("SELECT max(as_of) FROM etl_state").fetchone()[0]
    best = max([d for d in (found, previous) if d is not None], default=today)
    return best, "latest date in the inputs"


def _check_accounting(con, entity: str, i: int, res: FileResult, parse_rejected: int) -> None:
    staged = con.execute(f"SELECT count(*) FROM stage_{entity}_t WHERE _file_idx = $i",
                         {"i": i}).fetchone()[0]
    if staged + parse_rejected != res.rows_read:
        raise RuntimeError(f"{res.file}: accounting mismatch: {staged} rows parsed + "
                           f"{parse_rejected} unparseable != {res.rows_loaded} loaded + "
                           f"{res.rows_rejected} rejected; nothing was published")


def _record_batches(con, batch_id: int, results: dict[int, FileResult], started: datetime) -> None:
    finished = _now()
    insert_many(con, 
        "INSERT INTO load_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(batch_id, r.entity, r.file, r.format, r.sha256, r.size_bytes, r.rows_read, r.rows_loaded,
          r.rows_rejected, r.rows_inserted, r.rows_updated, r.rows_unchanged, r.extra_columns,
          started, finished, r.status, r.note) for r in results.values()],
    )
