"""A disputed point's model read from the linked calls' design a block of rows at a time
(``analysis/dispute_rows.py``, issue #12: no copy of a large point's rows): the matrix it reads is the
copy's, value for value, and the points' table is the copy path's (within 1e-10 relative: sums over
blocks of rows in another order)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import disputes
from calmline.analysis.design import build
from calmline.analysis.dispute_rows import PointDesign, PointRows
from tests.analysis import frames
from tests.analysis.test_disputes import EARLY, disputed


def test_the_point_rows_are_the_copied_matrix():
    df, _, _ = disputed(n=20_000, seed=33)
    full = build(df, frames.PRACTICES)
    side = (np.arange(len(df)) % 3 == 0).astype(float)
    rows = np.flatnonzero((df["anger_level"] > 3).to_numpy())
    columns = [1, 2, 5, *range(len(full.practice_names) + 2, full.combined.shape[1])]
    X = PointRows(full.combined, rows, columns, side[rows], 3)
    reference = np.column_stack([full.combined[np.ix_(rows, columns[:3])], side[rows],
                                 full.combined[np.ix_(rows, columns[3:])]])
    assert X.shape == reference.shape
    assert np.array_equal(X.gathered(), reference)
    assert np.array_equal(X.block(100, 9_000), reference[100:9_000])
    assert np.array_equal(X.take(np.array([7, 3, 500])), reference[[7, 3, 500]])
    for j in (0, 3, 4, reference.shape[1] - 1):
        assert np.array_equal(X.column(j), reference[:, j]) and np.array_equal(X[:, j], reference[:, j])


def test_a_point_read_by_blocks_gives_the_copied_points_table(monkeypatch):
    df, calls, _ = disputed(n=12_000, seed=45)
    design = build(df, frames.PRACTICES)
    copied = disputes.dispute_effects(df, calls, frames.PRACTICES, "churned_90d", design=design,
                                      disputes=[EARLY])[0]
    made = []
    original = PointDesign.__init__

    def counted(self, *args, **kwargs):
        made.append(args[-1])
        original(self, *args, **kwargs)
    monkeypatch.setattr(PointDesign, "__init__", counted)
    monkeypatch.setattr(disputes, "POINT_COPY_BYTES", 0)  # every point read from the shared design
    read = disputes.dispute_effects(df, calls, frames.PRACTICES, "churned_90d", design=design,
                                    disputes=[EARLY])[0]
    assert EARLY.name in made  # the point was read by blocks, not copied
    numbers = ["estimate_pp", "ci_low_pp", "ci_high_pp", "std_error_pp", "p_value"]
    assert copied["estimate_pp"].notna().all()  # every method estimated
    pd.testing.assert_frame_equal(read.drop(columns=numbers), copied.drop(columns=numbers))
    for column in numbers:
        a, b = read[column].astype(float).to_numpy(), copied[column].astype(float).to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b))
        ok = ~np.isnan(a)
        assert np.allclose(a[ok], b[ok], rtol=1e-10, atol=0), column
