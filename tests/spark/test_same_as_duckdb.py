"""The Spark engine stores what the DuckDB engine stores, and `calmline fit` then estimates the same.

The bundled sample (with its 25 dirty calls) goes through both engines; every table, view and
mart of the two databases is compared as a multiset of rows (EXCEPT ALL both ways, with column
names and types: :func:`tests.etl.same_tables.differences`), the load's bookkeeping less the
times it ran. Then both are fitted and every estimate agrees to 1e-9.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from calmline.database import model_inputs
from calmline.spark.load import default_lake

from tests.conftest import run_cli
from tests.etl.same_tables import differences, snapshot

pytestmark = pytest.mark.spark


def test_every_table_and_mart_as_the_duckdb_engine_builds_them(spark_sample_db, sample_db, tmp_path):
    """The Spark load also stores what the fit reads of the rows (calmline.database.model_inputs):
    the same rows as the fit's own queries give on the DuckDB engine's database."""
    reference = tmp_path / "duckdb_engine.duckdb"
    shutil.copyfile(sample_db, reference)
    with duckdb.connect(str(reference)) as con:
        model_inputs.store(con, con.execute("SELECT last_batch_id FROM etl_state").fetchone()[0])
    snapshot(reference, tmp_path / "duckdb_engine")
    assert differences(spark_sample_db, tmp_path / "duckdb_engine") == {}


def test_rows_read_are_rows_loaded_plus_rejected_per_file(spark_sample_db):
    con = duckdb.connect(str(spark_sample_db), read_only=True)
    try:
        rows = con.execute("SELECT file, rows_read, rows_loaded, rows_rejected FROM load_batches "
                           "WHERE entity = 'calls'").fetchall()
        dirty = con.execute("SELECT count(*) FROM rejected_rows WHERE entity = 'calls'").fetchone()[0]
    finally:
        con.close()
    assert rows and all(read == loaded + rejected for _, read, loaded, rejected in rows)
    assert sum(r[3] for r in rows) == dirty > 0


def test_fit_on_the_spark_database_gives_the_same_estimates(spark_sample_db, fitted_sample_db, tmp_path):
    """`calmline fit` reads the Spark-built file alone (no Spark, and its lake folder moved away while
    it runs): the same estimates to 1e-9."""
    db = tmp_path / "spark.duckdb"
    shutil.copyfile(spark_sample_db, db)
    lake, away = default_lake(spark_sample_db), tmp_path / "lake moved away"
    with duckdb.connect(str(db), read_only=True) as con:  # the views do read the lake
        assert str(lake) in con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'calls'").fetchone()[0]
    lake.rename(away)
    try:
        fit = run_cli("fit", "--db", str(db))
    finally:
        away.rename(lake)
    assert fit.returncode == 0, fit.stderr
    query = ("SELECT practice, method, effect, outcome, scale, estimate, ci_low, ci_high, p_value, n_with, "
             "n_without FROM practice_effects")
    got, want = ({tuple(r[:5]): r[5:] for r in duckdb.connect(str(d), read_only=True).execute(query).fetchall()}
                 for d in (db, fitted_sample_db))
    assert got.keys() == want.keys() and got
    for key, values in want.items():
        for a, b in zip(got[key], values):
            assert (a is None and b is None) or a == pytest.approx(b, abs=1e-9), key


def test_marts_over_every_call_come_from_spark(spark_sample_db):
    """The marts over every call were computed on Spark (calmline.spark.marts.ON_SPARK): the
    row-level ones are views of their Parquet in the load's lake folder, the summaries tables in
    the file; the rest are DuckDB views."""
    from calmline.etl.load import MARTS
    from calmline.spark.marts import FILE, LAKE, ON_SPARK

    con = duckdb.connect(str(spark_sample_db), read_only=True)
    try:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall())
    finally:
        con.close()
    for mart, kind in MARTS:
        where = ON_SPARK.get(mart)
        if where == LAKE:
            assert kinds[mart] == "VIEW" and f"/marts/{mart}/" in views[mart], mart
        elif where == FILE:
            assert kinds[mart] == "BASE TABLE", mart
        else:
            assert kinds[mart] == ("VIEW" if kind == "VIEW" else "BASE TABLE"), mart
    assert any(where == LAKE for where in ON_SPARK.values()) and any(where == FILE for where in ON_SPARK.values())
