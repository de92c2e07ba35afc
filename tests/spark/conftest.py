"""Spark tests' shared pieces: one local[2] Spark session for the whole test session, and the
bundled sample loaded through ``--engine spark`` once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session, started once (the JVM takes seconds to start)."""
    from calmline.spark.session import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_sample_db(spark, tmp_path_factory) -> Path:
    """The bundled sample loaded by the Spark engine, once per test session. Read it only."""
    from calmline.spark.load import load

    db = tmp_path_factory.mktemp("spark_sample") / "calmline.duckdb"
    load(ROOT / "sample_data", db, spark=spark)
    return db


def copy_database(db: Path, to: Path) -> Path:
    """A copy of a database that may then be written (its lake's views keep reading the lake)."""
    shutil.copyfile(db, to)
    return to
