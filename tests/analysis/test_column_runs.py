"""Chosen columns copied a run of neighbours at a time (``column_runs.copy_columns``): the same
matrix as ``block[:, columns]``, whatever the columns' order, gaps and repeats."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis.column_runs import copy_columns, runs


@pytest.mark.parametrize("columns", [[0, 1, 2, 3, 4, 5, 6], [0, 1, 3, 4, 6], [6, 0, 1, 2], [2], [5, 5, 1], []])
def test_the_copy_is_the_fancy_indexed_block(columns):
    block = np.random.default_rng(1).random((50, 7))[::2]  # a view with gaps, as a gathered source may be
    into = np.full((25, len(columns) + 2), np.nan)
    copy_columns(block, columns, into[:, 1:-1])
    assert np.array_equal(into[:, 1:-1], block[:, columns])
    assert np.isnan(into[:, [0, -1]]).all()  # nothing written outside
    if columns:
        again = np.empty((25, len(columns)))
        copy_columns(block, runs(columns), again)
        assert np.array_equal(again, block[:, columns])


def test_neighbouring_columns_make_one_run():
    assert runs([0, 1, 2, 4, 5, 9]) == [(0, 3, 0), (4, 6, 3), (9, 10, 5)]
