"""The disputed points' scan of a point's calls (``disputes._scan``) from each block's column sums and
sums over the treated calls (the practices and level columns are 0/1), with the smallest and largest
values taken only of the other covariates: the same ranges, counts and determined practices as every
column's own minimum, maximum and comparisons, and the points' table the same bit for bit as with
that reference scan (whose design's ``varying()`` reads the practices' ranges again)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import disputes
from calmline.analysis.design import build
from tests.analysis import frames
from tests.analysis.test_disputes import EARLY, disputed


def _reference_scan(shared, rows, treated):
    """The scan before: every covariate's own minimum, maximum and sum, every practice compared with
    the side (no practice ranges: ``varying()`` then takes them from the matrix)."""
    width, m = shared.covariates.shape[1], shared.practices.shape[1]
    low, high, total = np.full(width, np.inf), np.full(width, -np.inf), np.zeros(width)
    same, opposite = np.ones(m, bool), np.ones(m, bool)
    for start in range(0, len(rows), disputes.BLOCK_ROWS):
        take = rows[start:start + disputes.BLOCK_ROWS]
        practices, covariates = shared.practices[take], shared.covariates[take]
        np.minimum(low, covariates.min(axis=0), out=low)
        np.maximum(high, covariates.max(axis=0), out=high)
        total += covariates.sum(axis=0)
        t = treated[start:start + disputes.BLOCK_ROWS, None]
        same &= (practices == t).all(axis=0)
        opposite &= (practices == 1 - t).all(axis=0)
    return low, high, total, same, opposite


def _case(seed: int):
    df, calls, _ = disputed(n=20_000, seed=seed)  # several blocks of rows
    level = next(nm for nm in build(df, frames.PRACTICES).covariate_names if nm.startswith("anger["))
    absent = int(level.split("[")[1].rstrip("]"))  # a level column with no compared call
    rows = np.flatnonzero(df["apologized"].to_numpy(dtype=bool) & (df["anger_level"] != absent).to_numpy())
    t = df["thanked"].to_numpy(dtype=float)[rows]
    df.loc[df.index[rows], "took_ownership"] = (1 - t).astype(bool)  # the side's opposite on every compared call
    return df, rows, t


@pytest.mark.parametrize("which", ["combined", "without", "subset"])
def test_the_scan_from_sums_is_every_columns_own(which):
    df, rows, t = _case(41)
    full = build(df, frames.PRACTICES)
    shared = {"combined": full, "without": full.without("apologized"),
              "subset": full.subset(np.ones(len(df), bool))}[which]
    assert (shared.combined is not None) == (which == "combined")
    low, high, total, same, opposite, ranges = disputes._scan(shared, rows, t)
    r_low, r_high, r_total, r_same, r_opposite = _reference_scan(shared, rows, t)
    assert np.array_equal(low, r_low) and np.array_equal(high, r_high)
    levels = ["[" in name for name in shared.covariate_names]
    assert np.array_equal(total[levels], r_total[levels])  # the counts the design reads
    np.testing.assert_allclose(total, r_total, rtol=1e-12)
    assert np.array_equal(same, r_same) and np.array_equal(opposite, r_opposite)
    assert np.array_equal(ranges, np.ptp(shared.practices[rows], axis=0))
    found = dict(zip(shared.practice_names, same | opposite))
    assert found["took_ownership"] and found.get("thanked", True) and not found.get("apologized", False)
    # a level absent among the rows: its count 0, its range 0
    assert (r_total[levels] == 0).any() and np.array_equal(high[levels], (r_total[levels] > 0).astype(float))


def test_the_points_table_is_the_reference_scans(monkeypatch):
    df, calls, _ = disputed(n=20_000, seed=43)
    # a second point, among the angrier calls, whose side is a practice itself (thanked: left out
    # of its model as the same as the side on every compared call)
    thanks = replace(EARLY, name="thanks_side", among="anger", treated="thanks")
    angry = (df["anger_level"] >= 3).to_numpy()
    calls[disputes.among_column(thanks.name)] = angry
    calls[disputes.treated_column(thanks.name)] = pd.array(
        np.where(angry, df["thanked"].to_numpy(dtype=bool), False), dtype="boolean")
    points = [EARLY, thanks]
    design = build(df, frames.PRACTICES)
    now = disputes.dispute_effects(df, calls, frames.PRACTICES, "churned_90d", design=design, disputes=points)[0]
    monkeypatch.setattr(disputes, "_scan", _reference_scan)
    before = disputes.dispute_effects(df, calls, frames.PRACTICES, "churned_90d", design=design,
                                      disputes=points)[0]
    assert now["estimate_pp"].notna().sum() >= 4
    assert "thanked not adjusted for" in now.loc[now["dispute"] == thanks.name, "note"].iloc[0]
    pd.testing.assert_frame_equal(now, before, check_exact=True)


def test_the_points_design_knows_its_practices_ranges():
    df, rows, t = _case(42)
    shared = build(df, frames.PRACTICES)
    design = disputes._rows_design(shared, rows, ["apologized", "thanked"], t, "early")
    assert np.array_equal(design.practice_ranges, np.ptp(design.practices, axis=0))
    assert design.varying().practice_names == ["thanked", "early"]  # apologized: on every compared call
