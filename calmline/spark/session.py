"""The Spark session a Spark load runs on (pyspark is imported here, on first use only)."""

from __future__ import annotations

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
LOCAL_DRIVER_MEMORY = "3g"
"""The JVM heap of a ``local[N]`` session (driver and executors in one process)."""


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
        builder = builder.config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
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
