"""The estimate for a filter reads only the population columns its models use
(``filtered_runner.model_columns``, #12): the same rows in the same order as the whole population,
and the same estimate, to the last bit, as on every column."""

from __future__ import annotations

import duckdb
import pandas as pd

from calmline.analysis import filtered_runner

FILTER = {"channels": ["email"], "start": "2025-03-01"}


def test_the_models_columns_are_the_whole_populations_and_give_the_same_estimate(fitted_sample_db):
    con = duckdb.connect(str(fitted_sample_db), read_only=True)
    try:
        run_id, horizon = con.execute(
            "SELECT run_id, horizon_days FROM model_runs ORDER BY run_id DESC LIMIT 1").fetchall()[0]
        practices = [p for (p,) in con.execute(
            "SELECT DISTINCT practice FROM practice_effects WHERE run_id = $r AND method = 'aipw' ORDER BY 1",
            {"r": run_id}).fetchall()]
        params = {name: FILTER.get(name) for name in filtered_runner.PARAMETERS}
        columns = filtered_runner.model_columns(practices, horizon)
        whole = filtered_runner.population(con, params, run_id)
        narrow = filtered_runner.population(con, params, run_id, columns)
        by_query = filtered_runner.population(con, params, None, columns)  # an older database's path
        shown = filtered_runner.estimate(con, params, horizon, practices, run_id)
    finally:
        con.close()
    assert len(whole) > 0 and list(narrow.columns) == columns
    assert {"call_id", "customer_id", "site", "team"}.isdisjoint(narrow.columns)
    pd.testing.assert_frame_equal(narrow, whole[columns])
    key = columns  # every column: rows that tie are equal
    pd.testing.assert_frame_equal(by_query.sort_values(key).reset_index(drop=True),
                                  narrow.sort_values(key).reset_index(drop=True))
    reference = filtered_runner.estimate_population(whole, practices, horizon)
    assert shown.ok and (shown.n_calls, shown.n_events, shown.n_agents, shown.n_left_out) == \
        (reference.n_calls, reference.n_events, reference.n_agents, reference.n_left_out)
    pd.testing.assert_frame_equal(shown.effects, reference.effects, check_exact=True)
