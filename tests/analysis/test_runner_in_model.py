"""A horizon's calls as `calmline fit` makes them (runner.in_model, #12): one copy of the rows in the
window with every practice assessed, without the columns no model reads from them. The rows, values
and dtypes must be exactly those of the reference path (the window's rows, then
design.complete_cases), and the calls left out counted the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from calmline.analysis import runner
from calmline.analysis.design import complete_cases
from calmline.database.connection import connect
from calmline.queries import load_sql


@pytest.fixture(scope="module")
def population(sample_db):
    con = connect(sample_db)
    try:
        return runner.read_frame(con.sql(load_sql("analysis/upset_calls")).order("call_id"))
    finally:
        con.close()


def _reference(population, practices, h):
    in_window = population[pd.to_numeric(population["days_observable"], errors="coerce") >= h]
    return complete_cases(in_window, practices, f"churned_{h}d")


@pytest.mark.parametrize("h", [30, 90, 180])
def test_in_model_is_the_reference_paths_rows_without_the_unread_columns(population, h):
    practices, _ = runner._recorded(population, list(vocabulary.practice_names()))
    # practices not assessed on some calls (QA did not score them), some outcome windows unknown
    rng = np.random.default_rng(12)
    frame = population.copy()
    for p in practices[:4]:
        frame[p] = frame[p].astype("boolean").mask(rng.random(len(frame)) < 0.1)
    frame["days_observable"] = frame["days_observable"].astype("Int64").mask(rng.random(len(frame)) < 0.02)
    for data in (population, frame):
        got, left_out = runner.in_model(data, practices, h)
        expected, expected_left_out = _reference(data, practices, h)
        assert len(got) > 100 and left_out == expected_left_out
        dropped = [c for c in expected.columns if c not in got.columns]
        assert sorted(dropped) == sorted(["team", "transfers", *(f"churned_{k}d" for k in (30, 90, 180) if k != h)])
        pd.testing.assert_frame_equal(got, expected.drop(columns=dropped), check_exact=True)
    assert runner.in_model(frame, practices, h)[1] > 0  # the masked practices left calls out
