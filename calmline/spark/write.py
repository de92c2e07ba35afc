"""Publish a Spark load: the small tables into the DuckDB file, the row-level ones as views of the lake.

Reads the load's lake folder (``<lake>/batch-<n>/``: one Parquet folder per entity, and
``rejected_rows``); writes, in a private copy of the database published atomically
(:func:`calmline.database.publish.staged_database`, as the DuckDB engine): the entity tables
as views over the lake's Parquet (``calls`` is ``SELECT ... FROM read_parquet(...)``, typed as
the contract says), this batch's ``rejected_rows``, ``load_batches`` and ``etl_state``, the
transcripts step's tables, and every mart (:mod:`calmline.etl.load`'s own list and SQL). The
summary marts are tables in the file, and so is what ``calmline fit`` reads of the rows (the model
population and the training completions, :mod:`calmline.database.model_inputs`, computed by DuckDB
through the views), so the fit needs the DuckDB file alone: not Spark, not the lake.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from calmline.database import model_inputs
from calmline.database.connection import connect
from calmline.database.publish import staged_database
from calmline.etl import store, transcripts_step
from calmline.etl.load import EXAMPLES, MEMORY_LIMIT, build_marts, record_batches
from calmline.etl.contract import SQL_TYPES, Entity, entities
from calmline.etl.load_report import FileResult, LoadReport
from calmline.etl.sql_text import lit, q
from calmline.queries import load_sql
from calmline.spark import marts

REJECTED_COLUMNS = "batch_id, entity, source_file, line, column_name, rule, problems, row_text"
"""The columns of ``rejected_rows`` (queries/etl/schema.sql), in order."""


def _scalar(db: Path, sql: str):
    if not db.exists():
        return None
    con = connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    except duckdb.CatalogException:  # a database without calmline's tables yet
        return None
    finally:
        con.close()


def next_batch(db: Path) -> int:
    """The batch id this load gets: one more than the database's last."""
    return (_scalar(db, "SELECT max(batch_id) FROM load_batches") or 0) + 1


def previous_as_of(db: Path) -> date | None:
    """The as-of date of the load before, if any."""
    return _scalar(db, "SELECT max(as_of) FROM etl_state")


def spark_schema(entity: Entity):
    """The Spark schema of an entity table in the lake: the contract's columns and the lineage."""
    from pyspark.sql import types as t

    kinds = {"text": t.StringType(), "integer": t.LongType(), "number": t.DoubleType(),
             "boolean": t.BooleanType(), "timestamp": t.TimestampNTZType(), "date": t.DateType()}
    return t.StructType([t.StructField(c.name, kinds[c.kind]) for c in entity.columns]
                        + [t.StructField("_batch_id", t.IntegerType()), t.StructField("_source_file", t.StringType()),
                           t.StructField("_source_line", t.LongType())])


def parquet_glob(folder: Path) -> str:
    """A DuckDB literal reading every Parquet file of a Spark output folder (glob characters in
    the folder's own name escaped, as :func:`calmline.etl.sql_text.path_lit` does)."""
    return lit(re.sub(r"([*?\[])", r"[\1]", str(folder)) + "/*.parquet")


def entity_view_sql(entity: Entity, folder: Path) -> str:
    """The SELECT of an entity's view: its lake Parquet, with the contract's DuckDB types."""
    cols = ", ".join(f"CAST({q(c.name)} AS {SQL_TYPES[c.kind]}) AS {q(c.name)}" for c in entity.columns)
    return (f"SELECT {cols}, CAST(_batch_id AS INTEGER) AS _batch_id, _source_file, "
            f"CAST(_source_line AS BIGINT) AS _source_line FROM read_parquet({parquet_glob(folder / entity.name)})")


def publish(spark, db: Path, folder: Path, batch_id: int, results: dict[int, FileResult], as_of: date,
            as_of_source: str, started: datetime, source: Path, redact: bool = False, tick=None) -> LoadReport:
    """Write the load into a copy of ``db`` and publish it (see the module's text).

    ``spark`` computes the heavy marts (:func:`calmline.spark.marts.build`), into ``folder``;
    ``tick(step)``, when given, is called as each mart starts and as DuckDB's part starts.

    Returns
    -------
    LoadReport
        The files' results, the transcripts' among them.
    """
    with staged_database(db) as work:
        con = connect(work, read_only=False)
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{work}.tmp'")
        try:
            report = _write(spark, con, db, folder, batch_id, results, as_of, as_of_source, started, source, redact,
                            tick or (lambda _: None))
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return report


def _drop(con, name: str) -> None:
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' "
                       "AND table_name = $n", {"n": name}).fetchone()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} {q(name)}")


def _write(spark, con, db: Path, folder: Path, batch_id: int, results: dict[int, FileResult], as_of: date,
           as_of_source: str, started: datetime, source: Path, redact: bool, tick) -> LoadReport:
    for e in entities():
        _drop(con, e.name)
    store.ensure_schema(con)
    for e in entities():
        _drop(con, e.name)
        con.execute(f"CREATE VIEW {q(e.name)} AS {entity_view_sql(e, folder)}")
    con.execute(f"INSERT INTO rejected_rows SELECT {REJECTED_COLUMNS} "
                f"FROM read_parquet({parquet_glob(folder / 'rejected_rows')})")
    con.execute(load_sql("etl/macros"))
    transcripts = transcripts_step.find(source)
    if transcripts is not None:
        for result in transcripts_step.load_transcripts(con, transcripts, source, batch_id, redact=redact):
            results[max(results, default=-1) + 1] = result
    transcripts_step.ensure_tables(con)
    con.execute("DELETE FROM etl_state")
    con.execute("INSERT INTO etl_state VALUES ($as_of, $src, $batch, $now)",
                {"as_of": as_of, "src": as_of_source, "batch": batch_id, "now": _now()})
    record_batches(con, batch_id, results, started)
    elsewhere = marts.build(spark, con, folder, as_of, tick)
    tick("the marts in DuckDB")
    build_marts(con, elsewhere=elsewhere)
    tick("the model's inputs in DuckDB")  # calmline fit then needs the file alone, not the lake
    model_inputs.store(con, batch_id)
    examples = con.execute("SELECT source_file, line, column_name, problems FROM rejected_rows "
                           "WHERE batch_id = $b ORDER BY source_file, line LIMIT $n",
                           {"b": batch_id, "n": EXAMPLES}).fetchall()
    return LoadReport(db, batch_id, as_of, as_of_source, [results[i] for i in sorted(results)],
                      examples=examples)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def remove_old_batches(lake: Path, keep: tuple[int, ...]) -> None:
    """Remove the lake's batch folders but ``keep`` (the published load's, and the one before,
    which readers that opened the old database may still be reading)."""
    if not lake.is_dir():
        return
    for folder in lake.glob("batch-*"):
        number = folder.name.removeprefix("batch-")
        if folder.is_dir() and number.isdigit() and int(number) not in keep:
            shutil.rmtree(folder, ignore_errors=True)
