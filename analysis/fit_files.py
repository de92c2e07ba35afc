"""The files `calmline fit` reads and writes: the published database, read while its working copy is
made in the background (:func:`calmline.database.publish.staged_database` with ``beside``), and a
scratch file for the model population meanwhile, moved into the copy when the first results are
written. The models' inputs are read, and their results written, as before; only the order of the
work changes (the copy no longer comes before the first model).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from calmline.database.connection import connect
from calmline.queries import load_sql

PUBLISHED = "calmline_published"
"""The name the published database is attached under while the fit reads it (:func:`reading`)."""


def scratch(work: Path) -> Path:
    """The DuckDB file the population is written to while the working copy ``work`` is made: in the
    copy's spill folder, which goes with it (kept or not)."""
    folder = work.with_name(work.name + ".tmp")
    folder.mkdir(exist_ok=True)
    return folder / "population.duckdb"


def reading(db: Path, scratch_file: Path) -> duckdb.DuckDBPyConnection:
    """A connection to the new file ``scratch_file`` that reads the published database ``db``
    (attached read-only, its tables found by their names alone) and writes to ``scratch_file``."""
    con = connect(scratch_file, read_only=False)
    con.execute(f"ATTACH '{_quoted(db)}' AS {PUBLISHED} (READ_ONLY)")
    con.execute(f"SET search_path = 'main,{PUBLISHED}.main'")
    return con


def open_copy(work: Path, scratch_file: Path) -> duckdb.DuckDBPyConnection:
    """A connection to the complete working copy ``work``: its ``model_population`` replaced by the
    one written to ``scratch_file``, ``model_population_runs`` emptied (the fit lists its runs there
    when done), and the result tables there (``queries/analysis/results_schema.sql``)."""
    con = connect(work, read_only=False)
    con.execute("DROP TABLE IF EXISTS model_population")
    con.execute("CREATE OR REPLACE TABLE model_population_runs (run_id INTEGER NOT NULL)")
    con.execute(f"ATTACH '{_quoted(scratch_file)}' AS fit_scratch (READ_ONLY)")
    # its row groups straight to the file (kept in order, DuckDB held them until the checkpoint);
    # the stored table's rows are in no set order, its readers filter it
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE TABLE model_population AS FROM fit_scratch.main.model_population")
    con.execute("RESET preserve_insertion_order")
    con.execute("DETACH fit_scratch")
    con.execute(load_sql("analysis/results_schema"))
    return con


def _quoted(path: Path) -> str:
    """``path`` inside an SQL string literal."""
    return str(path).replace("'", "''")
