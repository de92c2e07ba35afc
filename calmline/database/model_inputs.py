"""What `calmline fit` reads of the rows, stored in the database by a load whose rows live in a lake.

A Spark load (`calmline etl --engine spark`, issue #13) keeps the row-level tables as Parquet in
its lake folder; the DuckDB file holds views over them. So that `calmline fit` works from the
DuckDB file alone, that load also stores in the file what the fit reads of those rows, computed
by the same SQL the fit runs on a DuckDB-engine database:

- ``model_population``: ``queries/analysis/upset_calls.sql``, one row per upset call (the
  table the fit itself stores, for the dashboard's estimates for a filter);
- ``training_completions``: ``queries/analysis/training_completions.sql``, one row per agent and
  training module;
- ``model_inputs_load``: the load batch they were computed for.

The fit reads them when that batch is the database's last load (:func:`stored`); otherwise
(a DuckDB-engine database, whose rows are in the file, or one loaded again since) it computes
them from the rows. Reads: the marts and views the two queries read, ``etl_state``.
"""

from __future__ import annotations

import duckdb

from calmline.queries import load_sql

POPULATION = "model_population"
TRAINING = "training_completions"
MARKER = "model_inputs_load"


def store(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Compute the fit's inputs from the rows ``con`` reads and store them as tables of its
    database, for load batch ``batch_id`` (replacing any stored before)."""
    con.execute(f"CREATE OR REPLACE TABLE {POPULATION} AS {load_sql('analysis/upset_calls')}")
    con.execute(f"CREATE OR REPLACE TABLE {TRAINING} AS {load_sql('analysis/training_completions')}")
    con.execute(f"CREATE OR REPLACE TABLE {MARKER} AS SELECT CAST($batch AS INTEGER) AS batch_id",
                {"batch": batch_id})


def stored(con: duckdb.DuckDBPyConnection, catalog: str) -> bool:
    """Whether the database attached to ``con`` as ``catalog`` holds the fit's inputs of its last
    load (:func:`store`)."""
    present = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = $c "
                          "AND table_schema = 'main' AND table_name = $t",
                          {"c": catalog, "t": MARKER}).fetchall()[0][0]
    if not present:
        return False
    return con.execute(f'SELECT count(*) FROM "{catalog}".main.{MARKER} m, "{catalog}".main.etl_state s '
                       "WHERE m.batch_id = s.last_batch_id").fetchall()[0][0] > 0


def queries(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[str, str]:
    """What the fit reads from the database attached to ``con`` as ``catalog``: the SQL of the
    model population and of the training completions (in the order of
    ``queries/analysis/training_completions.sql``). The stored tables when they are of its last load
    (:func:`stored`), else the fit's own queries over the rows."""
    if stored(con, catalog):
        return (f'SELECT * FROM "{catalog}".main.{POPULATION}',
                f'SELECT * FROM "{catalog}".main.{TRAINING} ORDER BY module, agent_id')
    return load_sql("analysis/upset_calls"), load_sql("analysis/training_completions")
