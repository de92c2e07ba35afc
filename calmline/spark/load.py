"""`calmline etl --engine spark`: the contract checked on Spark, the rows written to a lake.

Flow: find the files (:func:`calmline.etl.sources.discover`, as the DuckDB engine) -> read each
on Spark as text (:mod:`calmline.spark.read`) -> every contract rule
(:mod:`calmline.spark.contract`) -> the accepted rows of each entity and the rejected rows as
Parquet in a new folder of the lake, ``<lake>/batch-<n>/<table>/`` -> the DuckDB database
(:mod:`calmline.spark.write`): load bookkeeping, rejected rows, the entity tables as views over
the lake's Parquet, the transcripts step and the marts, published atomically. Until that
publish, the previous database, and the lake folder its views read, are untouched: a job that
fails or is killed half-way leaves them as they were, and the next load removes its folder.

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
from calmline.spark.session import DEFAULT_MASTER, spark_session

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
        report = write.publish(spark, db, folder, batch_id, results, as_of, as_of_source, load_started, source, redact)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    write.remove_old_batches(lake, keep=(batch_id, batch_id - 1))
    report.notes[:0] = notes
    report.seconds = time.monotonic() - started
    tick("done", steps, steps)
    return report


def _check_and_write(spark, source: Path, db: Path, sources, folder: Path, batch_id: int, as_of: date | None,
                     tick, steps: int):
    files = {i: shown_path(s.path, source) for i, s in enumerate(sources)}
    raws, staged = {}, {}
    for e in entities():
        mine = [(i, s) for i, s in enumerate(sources) if s.entity.name == e.name]
        if not mine:
            continue
        frames = []
        for i, s in mine:
            tick(f"reading {files[i]}", i, steps)
            frames.append(read.read_file(spark, i, s))
        raw = frames[0]
        for f in frames[1:]:
            raw = raw.unionByName(f)
        raws[e.name] = raw.persist()
        staged[e.name] = contract.stage(raws[e.name], e).persist()
    explicit = as_of is not None
    if explicit:
        as_of_source = "--as-of"
    else:
        found = _as_of_from_data(spark, staged)
        previous = write.previous_as_of(db)  # never earlier than the previous load's, as the DuckDB engine
        as_of = max([d for d in (found, previous) if d is not None], default=_now().date())
        as_of_source = "latest date in the inputs"
    limit = as_of if explicit else _now().date()
    tick("checking references and duplicates", len(sources), steps)
    accepted, rejects = {}, []
    for e in entities():
        if e.name not in staged:
            continue
        cross = contract.cross_problems(spark, e, staged, accepted, files, limit, explicit).persist()
        accepted[e.name] = contract.accepted(staged[e.name], cross).persist()
        rejects.append(contract.rejected(spark, e, raws[e.name], staged[e.name], cross, files, batch_id))
    tick("writing the lake", len(sources) + 1, steps)
    path = contract.file_path_case("_file_idx", files)
    loaded: dict[int, int] = {}
    for e in entities():
        columns = [f"CAST(`{c.name}` AS {_spark_type(c.kind)}) AS `{c.name}`" for c in e.columns]
        lineage = [f"CAST({batch_id} AS INT) AS _batch_id", f"{path} AS _source_file", "_line AS _source_line"]
        if e.name in accepted:
            loaded.update(dict(accepted[e.name].groupBy("_file_idx").count().collect()))
            accepted[e.name].selectExpr(*columns, *lineage).write.mode("overwrite").parquet(str(folder / e.name))
        else:
            empty = spark.createDataFrame([], write.spark_schema(e))
            empty.write.mode("overwrite").parquet(str(folder / e.name))
    all_rejects = rejects[0]
    for r in rejects[1:]:
        all_rejects = all_rejects.unionByName(r)
    all_rejects.write.mode("overwrite").parquet(str(folder / "rejected_rows"))
    rejected = dict(spark.read.parquet(str(folder / "rejected_rows")).groupBy("_file_idx").count().collect())
    results = {}
    for i, s in enumerate(sources):
        r = FileResult(s.entity.name, files[i], s.format, s.sha256, s.size, extra_columns=s.extra_columns)
        r.rows_inserted = loaded.get(i, 0)
        r.rows_rejected = rejected.get(i, 0)
        r.rows_read = r.rows_loaded + r.rows_rejected
        r.status = "loaded with rejections" if r.rows_rejected else "loaded"
        results[i] = r
    for frame in (*raws.values(), *staged.values(), *accepted.values()):
        frame.unpersist()
    return results, as_of, as_of_source


def _spark_type(kind: str) -> str:
    return {"TIMESTAMP": "TIMESTAMP_NTZ", "VARCHAR": "STRING"}.get(SQL_TYPES[kind], SQL_TYPES[kind])


def _as_of_from_data(spark, staged: dict) -> date | None:
    today = _now().date()
    found = []
    for name, expr in DATES.items():
        if name in staged:
            spark_expr = to_spark(expr)
            row = staged[name].where("_ok").selectExpr(f"max(CASE WHEN {spark_expr} <= DATE'{today}' "
                                                      f"THEN {spark_expr} END) AS d").collect()[0]
            if row.d is not None:
                found.append(row.d)
    return max(found) if found else None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
