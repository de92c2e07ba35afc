"""`calmline etl --engine spark`: the contract checked on Spark, the rows written to a lake.

Flow: find the files (:func:`calmline.etl.sources.discover`, as the DuckDB engine) -> read an
entity's files on Spark as text, as one frame (:mod:`calmline.spark.read`) -> every contract rule
(:mod:`calmline.spark.contract`) -> the accepted rows of each entity and the rejected rows as
Parquet in a new folder of the lake, ``<lake>/batch-<n>/<table>/`` -> the DuckDB database
(:mod:`calmline.spark.write`): load bookkeeping, rejected rows, the entity tables as views over
the lake's Parquet, the transcripts step and the marts, published atomically. Until that
publish, the previous database, and the lake folder its views read, are untouched: a job that
fails or is killed half-way leaves them as they were, and the next load removes its folder.

Each step's result is stored as Parquet and read back (the typed rows under the batch's
``_work`` folder, the lake's tables), so that the next plans over a file scan: about three jobs
per entity and a few for the whole load, none per file.

A Spark load is a full load of the source folder: every entity's rows are this load's, checked
against each other (the DuckDB engine also upserts into what earlier loads stored).
"""

from __future__ import annotations

import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path

from calmline.etl.contract import SQL_TYPES, entities
from calmline.etl.errors import LoadError
from calmline.etl.load_report import FileResult, LoadReport
from calmline.etl.sources import check_not_empty, discover, fingerprint
from calmline.etl.staging import shown_path
from calmline.spark import contract, read, write
from calmline.spark.dialect import to_spark
from calmline.spark.marts import WORK
from calmline.spark.session import DEFAULT_MASTER, shuffle_partitions, spark_session

DATES = {
    "calls": "CAST(started_at AS DATE)",
    "follow_ups": "CAST(followup_at AS DATE)",
    "customers": "greatest(signup_date, churned_at)",
    "agents": "hire_date",
    "training": "completed_at",
}
"""Per entity, the date the default as-of date is the latest of (as the DuckDB engine's)."""


def default_lake(db: Path) -> Path:
    """The lake folder beside a database when none is given: ``<db>.lake``."""
    return db.with_name(db.name + ".lake")


def load(source: Path, db: Path, *, lake: Path | None = None, master: str = DEFAULT_MASTER,
         as_of: date | None = None, spark=None, progress=None, redact: bool = False) -> LoadReport:
    """Load every entity file in ``source`` on Spark; publish the database at ``db``.

    Parameters
    ----------
    source : Path
        The source folder (files or folders of files named after the entities, CSV or Parquet).
    db : Path
        The DuckDB database the dashboard and ``calmline fit`` read; created when missing.
    lake : Path, optional
        Where the row-level tables go as Parquet; default :func:`default_lake`.
    master : str
        Spark master for a new session (``local[2]``, ``spark://...``, ``yarn``).
    as_of : date, optional
        The date that defines censoring; default the latest date in the inputs not in the future.
    spark : pyspark.sql.SparkSession, optional
        A session to use instead of making one.
    progress : callable, optional
        ``progress(step, done, total)`` as each step starts.
    redact : bool
        Mask digits, e-mail addresses and card-like numbers in stored transcript text.

    Returns
    -------
    LoadReport
        Per file: rows read = rows loaded + rows rejected.
    """
    started = time.monotonic()
    tick = progress or (lambda *_: None)
    db = db.resolve()
    lake = (lake or default_lake(db)).resolve()
    notes: list[str] = []
    sources = discover(source, notes)
    present = {s.entity.name for s in sources}
    for e in entities():
        missing = [p for p in e.parents if p not in present]
        if e.name in present and missing:
            raise LoadError(source, f"{e.name} refer to {' and '.join(missing)}, but there are none: a Spark "
                                    f"load reads every entity from the folder; add "
                                    f"{', '.join(m + '.csv' for m in missing)}")
    for src in sources:
        check_not_empty(src)
        fingerprint(src)
    spark = spark or spark_session(master)
    batch_id = write.next_batch(db)
    folder = lake / f"batch-{batch_id}"
    shutil.rmtree(folder, ignore_errors=True)  # a folder left by a load that died
    load_started = _now()
    steps = len(sources) + 3
    try:
        tick("checking rows on Spark", 0, steps)
        results, as_of, as_of_source = _check_and_write(spark, source, db, sources, folder, batch_id, as_of,
                                                        tick, steps)
        tick("publishing", steps - 1, steps)
        report = write.publish(spark, db, folder, batch_id, results, as_of, as_of_source, load_started, source, redact,
                               tick=lambda step: tick(f"publishing: {step}", steps - 1, steps))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(folder / WORK, ignore_errors=True)
    write.remove_old_batches(lake, keep=(batch_id, batch_id - 1))
    report.notes[:0] = notes
    report.seconds = time.monotonic() - started
    tick("done", steps, steps)
    return report


def _stored(frame, path: Path):
    """Write ``frame`` as Parquet at ``path`` and read it back: one job, and what follows plans
    over a file scan instead of the whole lineage again (the contract's projections are wide:
    re-planning them per use took longer than running them)."""
    frame.write.mode("overwrite").parquet(str(path))
    return frame.sparkSession.read.parquet(str(path))


def _check_and_write(spark, source: Path, db: Path, sources, folder: Path, batch_id: int, as_of: date | None,
                     tick, steps: int):
    """Every contract rule, entity by entity, parents first; writes ``folder``'s entity tables and
    ``rejected_rows``. Jobs: per entity, one to read, split and type its files (stored under
    ``_work``), one for its cross-row problems, one for its accepted rows; then one for the
    default as-of date, one for every rejected row, one for the per-file counts."""
    files = {i: shown_path(s.path, source) for i, s in enumerate(sources)}
    work = folder / WORK
    spark.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions(spark, sum(s.size for s in sources))))
    staged, unsplit = {}, {}
    for e in entities():
        mine = [(i, s) for i, s in enumerate(sources) if s.entity.name == e.name]
        if not mine:
            continue
        tick(f"reading {e.name} ({len(mine)} file{'s' if len(mine) > 1 else ''})", mine[0][0], steps)
        raw = read.read_files(spark, mine)
        back = _stored(contract.stage(raw, e, keep_unsplit=True), work / "staged" / e.name)
        staged[e.name] = back.where("_parse_rule IS NULL")
        unsplit[e.name] = back.where("_parse_rule IS NOT NULL")
    explicit = as_of is not None
    if explicit:
        as_of_source = "--as-of"
    else:
        found = _as_of_from_data(spark, staged)
        previous = write.previous_as_of(db)  # never earlier than the previous load's, as the DuckDB engine
        as_of = max([d for d in (found, previous) if d is not None], default=_now().date())
        as_of_source = "latest date in the inputs"
    limit = as_of if explicit else _now().date()
    tick("checking references and duplicates, writing the lake", len(sources), steps)
    path = contract.file_path_case("_file_idx", files)
    accepted, rejects = {}, []
    for e in entities():
        if e.name not in staged:
            spark.createDataFrame([], write.spark_schema(e)).write.mode("overwrite").parquet(str(folder / e.name))
            continue
        cross = _stored(contract.cross_problems(spark, e, staged, accepted, files, limit, explicit),
                        work / "cross" / e.name)
        columns = [f"CAST(`{c.name}` AS {_spark_type(c.kind)}) AS `{c.name}`" for c in e.columns]
        lineage = [f"CAST({batch_id} AS INT) AS _batch_id", f"{path} AS _source_file", "_line AS _source_line"]
        accepted[e.name] = _stored(contract.accepted(staged[e.name], cross).selectExpr(*columns, *lineage),
                                   folder / e.name)
        rejects.append(contract.rejected(spark, e, unsplit[e.name], staged[e.name], cross, files, batch_id))
    tick("writing the rejected rows", len(sources) + 1, steps)
    all_rejects = rejects[0]
    for r in rejects[1:]:
        all_rejects = all_rejects.unionByName(r)
    all_rejects = _stored(all_rejects, folder / "rejected_rows")
    counted = all_rejects.selectExpr("source_file AS file", "'rejected' AS kind")
    for frame in accepted.values():
        counted = counted.unionByName(frame.selectExpr("_source_file AS file", "'loaded' AS kind"))
    counts = {(r.file, r.kind): r.n for r in counted.groupBy("file", "kind").agg({"*": "count"})
              .withColumnRenamed("count(1)", "n").collect()}
    results = {}
    for i, s in enumerate(sources):
        r = FileResult(s.entity.name, files[i], s.format, s.sha256, s.size, extra_columns=s.extra_columns)
        r.rows_inserted = counts.get((files[i], "loaded"), 0)
        r.rows_rejected = counts.get((files[i], "rejected"), 0)
        r.rows_read = r.rows_loaded + r.rows_rejected
        r.status = "loaded with rejections" if r.rows_rejected else "loaded"
        results[i] = r
    return results, as_of, as_of_source


def _spark_type(kind: str) -> str:
    return {"TIMESTAMP": "TIMESTAMP_NTZ", "VARCHAR": "STRING"}.get(SQL_TYPES[kind], SQL_TYPES[kind])


def _as_of_from_data(spark, staged: dict) -> date | None:
    """The latest of :data:`DATES` over the rows that passed the per-row rules, not in the
    future: one job for every entity."""
    today = _now().date()
    parts = []
    for name, expr in DATES.items():
        if name in staged:
            spark_expr = to_spark(expr)
            parts.append(staged[name].where("_ok").selectExpr(
                f"max(CASE WHEN {spark_expr} <= DATE'{today}' THEN CAST({spark_expr} AS DATE) END) AS d"))
    if not parts:
        return None
    every = parts[0]
    for part in parts[1:]:
        every = every.unionByName(part)
    return every.selectExpr("max(d) AS d").collect()[0].d


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
