"""The Spark session a Spark load runs on (pyspark is imported here, on first use only)."""

from __future__ import annotations

import os

DEFAULT_MASTER = "local[2]"
"""Where a load runs when no master is given: two local cores."""

SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    # Timestamps without a zone, as DuckDB's TIMESTAMP: Parquet written with them reads back in
    # DuckDB as TIMESTAMP, not TIMESTAMP WITH TIME ZONE.
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # The contract's casts return NULL for a value they cannot read (DuckDB's TRY_CAST), which
    # the rules then report; ANSI mode would fail the job instead.
    "spark.sql.ansi.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Catalyst infers every filter a projection implies; on the contract's wide CASE and regex
    # projections that took minutes per plan at 17k calls (jstack: getAllValidConstraints).
    # It only adds redundant filters: results are the same without it.
    "spark.sql.constraintPropagation.enabled": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.shuffle.partitions": "8",
}
"""Session settings every Spark load needs, whatever the cluster."""
SHUFFLE_BYTES_PER_PARTITION = 64 * 2**20
"""Source bytes per shuffle partition (:func:`shuffle_partitions`): AQE's advisory size."""
DRIVER_MEMORY_ENV = "CALMLINE_SPARK_DRIVER_MEMORY"
"""Environment variable: the JVM heap of a ``local[N]`` session in Spark's notation (``6g``,
``4096m``), instead of :func:`local_driver_memory`'s share of the machine."""
LOCAL_MEMORY_SHARE = 4
"""A ``local[N]`` session's heap is the machine's memory divided by this (a quarter)..."""
LOCAL_MEMORY_MIN_MB = 3 * 1024
"""... at least this (2M calls peaked at 2.8 GB of RSS in a 3 GB heap; Spark's default 1 GB
failed a broadcast join at 1M calls) ..."""
LOCAL_MEMORY_MAX_MB = 30 * 1024
"""... and at most this (past ~32 GB the JVM gives up compressed object pointers)."""


def local_driver_memory(total_bytes: int | None = None) -> str:
    """The JVM heap of a ``local[N]`` session, where the driver and its executors are one
    process: :data:`DRIVER_MEMORY_ENV` when set, else a quarter of the machine's memory within
    3-30 GB (this 2-core machine's 23.5 GB give ``6026m``).

    The heap, not the data, bounds what a step holds at once: sorts, windows and aggregations
    spill to ``spark.local.dir`` past Spark's share of it; what must fit is a broadcast side
    and a task's working rows, which grow with the shuffle partitions' size
    (:func:`shuffle_partitions`), not with the calls.

    Parameters
    ----------
    total_bytes : int, optional
        The machine's memory; default the physical memory the OS reports.

    Returns
    -------
    str
        Spark's notation, e.g. ``"6026m"``.
    """
    chosen = os.environ.get(DRIVER_MEMORY_ENV, "").strip()
    if chosen:
        return chosen
    if total_bytes is None:
        total_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mb = total_bytes // 2**20 // LOCAL_MEMORY_SHARE
    return f"{min(LOCAL_MEMORY_MAX_MB, max(LOCAL_MEMORY_MIN_MB, mb))}m"


def spark_session(master: str = DEFAULT_MASTER, app_name: str = "calmline-etl"):
    """The active Spark session, or a new one on ``master`` with :data:`SETTINGS`.

    Parameters
    ----------
    master : str
        ``local[2]``, ``spark://host:7077``, ``yarn``...
    app_name : str
        The application's name in Spark's UI and logs.

    Returns
    -------
    pyspark.sql.SparkSession
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra is not installed
        raise RuntimeError("--engine spark needs pyspark: pip install 'calmline[spark]' "
                           "(and a Java runtime, such as Debian's openjdk-17-jre-headless)") from exc
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    if master.startswith("local"):
        # the driver and its executors are one JVM here: Spark's default 1 GB heap failed a
        # broadcast join at 1M calls on local[2] (a cluster's driver is sized by its own settings)
        builder = builder.config("spark.driver.memory", local_driver_memory())
    spark = builder.getOrCreate()
    for key, value in SETTINGS.items():  # a session made earlier (tests share one) gets them too
        if not key.startswith("spark.ui"):
            spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def shuffle_partitions(spark, source_bytes: int) -> int:
    """``spark.sql.shuffle.partitions`` for a load of ``source_bytes``: one per 64 MB of source,
    at least twice the cores (adaptive execution then merges the small ones: the bundled sample's
    shuffles end up as one or two tasks, not 200).

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    source_bytes : int
        The size of the files the load reads.

    Returns
    -------
    int
    """
    cores = spark.sparkContext.defaultParallelism
    return max(2 * cores, -(-source_bytes // SHUFFLE_BYTES_PER_PARTITION))
