"""The reject corpus gives the same accounting on Spark as on DuckDB, and a Spark load killed
half-way leaves the published database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from tests.conftest import file_digest
from tests.etl.builders import make_source
from tests.etl.same_tables import DATA
from tests.spark.conftest import ROOT, copy_database

pytestmark = pytest.mark.spark

ACCOUNTS = "SELECT entity, file, rows_read, rows_loaded, rows_rejected FROM {} ORDER BY ALL"
REJECTS = "SELECT entity, source_file, line, column_name, rule, problems, row_text FROM {} ORDER BY ALL"


def test_reject_corpus_same_accounting_and_reasons(spark, tmp_path):
    """tests/etl/data/same_tables/source_a (generator's dirty rows and hand-made ones: trimmed values,
    boolean spellings, an offset timestamp, a duplicate key, a short row, references to missing
    rows...) against the DuckDB engine's reference load of it: per file, rows read, loaded and
    rejected; per rejected row, its file, line, rules and text."""
    from calmline.spark.load import load

    db = tmp_path / "corpus.duckdb"
    report = load(DATA / "source_a", db, spark=spark)
    assert report.rows_rejected > 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        for sql, table in ((ACCOUNTS, "load_batches"), (REJECTS, "rejected_rows")):
            want = con.execute(sql.format(f"read_parquet('{DATA / 'reference_a' / (table + '.parquet')}')")).fetchall()
            assert con.execute(sql.format(table)).fetchall() == want
    finally:
        con.close()


def test_killed_spark_load_leaves_the_database_intact(spark_sample_db, tmp_path):
    """The Spark-loaded sample's database, then a second Spark load into it (in its own process and
    JVM) killed as soon as it starts writing its lake folder: the file and what its views read
    are as they were. The second load reads a small valid folder (tests.etl.builders: five
    entities, three calls), so that the stages before its lake cost little; the publish it never
    reached is the same step whatever the folder holds."""
    db = copy_database(spark_sample_db, tmp_path / "calmline.duckdb")
    lake = tmp_path / "lake"
    before = file_digest(db)
    calls = duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM call_summary").fetchone()
    job = subprocess.Popen([sys.executable, "-m", "calmline", "etl", "--engine", "spark", "--source",
                            str(make_source(tmp_path / "source")), "--db", str(db), "--lake", str(lake)],
                           cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not any(lake.glob("batch-*/*")) and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.poll() is None, "the load ended before it could be killed"
        os.killpg(job.pid, signal.SIGKILL)  # the CLI and its Spark JVM
        job.wait(60)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    assert file_digest(db) == before
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM call_summary").fetchone() == calls
        assert con.execute("SELECT count(*) FROM calls").fetchone()[0] > 0  # its lake still there
    finally:
        con.close()
