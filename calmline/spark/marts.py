"""The marts of a Spark load, computed on Spark from the DuckDB engine's own SQL.

Every mart is written once, in DuckDB's dialect (queries/marts/*.sql and the practice views
:mod:`calmline.etl.practice_views` writes from the vocabulary; :func:`calmline.etl.load.mart_sql`
gives either). The ones that read every call run here, transpiled by
:func:`calmline.spark.dialect.to_spark`, in :data:`calmline.etl.load.MARTS`' order; where each
result goes (:data:`ON_SPARK`):

- ``lake``: row-level marts (one row per call or per upset call), written as Parquet to
  ``<batch folder>/marts/<mart>/``; the DuckDB file gets a view over it;
- ``file``: the summary marts (cells of a few dimensions, one row per agent and day...),
  written as Parquet beside them and copied by DuckDB into a table of the file (read by DuckDB
  from Parquet, never collected to the driver);
- ``session``: a view the marts after it read (``summary_calls``...): Parquet under the batch's
  :data:`WORK` folder, read back as a Spark temporary view; DuckDB creates its own view of the
  same SQL.

The rest stay DuckDB views over the lake (call_context, call_facts, call_practice_flags,
call_practices, customer_retention, horizon_churn and the views above): a view computes
nothing at load time, and the dashboard, the explorer and ``calmline fit`` read them from the
DuckDB file. :func:`calmline.etl.load.build_marts` then creates every mart in the file, the
Spark-built ones from their Parquet with the column names and types their DuckDB SQL gives.

Reads (Spark): the batch folder's entity Parquet, ``transcript_calls`` (written by DuckDB's
transcripts step, exported to ``<batch folder>/transcript_calls/``) and the as-of date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from calmline.etl import practice_views
from calmline.etl.contract import entities
from calmline.etl.load import MARTS, mart_sql
from calmline.etl.sql_text import lit
from calmline.spark.dialect import to_spark

LAKE, FILE, SESSION = "lake", "file", "session"
ON_SPARK = {
    "call_timing": LAKE,
    "call_practice_sources": SESSION,
    "transcript_agreement": FILE,
    "summary_context": SESSION,
    "summary_calls": SESSION,
    "call_summary": FILE,
    "agent_summary": FILE,
    "agent_practice_days": FILE,
    "upset_customer_calls": LAKE,
    "agent_upset_calls": LAKE,
    "practice_source_counts": FILE,
}
"""The marts computed on Spark, and where each goes (see the module's text)."""
WORK = "_work"
"""The batch folder's sub-folder for a load's intermediate Parquet (the ``session`` marts, the
staged rows): removed once the load is published."""
TRANSCRIPT_CALLS = "transcript_calls"


def folder_of(batch: Path, mart: str) -> Path:
    """Where a mart's Parquet goes in a load's batch folder."""
    return batch / "marts" / mart


def spark_sql(mart: str, con, columns_of) -> str:
    """A mart's DuckDB SQL as Spark SQL.

    Parameters
    ----------
    mart : str
        A mart of :data:`calmline.etl.load.MARTS`.
    con : duckdb.DuckDBPyConnection
        The load's DuckDB connection, once ``transcript_calls`` is there (it decides which
        columns a transcript fills).
    columns_of : callable
        A table or view's name -> its columns, in order (the Spark session's).

    Returns
    -------
    str
    """
    if mart in practice_views.WITH_PRACTICES:
        source = practice_views.WITH_PRACTICES[mart]
        sql = practice_views.with_practices_sql(source, practice_views.transcript_filled(con),
                                                columns=columns_of(source))
    else:
        sql = mart_sql(mart, con)
    return to_spark(sql, columns_of)


def build(spark, con, batch: Path, as_of: date, tick=None) -> dict[str, tuple[str, str]]:
    """Compute the marts of :data:`ON_SPARK` on Spark, writing their Parquet into ``batch``.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    con : duckdb.DuckDBPyConnection
        The load's DuckDB connection: ``transcript_calls`` is read from it (exported to
        Parquet first) and decides what the practice views fill.
    batch : Path
        The load's lake folder, holding one Parquet folder per entity.
    as_of : date
        The load's as-of date (``etl_state``).
    tick : callable, optional
        ``tick(step)`` as each mart starts (the benchmark's per-mart times).

    Returns
    -------
    dict
        For :func:`calmline.etl.load.build_marts`: mart -> (DuckDB relation of its rows,
        ``TABLE`` or ``VIEW``), for every ``lake`` and ``file`` mart.
    """
    from calmline.spark.write import parquet_glob

    for e in entities():
        spark.read.parquet(str(batch / e.name)).createOrReplaceTempView(e.name)
    spark.sql(f"SELECT DATE {lit(as_of.isoformat())} AS as_of").createOrReplaceTempView("etl_state")
    transcripts = batch / TRANSCRIPT_CALLS
    transcripts.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY {TRANSCRIPT_CALLS} TO {lit(str(transcripts / 'part-0.parquet'))} (FORMAT parquet)")
    spark.read.parquet(str(transcripts)).createOrReplaceTempView(TRANSCRIPT_CALLS)

    def columns_of(name: str) -> Sequence[str]:
        return spark.table(name).columns

    elsewhere: dict[str, tuple[str, str]] = {}
    for mart, _ in MARTS:
        where = ON_SPARK.get(mart)
        if where is None:
            continue
        if tick:
            tick(f"{mart} on Spark")
        try:
            frame = spark.sql(spark_sql(mart, con, columns_of))
        except Exception as exc:  # noqa: BLE001 - Spark raises its own error types
            exc.add_note(f"while computing the mart {mart} on Spark")
            raise
        if where == SESSION:
            # stored as Parquet under the batch's _work folder and read back: the marts after
            # it plan over a file scan, not over its whole SQL again (planning the inlined
            # lineage took longer than computing it), and it is on disk, not in the heap
            # (on local[N] the executors share the driver's JVM)
            out = batch / WORK / "marts" / mart
            frame.write.mode("overwrite").parquet(str(out))
            spark.read.parquet(str(out)).createOrReplaceTempView(mart)
            continue
        out = folder_of(batch, mart)
        (frame.coalesce(1) if where == FILE else frame).write.mode("overwrite").parquet(str(out))
        spark.read.parquet(str(out)).createOrReplaceTempView(mart)
        elsewhere[mart] = (f"read_parquet({parquet_glob(out)})", "TABLE" if where == FILE else "VIEW")
    return elsewhere
