"""The heterogeneity cells write each model's matrix into one buffer in turn and find every cell's
constant columns from one pass over the rows (``dose._level_ranges``), and the dose factors' and the
disputed points' matrices are gathered a block of rows at a time from the design's one matrix: the
same matrices, names and tables, bit for bit, as a new matrix per model with each cell's columns
found from its own rows, gathered column group by column group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import disputes, dose
from calmline.analysis.design import build
from tests.analysis import frames
from tests.analysis.test_disputes import disputed


def _population() -> pd.DataFrame:
    df = frames.population(n=20_000, agents=40, seed=23)  # several blocks of rows
    rng = np.random.default_rng(9)
    df["offered_options"] = df["options_offered"] > 0
    df["followed_up"] = df["days_to_followup"].notna()
    df["compensated"] = rng.random(len(df)) < 0.3
    df["compensation_value"] = np.where(df["compensated"], rng.uniform(0.5, 60, len(df)), 0.0)
    df.loc[(df["anger_level"] == 5).to_numpy(), "thanked"] = True  # constant in one cell
    df.loc[(df["issue_type"] == "outage").to_numpy() & (df["anger_level"] == 3).to_numpy(), "plan"] = "basic"
    return df


PRACTICES = frames.PRACTICES + ["offered_options", "followed_up", "compensated"]


@pytest.fixture
def new_matrices(monkeypatch):
    """Run the families as before this change: a new matrix per model, each cell's ranges from its rows."""
    original = dose._factor_matrix
    monkeypatch.setattr(dose, "_factor_matrix", lambda *a, ranges=None, out=None, **k: original(*a, **k))


def _tables(df, landmark):
    after = ["followed_up"]
    return (dose.dose_response(df, PRACTICES, "churned_90d", after_call=after, landmark=landmark),
            dose.heterogeneity(df, PRACTICES, "churned_90d", after_call=after, landmark=landmark))


def test_level_ranges_are_each_levels_own():
    df = _population()
    full = build(df, frames.PRACTICES)
    codes, uniques = pd.factorize(df["anger_level"])
    codes[::97] = -1  # calls without a level are in none
    for design in (full, full.varying(), full.subset(np.ones(len(df), bool))):  # with and without `combined`
        low, high = dose._level_ranges(design, codes, len(uniques))
        for k in range(len(uniques)):
            at = np.flatnonzero(codes == k)
            own = np.column_stack([design.practices[at], design.covariates[at]])
            assert np.array_equal(low[k], own.min(axis=0)) and np.array_equal(high[k], own.max(axis=0))


def test_cells_written_into_one_buffer_are_their_own_matrices():
    df = _population()
    full = build(df, frames.PRACTICES)
    codes, uniques = pd.factorize(df["issue_type"])
    low, high = dose._level_ranges(full, codes, len(uniques))
    buffer = np.full(len(df) * 60, np.nan)
    for k in range(len(uniques)):
        mask = codes == k
        X, names = dose._factor_matrix(full, mask, [], [], [], [], ranges=(low[k], high[k]), out=buffer)
        own, own_names = dose._factor_matrix(full, mask, [], [], [], [])
        assert names == own_names and np.array_equal(X, own)
        assert np.shares_memory(X, buffer)


def test_dose_and_heterogeneity_tables_as_with_a_matrix_per_model(request):
    df = _population()
    landmark = np.random.default_rng(3).random(len(df)) < 0.8
    now = _tables(df, landmark)
    request.getfixturevalue("new_matrices")
    before = _tables(df, landmark)
    assert now[0]["estimate"].notna().sum() >= 8 and now[1]["estimate"].notna().sum() >= 20
    for a, b in zip(now, before):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_disputed_points_matrix_is_the_column_by_column_gather():
    """``disputes._rows_design`` gathers each block of rows once from the shared matrix and takes its
    columns from it: the matrix of the gathers of the practices and the covariates apart, with and
    without a ``combined`` matrix (and with a practice left out, a covariate constant on the rows)."""
    df, calls, _ = disputed(n=20_000, seed=33)
    full = build(df, frames.PRACTICES)
    t = (np.arange(len(df)) % 3 == 0).astype(float)
    for shared in (full, full.without("thanked")):
        assert (shared.combined is not None) == (shared is full)
        rows = np.flatnonzero((df["anger_level"] > 3).to_numpy())
        design = disputes._rows_design(shared, rows, ["apologized", "took_ownership"], t[rows], "early")
        picked = [shared.practice_names.index(p) for p in ("apologized", "took_ownership")]
        kept = [j for j, nm in enumerate(shared.covariate_names) if nm in design.covariate_names]
        assert len(kept) < len(shared.covariate_names)  # the anger level of the left-out calls
        old = np.column_stack([shared.practices[rows][:, picked], t[rows], shared.covariates[rows][:, kept]])
        assert np.array_equal(design.matrix()[0], old)


def test_one_scan_finds_the_practices_determined_by_the_side():
    """``disputes._scan``: for every practice at once, whether it is the compared side (or its
    opposite) on every compared call, as ``disputes._determined`` says column by column."""
    df, calls, _ = disputed(n=20_000, seed=34)
    rows = np.flatnonzero(df["apologized"].to_numpy(dtype=bool))
    t = df["thanked"].to_numpy(dtype=float)[rows]
    df.loc[df.index[rows], "took_ownership"] = 1 - t  # the opposite of the side on every compared call
    full = build(df, frames.PRACTICES)
    for shared in (full, full.without("thanked").subset(np.ones(len(df), bool))):
        scan = disputes._scan(shared, rows, t)
        found = {p: bool(a or b) for p, a, b in zip(shared.practice_names, scan[3], scan[4])}
        assert found == {p: disputes._determined(shared.practices[rows, j], t)
                         for j, p in enumerate(shared.practice_names)}
        assert found["apologized"] is False and found["took_ownership"] is True
        assert found.get("thanked", True) is True  # the side itself
