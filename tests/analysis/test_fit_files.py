"""The fit reads the published database while its working copy is made (analysis/fit_files.py): the
population written to a scratch file lands in the copy, replacing the previous fit's, and the progress
says when the models were done before the copy."""

from __future__ import annotations

import threading

import duckdb
import pytest

from calmline.analysis import fit_files, runner
from calmline.database import publish
from calmline.database.publish import staged_database


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "o'brien centre.duckdb"  # a quote in the name: the paths are quoted in SQL
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE calls AS SELECT range AS call_id, range % 3 = 0 AS is_upset FROM range(1000)")
        con.execute("CREATE TABLE model_population AS SELECT 'old' AS call_id")
    return path


def _fit_files(db, copying, say):
    scratch = fit_files.scratch(copying.work)
    con = fit_files.reading(db, scratch)
    try:  # the published tables by their names; the new table in the scratch file, not the published one
        con.execute("DROP TABLE IF EXISTS population.main.model_population")
        con.execute("CREATE TABLE model_population AS SELECT call_id FROM calls WHERE is_upset")
    finally:
        con.close()
    return runner._open_copy(copying, scratch, say)


@pytest.mark.parametrize("slow", [True, False])
def test_the_population_lands_in_the_copy_and_a_wait_for_the_copy_is_said(db, monkeypatch, slow):
    real, said, told = publish.copy_file, [], threading.Event()

    def copy(*args):  # a slow copy ends once the fit has said it waits for it (10 s at most)
        if slow:
            told.wait(10)
        return real(*args)

    def say(message):
        said.append(message)
        told.set()

    monkeypatch.setattr(publish, "copy_file", copy)
    with staged_database(db, beside=True) as copying:
        if not slow:
            copying.ready()
        con = _fit_files(db, copying, say)
        con.close()
    with duckdb.connect(str(db), read_only=True) as published:
        assert published.execute("SELECT count(*), min(call_id) FROM model_population").fetchone() == (334, 0)
        assert published.execute("SELECT count(*) FROM model_runs").fetchone() == (0,)  # the results' tables
    assert said == (["finishing the working copy of the database"] if slow else [])
