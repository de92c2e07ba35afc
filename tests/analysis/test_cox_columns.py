"""Cox on the design's arrays (``fit_cox_columns``): the same table as ``fit_cox`` on a DataFrame of
the same columns (the path `calmline fit` took before #12's session 10), for all calls, for a
landmark subset picked by a mask, and from a warm start.

The reference is the package's own DataFrame path, itself checked against R's survival (see
test_cox.py: ``coxph(Surv(week, arrest) ~ ..., cluster = id)`` on the Rossi data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import secondary
from calmline.analysis.cox import NUMBERS, fit_cox, fit_cox_columns
from calmline.analysis.design import build
from tests.analysis.test_survival_landmark import immortal_time_population
from tests.analysis.frames import PRACTICES

ALL = PRACTICES + ["followed_up"]


def _frame(design, df, time):
    """The DataFrame the runner used to build for fit_cox (the old path), and its terms."""
    terms = design.practice_names + design.covariate_names[1:]
    frame = pd.DataFrame(np.column_stack([design.practices, design.covariates[:, 1:]]), columns=terms)
    frame["time_days"] = np.asarray(time, dtype=float)
    frame["event"] = df["event"].astype(float).to_numpy()
    frame["agent_id"] = df["agent_id"].astype("string").to_numpy()
    return frame, terms


def _columns(design):
    columns = {n: design.practices[:, j] for j, n in enumerate(design.practice_names)}
    columns.update({n: design.covariates[:, j] for j, n in enumerate(design.covariate_names) if j})
    return columns


def _same(a: pd.DataFrame, b: pd.DataFrame, tol: float = 1e-8) -> None:
    assert list(a["term"]) == list(b["term"])
    assert list(a["n"]) == list(b["n"]) and list(a["n_events"]) == list(b["n_events"])
    for col in NUMBERS:
        x, y = a[col].astype(float).to_numpy(), b[col].astype(float).to_numpy()
        assert (np.isnan(x) == np.isnan(y)).all(), col
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=tol, atol=tol, err_msg=col)
    assert list(a["warning"]) == list(b["warning"])


@pytest.fixture(scope="module")
def calls():
    df = immortal_time_population(2000, seed=5)
    # as the survival step builds it (secondary.survival): the practices stored in the order given
    # (build stores the after-call ones first by default, for the logit models' layout)
    return df, build(df, ALL, after_call=())


def test_columns_give_the_dataframe_table(calls):
    df, design = calls
    frame, terms = _frame(design, df, df["time_days"])
    old = fit_cox(frame, terms)
    new = fit_cox_columns(_columns(design), df["time_days"].to_numpy(float), df["event"].to_numpy(float),
                          df["agent_id"].array)
    _same(old, new, tol=0)  # the same arithmetic in the same order


def test_a_mask_and_a_warm_start_give_the_subset_table(calls):
    """The landmark model: the rows picked by a mask (no subset copy of the design) and Newton started
    from the total model's coefficients give the table of the sub-frame fitted from zero."""
    df, design = calls
    alive = (df["time_days"] > 30).to_numpy()
    sub = df.loc[alive].reset_index(drop=True)
    frame, terms = _frame(design.subset(alive), sub, sub["time_days"] - 30)
    old = fit_cox(frame, terms)
    total = fit_cox(_frame(design, df, df["time_days"])[0], design.practice_names + design.covariate_names[1:])
    start = dict(zip(total["term"], total["log_hr"].astype(float)))
    new = fit_cox_columns(_columns(design), (df["time_days"] - 30).to_numpy(float), df["event"].to_numpy(float),
                          df["agent_id"].array, rows=alive, start=start)
    new = new[new["term"].isin(old["term"])].reset_index(drop=True)
    _same(old, new)


def test_missing_values_are_left_out_and_counted_among_the_rows(calls):
    df, design = calls
    columns = _columns(design)
    wait = columns["log_wait_min"].copy()
    wait[:7] = np.nan
    columns["log_wait_min"] = wait
    frame, terms = _frame(design, df, df["time_days"])
    frame["log_wait_min"] = wait
    old = fit_cox(frame, terms)
    new = fit_cox_columns(columns, df["time_days"].to_numpy(float), df["event"].to_numpy(float),
                          df["agent_id"].array)
    _same(old, new, tol=0)
    assert "7 calls with missing values left out" in new["warning"].iloc[0]


def test_survival_rows_are_those_of_the_dataframe_path(calls):
    """secondary.survival's total and landmark rows equal fit_cox's on the frames it used to build."""
    df, _ = calls
    rows, km = secondary.survival(df, ALL, after_call=["followed_up"], landmark_days=30)
    design = build(df, ALL)
    frame, terms = _frame(design.dropping(["followed_up"]), df, df["time_days"])
    total = fit_cox(frame, terms).set_index("term")
    alive = (df["time_days"] > 30).to_numpy()
    sub = df.loc[alive].reset_index(drop=True)
    frame, terms = _frame(design.subset(alive), sub, sub["time_days"] - 30)
    landmark = fit_cox(frame, terms).set_index("term")
    for row in rows.itertuples():
        ref = landmark if row.effect == "landmark" else total
        assert row.estimate == pytest.approx(float(ref.loc[row.practice, "hazard_ratio"]), rel=1e-8)
        assert row.ci_low == pytest.approx(float(ref.loc[row.practice, "ci_low"]), rel=1e-8)
        assert row.n_analysed == ref.loc[row.practice, "n"]
    assert rows.loc[rows.effect == "landmark", "n_calls"].tolist() == [int(alive.sum())]
    assert set(km["practice"]) == set(ALL)


def test_columns_that_are_views_of_one_array_give_the_table_of_separate_copies():
    """fit_cox_columns reads columns that are views of one 2-D array (a design's) a block of rows
    at a time: the same table, number for number, as separate contiguous copies of the columns,
    on more rows than one block and on a subset of the rows."""
    from calmline.analysis.cox import fit_cox_columns
    rng = np.random.default_rng(31)
    n = 20_000
    M = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n), rng.integers(0, 2, n)]).astype(float)
    time = rng.exponential(100, n).round()
    event = (rng.random(n) < 0.3).astype(float)
    agents = rng.integers(0, 50, n)
    rows = rng.random(n) < 0.7
    for chosen in (None, rows):
        views = fit_cox_columns({"a": M[:, 0], "x": M[:, 1], "b": M[:, 2]}, time, event, agents, rows=chosen)
        copies = fit_cox_columns({"a": M[:, 0].copy(), "x": M[:, 1].copy(), "b": M[:, 2].copy()}, time, event,
                                 agents, rows=chosen)
        pd.testing.assert_frame_equal(views, copies)
