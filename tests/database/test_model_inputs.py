"""What `calmline fit` reads of the rows, stored by a load whose rows live in a lake
(calmline/database/model_inputs.py; the Spark engine stores them, tests/spark checks that): the fit
reads them instead of the rows when they are of the database's last load, and computes its inputs
from the rows otherwise. Shown here on a DuckDB-engine database given stored inputs, so that what
the fit read can be told apart: a stored population of only some of the upset calls."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from calmline import vocabulary
from calmline.analysis import runner
from calmline.database import model_inputs
from calmline.queries import load_sql
from tests.conftest import query


@pytest.fixture
def stored_db(sample_db, tmp_path):
    """The loaded sample with the fit's inputs stored for its last load, the population cut to
    the upset calls of two teams so that it differs from what the rows give."""
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    with duckdb.connect(str(db)) as con:
        batch = con.execute("SELECT last_batch_id FROM etl_state").fetchone()[0]
        model_inputs.store(con, batch)
        con.execute("DELETE FROM model_population WHERE team NOT IN "
                    "(SELECT DISTINCT team FROM model_population ORDER BY team LIMIT 2)")
    return db


def _attached(db):
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS published (READ_ONLY)")
    return con


def test_inputs_stored_for_the_last_load_are_what_the_fit_reads(stored_db):
    kept = query(stored_db, "SELECT count(*) FROM model_population WHERE churned_90d IS NOT NULL")[0][0]
    every = query(stored_db, "SELECT count(*) FROM customer_retention r JOIN call_context c USING (call_id) "
                             "WHERE NOT r.churned_before_call AND r.churned_90d IS NOT NULL")[0][0]
    assert 0 < kept < every
    summary = runner.fit(stored_db, list(vocabulary.practice_names()), lanes=1)
    n, left = query(stored_db, "SELECT n_calls, n_left_out FROM model_runs WHERE run_id = $r",
                    {"r": summary.runs[0]})[0]
    assert n + left == kept  # the stored calls with a closed window, not every upset call's


def test_inputs_of_an_earlier_load_are_not_read(stored_db):
    with _attached(stored_db) as con:
        assert model_inputs.stored(con, "published")
    with duckdb.connect(str(stored_db)) as con:  # loaded again since: a new batch
        con.execute("UPDATE etl_state SET last_batch_id = last_batch_id + 1")
    with _attached(stored_db) as con:
        assert not model_inputs.stored(con, "published")


def test_a_database_without_stored_inputs_has_them_computed(sample_db):
    with _attached(sample_db) as con:
        assert not model_inputs.stored(con, "published")


def test_stored_inputs_are_the_fits_own_queries_on_the_rows(sample_db, tmp_path):
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    with duckdb.connect(str(db)) as con:
        model_inputs.store(con, 1)
        for table, sql in (("model_population", "analysis/upset_calls"),
                           ("training_completions", "analysis/training_completions")):
            rows = load_sql(sql)
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
            assert con.execute(f"SELECT count(*) FROM ((FROM {table}) EXCEPT ALL ({rows}))").fetchone()[0] == 0
            assert con.execute(f"SELECT count(*) FROM (({rows}) EXCEPT ALL (FROM {table}))").fetchone()[0] == 0
