"""The model population `calmline fit` stores (model_population, #12): the filter's estimate read from it
equals the one read through upset_calls.sql (the query path an older database falls back to)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from calmline.analysis import filtered_runner
from calmline.queries import load_sql

FILTER = {"channels": ["email"], "start": "2025-03-01"}


def _latest_run(con) -> tuple[int, int]:
    return con.execute("SELECT run_id, horizon_days FROM model_runs ORDER BY run_id DESC LIMIT 1").fetchall()[0]


def test_the_fit_stores_its_population_and_lists_its_runs(fitted_sample_db):
    con = duckdb.connect(str(fitted_sample_db), read_only=True)
    try:
        run_id, _ = _latest_run(con)
        stored = con.table("model_population").df().sort_values("call_id").reset_index(drop=True)
        query = con.execute(load_sql("analysis/upset_calls")).df().sort_values("call_id").reset_index(drop=True)
        assert filtered_runner.stored_for(con, run_id) and not filtered_runner.stored_for(con, run_id + 1000)
    finally:
        con.close()
    pd.testing.assert_frame_equal(stored, query)


def test_the_stored_population_gives_the_query_paths_estimates(fitted_sample_db):
    """Reference: the same estimate with run_id None, which reads upset_calls.sql (the fallback)."""
    con = duckdb.connect(str(fitted_sample_db), read_only=True)
    try:
        run_id, horizon = _latest_run(con)
        practices = [p for (p,) in con.execute(
            "SELECT DISTINCT practice FROM practice_effects WHERE run_id = $r AND method = 'aipw' ORDER BY 1",
            {"r": run_id}).fetchall()]
        params = {name: FILTER.get(name) for name in filtered_runner.PARAMETERS}
        from_table = filtered_runner.estimate(con, params, horizon, practices, run_id)
        from_query = filtered_runner.estimate(con, params, horizon, practices)
    finally:
        con.close()
    assert from_table.ok and from_query.ok
    assert (from_table.n_calls, from_table.n_events, from_table.n_agents) == \
        (from_query.n_calls, from_query.n_events, from_query.n_agents)
    keys = ["practice", "method", "effect", "scale"]
    both = from_table.effects.merge(from_query.effects, on=keys, suffixes=("", "_q"))
    assert len(both) == len(from_table.effects) == len(from_query.effects) > 0
    for column in ("estimate", "ci_low", "ci_high", "q_value", "mde"):
        np.testing.assert_allclose(pd.to_numeric(both[column]).to_numpy(float),
                                   pd.to_numeric(both[f"{column}_q"]).to_numpy(float), rtol=0, atol=1e-10,
                                   equal_nan=True, err_msg=column)
